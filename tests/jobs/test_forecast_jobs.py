"""Forecast refreshes as jobs: one per target, run by a worker, a target queued at most once
while it waits; written readings queue the refresh of the targets they touched."""

from __future__ import annotations

import time

import pandas as pd

from luna.jobs.forecast import enqueue_forecast_refreshes
from luna.simulators.backfill import backfill, day_window
from luna.simulators.simulate_smart_meter import default_fleet
from luna.store.factory import Stores
from luna.store.sql.forecasts import ForecastTarget, target_states
from luna.store.sql.timeseries import READINGS, upsert_rows
from tests.jobs.conftest import WORKER, admin_headers, ended, wait_for

HISTORY_DAYS = 21


def _meter_with_history(stores: Stores) -> str:
    meter = default_fleet(1, 42)[0]
    start, end = day_window(HISTORY_DAYS)
    backfill(stores.engine, [meter], start, end, seed=42, price_end=start + pd.Timedelta(days=1))
    return meter.meter_id


def _stored(stores: Stores) -> dict[ForecastTarget, bool]:
    """Each target there is data for: whether its stored forecast is current."""
    with stores.engine.connect() as conn:
        return {s.target: not s.due for s in target_states(conn)}


def test_a_refresh_job_per_target_stores_its_forecast(app_client, users, clean_db):
    meter = _meter_with_history(clean_db)
    consumption = ForecastTarget("consumption", meter)
    nowhere = ForecastTarget("consumption", "M-404")  # no history at all
    assert _stored(clean_db)[consumption] is False
    with app_client(**WORKER) as client:
        admin = admin_headers(client, users)
        jobs = client.app.state.runtime.jobs  # type: ignore[attr-defined]
        queued = enqueue_forecast_refreshes(jobs, [consumption, nowhere], delay_s=1.0)
        # While they wait, the same targets are not queued twice.
        assert enqueue_forecast_refreshes(jobs, [consumption, nowhere]) == []
        done, failed = (wait_for(client, admin, job_id, ended) for job_id in queued)
    assert done["state"] == "done", done
    assert done["kind"] == "forecast_refresh"
    assert done["result"]["target"] == f"{meter} consumption"
    assert _stored(clean_db)[consumption] is True
    assert failed["state"] == "failed"
    assert "M-404 consumption" in failed["error"]


def _jobs_of_kind_ended(client, headers, kind: str, timeout: float = 120.0) -> list[dict]:
    """Poll ``GET /jobs?kind=`` until there is at least one job and every one has ended."""
    deadline = time.monotonic() + timeout
    jobs: list[dict] = []
    while time.monotonic() < deadline:
        jobs = client.get("/jobs", params={"kind": kind}, headers=headers).json()
        if jobs and all(ended(j) for j in jobs):
            return jobs
        time.sleep(0.1)
    raise AssertionError(f"the {kind} jobs never ended: {jobs}")


def test_written_readings_queue_the_refresh_of_their_meter(app_client, users, clean_db):
    meter = _meter_with_history(clean_db)
    with app_client(**WORKER, forecast_refresh=True, forecast_refresh_delay_s=0.2) as client:
        admin = admin_headers(client, users)
        last = pd.Timestamp.now(tz="UTC").floor("15min").to_pydatetime()
        with clean_db.engine.begin() as conn:
            upsert_rows(conn, READINGS, [(meter, last, 15, 0.4, 0.0)])
        jobs = _jobs_of_kind_ended(client, admin, "forecast_refresh")
    assert {j["arguments"]["meter_id"] for j in jobs} == {meter}, jobs
    assert "consumption" in {j["arguments"]["kind"] for j in jobs}
    assert all(j["state"] == "done" for j in jobs), jobs
    with clean_db.engine.connect() as conn:
        states = {s.target.kind: s for s in target_states(conn) if s.target.meter_id == meter}
    based_on = states["consumption"].based_on
    assert based_on is not None
    assert based_on >= last
