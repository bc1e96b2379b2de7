"""Watchers of reading and price writes hear of each commit that changed rows, and only then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Meter
from luna.store.sql.series_writes import SeriesWrites, watch_writes
from luna.store.sql.timeseries import PRICES, READINGS, upsert_rows

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def test_watchers_hear_of_committed_changes_not_of_rollbacks_or_unchanged_rows(clean_db: Stores):
    engine = clean_db.engine
    with session_scope(clean_db.sessions) as s:
        s.add_all([Meter(meter_id="M-W1"), Meter(meter_id="M-W2")])
    heard: list[SeriesWrites] = []
    stop = watch_writes(engine, heard.append)
    try:
        with engine.begin() as conn:
            upsert_rows(conn, READINGS, [("M-W1", T0, 15, 1.0, 0.0), ("M-W2", T0, 15, 2.0, 0.0)])
            assert heard == []  # not before the commit
        assert heard == [SeriesWrites(meters=frozenset({"M-W1", "M-W2"}))]

        with engine.connect() as conn:  # rolled back: nothing to hear of
            upsert_rows(conn, READINGS, [("M-W1", T0 + timedelta(minutes=15), 15, 1.0, 0.0)])
            conn.rollback()
        with engine.begin() as conn:  # the same rows again: nothing changed
            assert upsert_rows(conn, READINGS, [("M-W1", T0, 15, 1.0, 0.0)]) == 0
        assert len(heard) == 1

        with engine.begin() as conn:
            upsert_rows(conn, PRICES, [("DE-LU", 60, T0, 80.0)])
        assert heard[-1] == SeriesWrites(zones=frozenset({"DE-LU"}))
    finally:
        stop()
    with engine.begin() as conn:
        upsert_rows(conn, READINGS, [("M-W2", T0 + timedelta(minutes=15), 15, 2.0, 0.0)])
    assert len(heard) == 2  # stopped watching
