"""``GET /data/forecast`` over stored forecasts: served from storage without computing, a miss
computes and stores, new readings mark it stale and a refresh follows (or, without the
background refresh, the read recomputes it), and customers read only their own meters'
forecasts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select, text

from luna.api.app import create_app
from luna.config import Settings
from luna.forecasting.stored import refresh
from luna.store.factory import Stores
from luna.store.sql.forecasts import ForecastTarget
from luna.store.sql.models import SmartMeterReading, StoredForecast
from luna.store.sql.timeseries import READINGS, upsert_rows
from tests.api.conftest import login
from tests.energy_site import Site, site_lifetime

M001 = ForecastTarget("consumption", "M-001")
M002 = ForecastTarget("consumption", "M-002")


@pytest.fixture(scope="module")
def energy_site(stores: Stores) -> Iterator[Site]:
    yield from site_lifetime(stores)


@pytest.fixture(scope="module")
def api(settings: Settings, stores: Stores, energy_site: Site) -> Iterator[TestClient]:
    """The app without the background refresh (the tests' settings): only what a test
    refreshes, or a request computes, is stored."""
    with TestClient(create_app(settings, stores)) as client:
        yield client


def _rows(stores: Stores) -> list[tuple[Any, ...]]:
    with stores.sessions() as s:
        return [
            (r.kind, r.meter_id, r.zone, r.horizon_hours, r.based_on, r.computed_at)
            for r in s.scalars(select(StoredForecast).order_by(StoredForecast.id))
        ]


def _last_reading(stores: Stores, meter: str) -> datetime:
    with stores.sessions() as s:
        last = s.scalar(
            select(func.max(SmartMeterReading.ts)).where(SmartMeterReading.meter_id == meter)
        )
    assert last is not None
    return last


def _at(body: dict[str, Any], field: str) -> datetime:
    return datetime.fromisoformat(body[field])


def test_a_refreshed_forecast_is_served_from_storage_without_computing(
    api: TestClient, stores: Stores, settings: Settings
):
    assert refresh(stores.engine, settings, [M001]).refreshed == ["M-001 consumption"]
    stored = _rows(stores)
    asked_at = datetime.now(UTC)
    response = api.get(
        "/data/forecast",
        params={"kind": "consumption", "meter_id": "M-001", "hours": 36},
        headers=login(api, "anna"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["stored"] is True
    assert body["stale"] is False
    assert _at(body, "computed_at") < asked_at  # read, not computed for this request
    last = _last_reading(stores, "M-001")
    assert _at(body, "based_on") == last
    assert len(body["points"]) == 36 * 4  # a slice of the stored 48 hours
    assert datetime.fromisoformat(body["points"][0]["ts"]) == last + timedelta(minutes=15)
    assert body["mae"] is not None
    assert _rows(stores) == stored  # nothing written


def test_a_miss_computes_and_stores_and_the_next_request_reads_it(api: TestClient, stores: Stores):
    with stores.engine.begin() as conn:
        conn.execute(delete(StoredForecast).where(StoredForecast.kind == "price"))
    anna = login(api, "anna")
    params = {"kind": "price", "hours": 48}
    first = api.get("/data/forecast", params=params, headers=anna).json()
    assert first["stored"] is False
    assert first["zone"] == "DE-LU"
    prices = [r for r in _rows(stores) if r[0] == "price"]
    assert len(prices) == 1
    assert prices[0][5] == _at(first, "computed_at")

    again = api.get("/data/forecast", params=params, headers=anna).json()
    assert again["stored"] is True
    assert again["computed_at"] == first["computed_at"]
    assert again["points"] == first["points"]

    forcing = {**params, "model": "seasonal_naive_daily"}
    refused = api.get("/data/forecast", params=forcing, headers=anna)
    assert refused.status_code == 403  # seconds of CPU per call: admins only
    assert refused.json()["detail"][0]["field"] == "query.model"
    forced = api.get("/data/forecast", params=forcing, headers=login(api, "monika")).json()
    assert forced["stored"] is False  # a forced model computes, and stores nothing
    assert forced["model"] == "seasonal_naive_daily"
    assert [r for r in _rows(stores) if r[0] == "price"] == prices


def test_customers_cannot_read_another_customers_stored_forecast(
    api: TestClient, stores: Stores, settings: Settings
):
    assert refresh(stores.engine, settings, [M002]).refreshed == ["M-002 consumption"]
    params = {"kind": "consumption", "meter_id": "M-002"}
    refused = api.get("/data/forecast", params=params, headers=login(api, "anna"))
    assert refused.status_code == 404
    assert "points" not in refused.json()
    own = api.get("/data/forecast", params=params, headers=login(api, "ben")).json()
    assert own["stored"] is True
    admin = api.get("/data/forecast", params=params, headers=login(api, "monika")).json()
    assert admin["stored"] is True
    assert api.get("/data/forecast", params=params).status_code == 401


def test_without_the_background_refresh_a_stale_forecast_is_recomputed_on_read(
    api: TestClient, stores: Stores, settings: Settings
):
    refresh(stores.engine, settings, [M001])
    newer = _last_reading(stores, "M-001") + timedelta(minutes=15)
    with stores.engine.begin() as conn:
        upsert_rows(conn, READINGS, [("M-001", newer, 15, 0.2, 0.0)])
    params = {"kind": "consumption", "meter_id": "M-001"}
    anna = login(api, "anna")
    try:
        recomputed = api.get("/data/forecast", params=params, headers=anna).json()
        assert recomputed["stored"] is False
        assert _at(recomputed, "based_on") == newer
        again = api.get("/data/forecast", params=params, headers=anna).json()
        assert (again["stored"], again["stale"]) == (True, False)
        assert again["computed_at"] == recomputed["computed_at"]
    finally:
        with stores.engine.begin() as conn:
            conn.execute(delete(StoredForecast).where(StoredForecast.meter_id == "M-001"))
            conn.execute(
                delete(SmartMeterReading).where(
                    SmartMeterReading.meter_id == "M-001", SmartMeterReading.ts == newer
                )
            )


def test_new_readings_mark_the_forecast_stale_and_a_background_refresh_follows(
    api: TestClient, stores: Stores, settings: Settings
):
    refresh(stores.engine, settings, [M001])
    last = _last_reading(stores, "M-001")
    newer = last + timedelta(minutes=15)
    background = settings.model_copy(
        # The refresh is a job on the queue: the in-process worker runs it.
        update={
            "forecast_refresh": True,
            "forecast_refresh_delay_s": 1.0,
            "jobs_in_process_worker": True,
        }
    )
    params = {"kind": "consumption", "meter_id": "M-001", "hours": 24}
    try:
        with TestClient(create_app(background, stores)) as client:
            reading = {"meter_id": "M-001", "ts": newer.isoformat(), "consumption_kwh": 0.2}
            posted = client.post(
                "/data/smart_meter",
                json={"readings": [reading]},
                headers=login(client, "monika"),
            )
            assert posted.json()["written"] == 1
            anna = login(client, "anna")
            stale = client.get("/data/forecast", params=params, headers=anna).json()
            assert stale["stored"] is True
            assert stale["stale"] is True
            assert _at(stale, "based_on") == last

            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                based_on = {r[4] for r in _rows(stores) if r[1] == "M-001"}
                if based_on == {newer}:
                    break
                time.sleep(0.5)
            fresh = client.get("/data/forecast", params=params, headers=anna).json()
        assert fresh["stored"] is True
        assert fresh["stale"] is False
        assert _at(fresh, "based_on") == newer
        assert _at(fresh, "computed_at") > _at(stale, "computed_at")
    finally:
        with stores.engine.begin() as conn:
            conn.execute(
                delete(SmartMeterReading).where(
                    SmartMeterReading.meter_id == "M-001", SmartMeterReading.ts == newer
                )
            )
            conn.execute(text("DELETE FROM procrastinate_jobs"))  # the refresh jobs it queued
