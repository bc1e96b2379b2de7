"""Time-series API: SQL aggregation checked against an independent computation, access
isolation between customers, and the bad-input matrix (4xx naming the field, nothing written)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from luna.api.routes.data import ReadingSeries
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import MarketPrice, Meter, Role, SmartMeterReading
from luna.store.sql.timeseries import PRICES, READINGS, upsert_rows
from luna.store.sql.users import create_user
from tests.api.conftest import PASSWORD, login

TZ = "Europe/Berlin"
# Local days 2026-03-28 .. 2026-03-30 (DST starts on the 29th) and 2026-10-24 .. 10-26.
SPRING = pd.date_range("2026-03-28", "2026-03-31", freq="15min", tz=TZ, inclusive="left")
AUTUMN = pd.date_range("2026-10-24", "2026-10-27", freq="15min", tz=TZ, inclusive="left")


@pytest.fixture
def fleet(clean_db: Stores) -> pd.DataFrame:
    """Two customers, three meters with readings around both DST changes, and prices."""
    with session_scope(clean_db.sessions) as s:
        create_user(s, "monika", PASSWORD, Role.ADMIN)
        anna = create_user(s, "anna", PASSWORD, Role.CUSTOMER)
        ben = create_user(s, "ben", PASSWORD, Role.CUSTOMER)
        create_user(s, "feeder", PASSWORD, Role.SERVICE)
        s.add_all(
            [
                Meter(meter_id="M-001", owner_id=anna.id, pv_kwp=6.0),
                Meter(meter_id="M-002", owner_id=anna.id),
                Meter(meter_id="M-003", owner_id=ben.id),
            ]
        )
    rng = np.random.default_rng(7)
    frames = []
    for meter in ("M-001", "M-002", "M-003"):
        ts = SPRING.append(AUTUMN).tz_convert("UTC")
        frames.append(
            pd.DataFrame(
                {
                    "meter_id": meter,
                    "ts": ts,
                    "consumption_kwh": rng.gamma(2.0, 0.08, len(ts)).round(4),
                    "production_kwh": rng.uniform(0, 0.5, len(ts)).round(4),
                }
            )
        )
    data = pd.concat(frames, ignore_index=True)
    rows = [
        (r.meter_id, r.ts.to_pydatetime(), 15, r.consumption_kwh, r.production_kwh)
        for r in data.itertuples()
    ]
    prices = [
        ("DE-LU", 60, t.to_pydatetime(), float(-30.0 if i % 24 == 13 else 60.0 + i % 24))
        for i, t in enumerate(
            pd.date_range("2026-03-28", "2026-03-31", freq="h", tz=TZ, inclusive="left").tz_convert(
                "UTC"
            )
        )
    ]
    with clean_db.engine.begin() as conn:
        upsert_rows(conn, READINGS, rows)
        upsert_rows(conn, PRICES, prices)
    return data


def test_daily_sums_match_an_independent_computation_across_dst(client: TestClient, fleet):
    headers = login(client, "anna")
    response = client.get(
        "/data/smart_meter",
        params={
            "meter_id": "M-001",
            "start": "2026-03-28",
            "end": "2026-03-31",
            "resolution": "day",
        },
        headers=headers,
    )
    assert response.status_code == 200, response.text
    points = response.json()["points"]

    mine = fleet[fleet.meter_id == "M-001"].copy()
    mine["day"] = mine.ts.dt.tz_convert(TZ).dt.date
    expected = mine[mine.day < pd.Timestamp("2026-03-31").date()].groupby("day")
    assert [p["ts"][:10] for p in points] == ["2026-03-28", "2026-03-29", "2026-03-30"]
    assert [p["intervals"] for p in points] == [96, 92, 96]  # DST day has 92 quarter-hours
    assert [p["consumption_kwh"] for p in points] == pytest.approx(
        list(expected.consumption_kwh.sum()), abs=1e-6
    )
    assert points[1]["ts"] == "2026-03-29T00:00:00+01:00"
    assert points[2]["ts"] == "2026-03-30T00:00:00+02:00"


def test_autumn_dst_day_has_100_quarter_hours_and_hourly_max_is_right(client: TestClient, fleet):
    headers = login(client, "monika")
    daily = client.get(
        "/data/smart_meter",
        params={
            "meter_id": "M-003",
            "start": "2026-10-25T00:00:00+02:00",
            "end": "2026-10-26T00:00:00+01:00",
            "resolution": "day",
        },
        headers=headers,
    ).json()["points"]
    assert [p["intervals"] for p in daily] == [100]

    response = client.get(
        "/data/smart_meter",
        params={
            "meter_id": "M-003",
            "start": "2026-10-25",
            "end": "2026-10-26",
            "resolution": "hour",
            "agg": "max",
        },
        headers=headers,
    )
    # The series is serialised without a model per point: byte for byte what the model sends.
    assert ReadingSeries.model_validate_json(response.content).model_dump_json() == response.text
    hourly = response.json()["points"]
    assert len(hourly) == 25  # the repeated 02:00 hour appears twice, with its own offset
    assert [p["ts"][11:] for p in hourly[2:4]] == ["02:00:00+02:00", "02:00:00+01:00"]
    mine = fleet[fleet.meter_id == "M-003"].set_index("ts")
    first_hour = mine.loc["2026-10-24T22:00Z":"2026-10-24T22:45Z"].consumption_kwh.max()
    assert hourly[0]["consumption_kwh"] == pytest.approx(first_hour)


def test_all_meters_of_a_customer_are_summed_and_others_stay_hidden(client: TestClient, fleet):
    anna = login(client, "anna")
    meters = client.get("/data/meters", headers=anna).json()
    assert [m["meter_id"] for m in meters] == ["M-001", "M-002"]
    assert meters[0]["first_reading"].startswith("2026-03-27T23:00")

    total = client.get(
        "/data/smart_meter",
        params={"start": "2026-03-28", "end": "2026-03-29", "resolution": "day"},
        headers=anna,
    ).json()
    assert total["meter_ids"] == ["M-001", "M-002"]
    day = fleet[(fleet.meter_id != "M-003") & (fleet.ts < "2026-03-28T23:00Z")]
    assert total["points"][0]["consumption_kwh"] == pytest.approx(day.consumption_kwh.sum())

    other = client.get(
        "/data/smart_meter",
        params={"meter_id": "M-003", "start": "2026-03-28", "end": "2026-03-29"},
        headers=anna,
    )
    assert other.status_code == 404
    assert other.json() == {"error": "not_found", "detail": "unknown meter 'M-003'"}


def test_prices_aggregate_from_the_finest_fitting_source(client: TestClient, fleet):
    headers = login(client, "anna")
    body = client.get(
        "/data/market_prices",
        params={
            "zone": "DE-LU",
            "start": "2026-03-28",
            "end": "2026-03-29",
            "resolution": "day",
            "agg": "min",
        },
        headers=headers,
    ).json()
    assert body["source_resolution_minutes"] == 60
    assert body["points"][0]["price_eur_mwh"] == -30.0
    assert body["points"][0]["intervals"] == 24
    missing = client.get(
        "/data/market_prices",
        params={"zone": "FR", "start": "2026-03-28", "end": "2026-03-29"},
        headers=headers,
    )
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-03-30", "end": "2026-03-28"}, "query.end"),
        ({"start": "yesterday", "end": "2026-03-28"}, "query.start"),
        ({"start": "2000-01-01", "end": "2026-03-28", "resolution": "month"}, "query.start"),
        ({"start": "2025-01-01", "end": "2026-03-28", "resolution": "15min"}, "query.resolution"),
        ({"start": "2026-03-28", "end": "2026-03-29", "resolution": "week"}, "query.resolution"),
        ({"start": "2026-03-28", "end": "2026-03-29", "agg": "median"}, "query.agg"),
    ],
)
def test_bad_queries_get_422_naming_the_field(client: TestClient, fleet, params, field):
    response = client.get(
        "/data/smart_meter", params={"meter_id": "M-001", **params}, headers=login(client, "anna")
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "validation_error"
    assert field in {e["field"] for e in response.json()["detail"]}


def _count(stores: Stores) -> int:
    with stores.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(SmartMeterReading)) or 0)


def test_batch_ingest_is_idempotent(client: TestClient, fleet, clean_db: Stores):
    feeder = login(client, "feeder")
    batch = {
        "readings": [
            {"meter_id": "M-002", "ts": "2026-11-01T00:00:00", "consumption_kwh": 0.2},
            {
                "meter_id": "M-002",
                "ts": "2026-11-01T00:15:00+01:00",
                "consumption_kwh": 0.3,
                "production_kwh": 0.0,
            },
        ]
    }
    before = _count(clean_db)
    first = client.post("/data/smart_meter", json=batch, headers=feeder)
    assert first.json() == {"received": 2, "written": 2, "unchanged": 0}
    again = client.post("/data/smart_meter", json=batch, headers=feeder)
    assert again.json() == {"received": 2, "written": 0, "unchanged": 2}
    assert _count(clean_db) == before + 2
    with clean_db.sessions() as s:
        ts = s.scalar(
            select(func.min(SmartMeterReading.ts)).where(
                SmartMeterReading.ts >= datetime(2026, 10, 31, tzinfo=UTC)
            )
        )
    assert ts == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)  # naive input read as Berlin time


GOOD = {"meter_id": "M-001", "ts": "2026-11-02T00:00:00+01:00", "consumption_kwh": 0.1}


@pytest.mark.parametrize(
    ("bad", "field", "code"),
    [
        ({"consumption_kwh": -1}, "body.readings.1.consumption_kwh", 422),
        ({"consumption_kwh": "NaN"}, "body.readings.1.consumption_kwh", 422),
        ({"production_kwh": "Infinity"}, "body.readings.1.production_kwh", 422),
        ({"ts": "2026-13-01T00:00"}, "body.readings.1.ts", 422),
        ({"ts": "2026-11-02T00:07:00+01:00"}, "body.readings.1.ts", 422),
        ({"meter_id": "M-404"}, "body.readings.1.meter_id", 422),
        ({"interval_minutes": 0}, "body.readings.1.interval_minutes", 422),
        ({"unexpected": 1}, "body.readings.1.unexpected", 422),
    ],
)
def test_bad_rows_are_reported_and_nothing_is_written(
    client: TestClient, fleet, clean_db: Stores, bad, field, code
):
    before = _count(clean_db)
    row = {**GOOD, "ts": "2026-11-02T00:15:00+01:00", **bad}
    response = client.post(
        "/data/smart_meter", json={"readings": [GOOD, row]}, headers=login(client, "monika")
    )
    assert response.status_code == code, response.text
    assert field in {e["field"] for e in response.json()["detail"]}
    assert _count(clean_db) == before


def test_ingest_needs_admin_or_service_and_limits_batches(client: TestClient, fleet, settings):
    refused = client.post(
        "/data/smart_meter", json={"readings": [GOOD]}, headers=login(client, "anna")
    )
    assert refused.status_code == 403
    huge = {"readings": [GOOD] * (settings.data_max_batch + 1)}
    too_big = client.post("/data/smart_meter", json=huge, headers=login(client, "monika"))
    assert too_big.status_code == 413
    assert too_big.json()["error"] == "too_large"
    assert (
        client.post(
            "/data/smart_meter", json={"readings": []}, headers=login(client, "monika")
        ).status_code
        == 422
    )


def test_price_ingest_validates_and_upserts(client: TestClient, fleet, clean_db: Stores):
    admin = login(client, "monika")
    prices = [
        {
            "zone": "DE-LU",
            "ts": "2026-04-01T12:00:00+02:00",
            "resolution_minutes": 15,
            "price_eur_mwh": -12.5,
        },
        {
            "zone": "DE-LU",
            "ts": "2026-04-01T12:15:00+02:00",
            "resolution_minutes": 15,
            "price_eur_mwh": -8.0,
        },
    ]
    assert (
        client.post("/data/market_prices", json={"prices": prices}, headers=admin).json()["written"]
        == 2
    )
    bad = [{**prices[0], "resolution_minutes": 20}, {**prices[1], "zone": "germany"}]
    response = client.post("/data/market_prices", json={"prices": bad}, headers=admin)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["detail"]}
    assert fields == {"body.prices.0.resolution_minutes", "body.prices.1.zone"}
    with clean_db.sessions() as s:
        count = s.scalar(
            select(func.count())
            .select_from(MarketPrice)
            .where(MarketPrice.resolution_minutes == 15)
        )
    assert count == 2


def test_meter_range_spanning_days_counts_every_interval(client: TestClient, fleet):
    body = client.get(
        "/data/smart_meter",
        params={
            "meter_id": "M-001",
            "start": "2026-03-28",
            "end": "2026-03-31",
            "resolution": "15min",
        },
        headers=login(client, "anna"),
    ).json()
    assert len(body["points"]) == 96 + 92 + 96
    steps = {
        datetime.fromisoformat(b["ts"]) - datetime.fromisoformat(a["ts"])
        for a, b in zip(body["points"], body["points"][1:], strict=False)
    }
    assert steps == {timedelta(minutes=15)}
