"""Backfill into the real PostgreSQL: complete, idempotent, same data as the simulator."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select

from luna.simulators.backfill import backfill, day_window
from luna.simulators.simulate_smart_meter import default_fleet, simulate_meter
from luna.store.factory import Stores
from luna.store.sql.models import MarketPrice, Meter, SmartMeterReading

END = pd.Timestamp("2026-06-15", tz="Europe/Berlin")


def test_backfill_writes_everything_once_and_rerunning_changes_nothing(clean_db: Stores):
    specs = default_fleet(3, seed=1)
    start, end = day_window(2, end=END)
    first = backfill(clean_db.engine, specs, start, end, seed=1)
    again = backfill(clean_db.engine, specs, start, end, seed=1)

    expected = sum(len(simulate_meter(s, start, end, seed=1)) for s in specs)
    assert first.readings == expected
    assert first.readings_written == expected
    assert again.readings_written == 0
    assert again.prices_written == 0
    assert first.prices == (2 + 1) * 24 + (2 + 1) * 96  # hourly and 15-min, through tomorrow

    with clean_db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Meter)) == 3
        assert s.scalar(select(func.count()).select_from(SmartMeterReading)) == expected
        assert s.scalar(select(func.count()).select_from(MarketPrice)) == first.prices
        stored = s.scalar(
            select(func.sum(SmartMeterReading.consumption_kwh)).where(
                SmartMeterReading.meter_id == "M-002"
            )
        )
    simulated = simulate_meter(specs[1], start, end, seed=1).consumption_kwh.sum()
    assert stored == simulated or abs(stored - simulated) < 1e-9 * simulated


def test_day_window_covers_whole_local_days_across_dst():
    start, end = day_window(3, end=pd.Timestamp("2026-03-30T10:00", tz="Europe/Berlin"))
    assert start == pd.Timestamp("2026-03-27T00:00", tz="Europe/Berlin")
    assert end == pd.Timestamp("2026-03-30T00:00", tz="Europe/Berlin")
    assert (end - start) == pd.Timedelta(hours=71)  # one hour lost to DST
