"""Stored forecasts on a simulated site: a refresh stores one per target, a newer reading makes
it due and stale, a shorter horizon is served as a slice of the stored one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from luna.config import Settings
from luna.forecasting.stored import due_targets, read_stored, refresh
from luna.store.factory import Stores
from luna.store.sql.forecasts import ForecastTarget
from luna.store.sql.models import SmartMeterReading, StoredForecast
from luna.store.sql.timeseries import READINGS, upsert_rows
from tests.energy_site import Site, site_lifetime

M001 = ForecastTarget("consumption", "M-001")
M002 = ForecastTarget("consumption", "M-002")
PRICE = ForecastTarget("price", None, "DE-LU")


@pytest.fixture(scope="module")
def energy_site(stores: Stores) -> Iterator[Site]:
    yield from site_lifetime(stores)


@pytest.fixture(scope="module")
def refreshed(energy_site: Site, stores: Stores, settings: Settings) -> list[str]:
    """Every due target refreshed once (two household meters without PV, one price zone)."""
    assert due_targets(stores.engine) == [M001, M002, PRICE]
    report = refresh(stores.engine, settings, due_targets(stores.engine))
    assert report.failed == {}
    return report.refreshed


def _last_reading(stores: Stores, meter: str) -> datetime:
    with stores.sessions() as s:
        last = s.scalar(
            select(func.max(SmartMeterReading.ts)).where(SmartMeterReading.meter_id == meter)
        )
    assert last is not None
    return last


def test_a_refresh_stores_one_forecast_per_target_and_leaves_none_due(
    refreshed: list[str], stores: Stores, settings: Settings
):
    assert refreshed == ["M-001 consumption", "M-002 consumption", "DE-LU price"]
    assert due_targets(stores.engine) == []
    with stores.sessions() as s:
        rows = s.scalars(select(StoredForecast).order_by(StoredForecast.id)).all()
    assert [(r.kind, r.meter_id, r.zone) for r in rows] == [
        ("consumption", "M-001", None),
        ("consumption", "M-002", None),
        ("price", None, "DE-LU"),
    ]
    m001 = rows[0]
    assert m001.horizon_hours == settings.forecast_hours
    assert m001.based_on == _last_reading(stores, "M-001")
    assert len(m001.points) == settings.forecast_hours * 4  # 15-minute steps
    assert all(p10 <= value + 1e-9 <= p90 + 2e-9 for _, value, p10, p90 in m001.points)


def test_a_shorter_horizon_is_served_as_a_slice_of_the_stored_one(
    refreshed: list[str], stores: Stores, settings: Settings
):
    with stores.engine.connect() as conn:
        full = read_stored(conn, M001, settings.forecast_hours)
        six = read_stored(conn, M001, 6)
        longer = read_stored(conn, M001, settings.forecast_hours + 1)
    assert full is not None
    assert six is not None
    assert six.points == full.points[:24]
    assert (six.based_on, six.computed_at, six.stale) == (full.based_on, full.computed_at, False)
    assert longer is None  # not covered: the caller computes


def test_a_newer_reading_makes_the_forecast_stale_and_due(refreshed: list[str], stores: Stores):
    last = _last_reading(stores, "M-001")
    newer = last + timedelta(minutes=15)
    with stores.engine.begin() as conn:
        upsert_rows(conn, READINGS, [("M-001", newer, 15, 0.1, 0.0)])
    try:
        assert due_targets(stores.engine) == [M001]
        with stores.engine.connect() as conn:
            stale = read_stored(conn, M001, 24)
        assert stale is not None
        assert stale.stale
        assert stale.based_on == last
    finally:
        with stores.engine.begin() as conn:
            conn.execute(
                text("DELETE FROM smart_meter_readings WHERE meter_id = 'M-001' AND ts = :ts"),
                {"ts": newer},
            )
    assert due_targets(stores.engine) == []
