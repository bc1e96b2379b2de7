"""The database keeps a version per meter and UTC day of readings: every insert, change,
deletion and TRUNCATE of a day's readings renews it, by whatever writer; an upsert that
changes nothing, a rollback and another meter's or day's write leave it as it was."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text

from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Meter
from luna.store.sql.reading_versions import day_stamps, range_stamp
from luna.store.sql.timeseries import READINGS, upsert_rows

DAY = date(2026, 11, 2)
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
NEXT_DAY = T0 + timedelta(days=1)


def _versions(stores: Stores) -> dict[tuple[str, date], int]:
    with stores.engine.connect() as conn:
        rows = conn.execute(text("SELECT meter_id, day, version FROM reading_day_versions"))
        return {(r.meter_id, r.day): r.version for r in rows}


def test_every_kind_of_write_renews_only_the_days_it_touched(clean_db: Stores):
    engine = clean_db.engine
    with session_scope(clean_db.sessions) as s:
        s.add_all([Meter(meter_id="M-V1"), Meter(meter_id="M-V2")])
    with engine.begin() as conn:
        upsert_rows(conn, READINGS, [("M-V1", T0, 15, 1.0, 0.0), ("M-V2", T0, 15, 2.0, 0.0)])
    first = _versions(clean_db)
    assert set(first) == {("M-V1", DAY), ("M-V2", DAY)}

    with engine.begin() as conn:  # the same row again: nothing changed, no new version
        assert upsert_rows(conn, READINGS, [("M-V1", T0, 15, 1.0, 0.0)]) == 0
    with engine.connect() as conn:  # rolled back
        upsert_rows(conn, READINGS, [("M-V1", T0, 15, 9.0, 0.0)])
        conn.rollback()
    assert _versions(clean_db) == first

    with engine.begin() as conn:  # a corrected value, through the upsert
        upsert_rows(conn, READINGS, [("M-V1", T0, 15, 1.5, 0.0)])
    corrected = _versions(clean_db)
    assert corrected["M-V1", DAY] != first["M-V1", DAY]
    assert corrected["M-V2", DAY] == first["M-V2", DAY]

    steps = [  # plain SQL, as another tool or a person would write it
        "UPDATE smart_meter_readings SET consumption_kwh = 3.0 WHERE meter_id = 'M-V2'",
        "DELETE FROM smart_meter_readings WHERE meter_id = 'M-V2'",
        "INSERT INTO smart_meter_readings VALUES ('M-V2', '2026-11-02 09:00+00', 15, 1.0, 0.0)",
    ]
    for sql in steps:
        before = _versions(clean_db)
        with engine.begin() as conn:
            conn.execute(text(sql))
        after = _versions(clean_db)
        assert after["M-V2", DAY] != before["M-V2", DAY], sql
        assert after["M-V1", DAY] == before["M-V1", DAY], sql

    before = _versions(clean_db)
    with engine.begin() as conn:  # moved to the next day: both days changed
        conn.execute(
            text(
                "UPDATE smart_meter_readings SET ts = ts + INTERVAL '1 day' WHERE meter_id = 'M-V2'"
            )
        )
    moved = _versions(clean_db)
    assert moved["M-V2", DAY] != before["M-V2", DAY]
    assert ("M-V2", NEXT_DAY.date()) in moved

    before = _versions(clean_db)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE smart_meter_readings"))
    after = _versions(clean_db)
    assert all(after[key] != version for key, version in before.items())


def test_stamps_change_with_any_meters_write_and_name_only_days_with_readings(clean_db: Stores):
    engine = clean_db.engine
    with session_scope(clean_db.sessions) as s:
        s.add_all([Meter(meter_id="M-S1"), Meter(meter_id="M-S2")])
    with engine.begin() as conn:
        upsert_rows(conn, READINGS, [("M-S1", T0, 15, 1.0, 0.0), ("M-S2", T0, 15, 2.0, 0.0)])
    meters, last = ["M-S1", "M-S2"], DAY + timedelta(days=3)
    with engine.connect() as conn:
        days, whole = day_stamps(conn, meters, DAY, last), range_stamp(conn, meters, DAY, last)
    assert set(days) == {DAY}  # the other days never had a reading

    with engine.begin() as conn:  # one of the two meters, on the same day
        upsert_rows(conn, READINGS, [("M-S2", T0, 15, 2.5, 0.0)])
    with engine.connect() as conn:
        assert day_stamps(conn, meters, DAY, last)[DAY] != days[DAY]
        assert range_stamp(conn, meters, DAY, last) != whole
        days, whole = day_stamps(conn, meters, DAY, last), range_stamp(conn, meters, DAY, last)
        day_only = range_stamp(conn, meters, DAY, DAY)

    with engine.begin() as conn:  # a first reading on a later day
        upsert_rows(conn, READINGS, [("M-S1", NEXT_DAY, 15, 1.0, 0.0)])
    with engine.connect() as conn:
        assert day_stamps(conn, meters, DAY, last)[DAY] == days[DAY]
        assert range_stamp(conn, meters, DAY, last) != whole
        assert range_stamp(conn, meters, DAY, DAY) == day_only  # outside that range
