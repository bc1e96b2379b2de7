"""Naive local timestamps at the DST changes and off-grid readings are refused with a 422
naming the row and the timestamp, and nothing of the batch is written (Europe/Berlin: clocks
go forward on 2026-03-29 at 02:00 and back on 2026-10-25 at 03:00)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from luna.config import Settings
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import MarketPrice, Meter, Role, SmartMeterReading
from luna.store.sql.users import create_user
from tests.api.conftest import PASSWORD, login


@pytest.fixture
def admin(client: TestClient, clean_db: Stores, settings: Settings) -> dict[str, str]:
    assert settings.timezone == "Europe/Berlin"
    with session_scope(clean_db.sessions) as s:
        create_user(s, "monika", PASSWORD, Role.ADMIN)
        s.add(Meter(meter_id="M-001"))
    return login(client, "monika")


def _reading(ts: str, interval: int = 15, kwh: float = 0.25) -> dict[str, Any]:
    return {"meter_id": "M-001", "ts": ts, "interval_minutes": interval, "consumption_kwh": kwh}


def _stored(stores: Stores) -> list[tuple[datetime, float]]:
    with stores.sessions() as s:
        rows = s.execute(
            select(SmartMeterReading.ts, SmartMeterReading.consumption_kwh).order_by(
                SmartMeterReading.ts
            )
        )
        return [(ts, kwh) for ts, kwh in rows]


def _refusals(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {e["field"]: e["message"] for e in response.json()["detail"]}


def test_two_naive_readings_in_the_repeated_autumn_hour_are_refused_not_merged(
    client: TestClient, admin, clean_db: Stores
):
    batch = {
        "readings": [_reading("2026-10-25T02:30:00", kwh=0.1), _reading("2026-10-25T02:30:00")]
    }
    refused = _refusals(client.post("/data/smart_meter", json=batch, headers=admin))
    assert set(refused) == {"body.readings.0.ts", "body.readings.1.ts"}
    assert "2026-10-25T02:30:00 occurs twice in Europe/Berlin" in refused["body.readings.0.ts"]
    assert _stored(clean_db) == []


def test_the_repeated_hour_with_offsets_lands_as_two_rows(
    client: TestClient, admin, clean_db: Stores
):
    batch = {
        "readings": [
            _reading("2026-10-25T02:30:00+02:00", kwh=0.1),
            _reading("2026-10-25T02:30:00+01:00", kwh=0.2),
        ]
    }
    response = client.post("/data/smart_meter", json=batch, headers=admin)
    assert response.json() == {"received": 2, "written": 2, "unchanged": 0}
    assert _stored(clean_db) == [
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), 0.1),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), 0.2),
    ]


def test_a_naive_time_in_the_spring_gap_is_refused_not_moved(
    client: TestClient, admin, clean_db: Stores
):
    batch = {"readings": [_reading("2026-03-29T01:45:00"), _reading("2026-03-29T02:30:00")]}
    refused = _refusals(client.post("/data/smart_meter", json=batch, headers=admin))
    assert set(refused) == {"body.readings.1.ts"}
    assert "2026-03-29T02:30:00 does not exist in Europe/Berlin" in refused["body.readings.1.ts"]
    assert _stored(clean_db) == []


def test_prices_follow_the_same_rules(client: TestClient, admin, clean_db: Stores):
    def price(ts: str) -> dict[str, Any]:
        return {"zone": "DE-LU", "resolution_minutes": 60, "ts": ts, "price_eur_mwh": 80.0}

    batch = {"prices": [price("2026-03-29T02:00:00"), price("2026-10-25T02:00:00")]}
    refused = _refusals(client.post("/data/market_prices", json=batch, headers=admin))
    assert "does not exist" in refused["body.prices.0.ts"]
    assert "occurs twice" in refused["body.prices.1.ts"]
    with clean_db.sessions() as s:
        assert s.scalars(select(MarketPrice.ts)).all() == []


def test_daily_readings_start_at_local_midnight_also_on_both_dst_days(
    client: TestClient, admin, clean_db: Stores
):
    batch = {
        "readings": [
            _reading("2026-03-29T00:00:00", interval=1440, kwh=9.0),
            _reading("2026-10-25T00:00:00", interval=1440, kwh=11.0),
        ]
    }
    response = client.post("/data/smart_meter", json=batch, headers=admin)
    assert response.json()["written"] == 2, response.text
    assert _stored(clean_db) == [
        (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), 9.0),  # CET midnight
        (datetime(2026, 10, 24, 22, 0, tzinfo=UTC), 11.0),  # CEST midnight
    ]


@pytest.mark.parametrize(
    ("ts", "interval"),
    [
        ("2026-11-02T00:01:00", 1440),  # a daily reading one minute past midnight
        ("2026-11-02T00:00:00Z", 1440),  # midnight UTC is 01:00 in Berlin
        ("2026-11-02T10:07:00", 15),  # a quarter-hour reading at :07
        ("2026-11-02T10:30:00", 60),  # an hourly reading at half past
        ("2026-11-02T10:15:30", 15),  # not on a whole minute
    ],
)
def test_readings_off_their_interval_grid_get_422(
    client: TestClient, admin, clean_db: Stores, ts: str, interval: int
):
    batch = {"readings": [_reading("2026-11-02T10:00:00"), _reading(ts, interval)]}
    refused = _refusals(client.post("/data/smart_meter", json=batch, headers=admin))
    assert set(refused) == {"body.readings.1.ts"}
    assert (
        "grid" in refused["body.readings.1.ts"] or "whole minute" in refused["body.readings.1.ts"]
    )
    assert _stored(clean_db) == []


def test_query_bounds_in_the_dst_hours_need_an_offset(client: TestClient, admin):
    for start, problem in (("2026-10-25T02:30", "occurs twice"), ("2026-03-29T02:30", "not exist")):
        response = client.get(
            "/data/smart_meter", params={"start": start, "end": "2026-11-01"}, headers=admin
        )
        refused = _refusals(response)
        assert problem in refused["query.start"]
    ok = client.get(
        "/data/smart_meter",
        params={"start": "2026-10-25T02:30+01:00", "end": "2026-10-26"},
        headers=admin,
    )
    assert ok.status_code == 200, ok.text
    at = client.get("/data/kpis", params={"at": "2026-10-25T02:15"}, headers=admin)
    assert "occurs twice" in _refusals(at)["query.at"]
