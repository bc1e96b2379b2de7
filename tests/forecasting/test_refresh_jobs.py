"""The background refresh: commits that change readings or prices within the delay submit one
refresh of the targets they touched; after shutdown, writes are no longer heard."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from luna.config import Settings
from luna.forecasting.refresh_jobs import ForecastRefresher
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.forecasts import ForecastTarget
from luna.store.sql.models import Meter
from luna.store.sql.timeseries import PRICES, READINGS, upsert_rows

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def test_writes_within_the_delay_submit_one_refresh_of_the_targets_they_touched(
    clean_db: Stores, settings: Settings
):
    calls: list[list[ForecastTarget]] = []
    with session_scope(clean_db.sessions) as s:
        s.add_all([Meter(meter_id="M-001"), Meter(meter_id="M-007", pv_kwp=11.5)])
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start()
    fast = settings.model_copy(update={"forecast_refresh_delay_s": 0.5})
    refresher = ForecastRefresher(scheduler, clean_db.engine, fast, submit=calls.append)
    refresher.start()
    try:
        for meter in ("M-001", "M-007"):  # three commits, as a backfill would make them
            with clean_db.engine.begin() as conn:
                upsert_rows(conn, READINGS, [(meter, T0, 15, 1.0, 0.0)])
        with clean_db.engine.begin() as conn:
            upsert_rows(conn, PRICES, [("DE-LU", 60, T0, 80.0)])
        deadline = time.monotonic() + 10
        while not calls and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.7)  # a second refresh would have started by now
        assert calls == [
            [
                ForecastTarget("consumption", "M-001"),
                ForecastTarget("consumption", "M-007"),
                ForecastTarget("pv", "M-007"),
                ForecastTarget("price", None, "DE-LU"),
            ]
        ]
        refresher.shutdown()
        with clean_db.engine.begin() as conn:
            upsert_rows(conn, READINGS, [("M-001", T0 + timedelta(minutes=15), 15, 1.0, 0.0)])
        time.sleep(0.8)
        assert len(calls) == 1
    finally:
        refresher.shutdown()
        scheduler.shutdown(wait=False)
