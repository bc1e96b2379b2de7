"""``GET /data/kpis`` and ``GET /data/forecast`` over simulated data: the overview's numbers
checked against SQL computed independently, and access limited to the customer's meters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from luna.api.app import create_app
from luna.config import Settings
from luna.domain.tariff import Tariff
from luna.store.factory import Stores
from tests.api.conftest import login
from tests.energy_site import Site, site_lifetime

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def energy_site(stores: Stores) -> Iterator[Site]:
    yield from site_lifetime(stores)


@pytest.fixture(scope="module")
def api(settings: Settings, stores: Stores, energy_site: Site) -> Iterator[TestClient]:
    with TestClient(create_app(settings, stores)) as client:
        yield client


def _sql_day(
    stores: Stores, tariff: Tariff, meter: str, start: datetime, end: datetime
) -> dict[str, float]:
    """Energy and import cost straight from SQL (15-minute prices, the tariff's figures)."""
    query = text(
        """
        SELECT sum(r.consumption_kwh) AS c, sum(r.production_kwh) AS p,
               sum(least(r.consumption_kwh, r.production_kwh)) AS own,
               sum((r.consumption_kwh - least(r.consumption_kwh, r.production_kwh))
                   * (p.price_eur_mwh / 10 + :sur) * (1 + :vat) / 100) AS cost
        FROM smart_meter_readings r
        JOIN market_prices p ON p.zone = 'DE-LU' AND p.resolution_minutes = 15 AND p.ts = r.ts
        WHERE r.meter_id = :m AND r.ts >= :s AND r.ts < :e
        """
    )
    with stores.engine.connect() as conn:
        row = conn.execute(
            query,
            {
                "m": meter,
                "s": start,
                "e": end,
                "sur": tariff.surcharges_net_ct_kwh,
                "vat": tariff.vat,
            },
        ).one()
    return {"c": float(row.c), "p": float(row.p), "own": float(row.own), "cost": float(row.cost)}


def test_today_and_yesterday_match_sql_until_the_same_clock_time(
    api: TestClient, stores: Stores, settings: Settings
):
    day = datetime.now(BERLIN).date() - timedelta(days=2)
    at = datetime(day.year, day.month, day.day, 14, 30, tzinfo=BERLIN)
    body = api.get("/data/kpis", params={"at": at.isoformat()}, headers=login(api, "anna")).json()
    assert body["meter_ids"] == ["M-001"]
    assert datetime.fromisoformat(body["as_of"]) == at
    midnight = at.replace(hour=0, minute=0)
    for name, start, end in [
        ("today", midnight, at),
        ("yesterday", midnight - timedelta(days=1), at - timedelta(days=1)),
        ("last_week", midnight - timedelta(days=7), at - timedelta(days=7)),
    ]:
        period = body["periods"][name]
        expected = _sql_day(stores, Tariff.from_settings(settings), "M-001", start, end)
        assert period["consumption_kwh"] == pytest.approx(expected["c"]), name
        assert period["production_kwh"] == pytest.approx(expected["p"]), name
        assert period["self_consumed_kwh"] == pytest.approx(expected["own"]), name
        assert period["import_cost_eur"] == pytest.approx(expected["cost"]), name
        assert period["intervals"] == 58  # 14.5 hours of quarter hours
        assert period["unpriced_intervals"] == 0


def test_prices_ahead_mark_the_cheapest_and_dearest_windows(api: TestClient, settings: Settings):
    day = datetime.now(BERLIN).date() - timedelta(days=3)
    at = datetime(day.year, day.month, day.day, 9, 15, tzinfo=BERLIN)
    prices = api.get(
        "/data/kpis", params={"at": at.isoformat()}, headers=login(api, "anna")
    ).json()["prices"]
    hours = prices["next_hours"]
    assert len(hours) == 24
    assert datetime.fromisoformat(prices["current"]["ts"]) == at.replace(minute=0)
    spots = [h["spot_eur_mwh"] for h in hours]
    means = [sum(spots[i : i + 3]) / 3 for i in range(len(spots) - 2)]
    cheap, dear = prices["cheapest_window"], prices["most_expensive_window"]
    assert cheap["avg_spot_eur_mwh"] == pytest.approx(min(means), abs=1e-3)
    assert dear["avg_spot_eur_mwh"] == pytest.approx(max(means), abs=1e-3)
    assert prices["negative_hours"] == sum(1 for s in spots if s < 0)
    first = hours[0]
    assert first["gross_ct_kwh"] == pytest.approx(
        Tariff.from_settings(settings).import_price_eur_kwh(first["spot_eur_mwh"]) * 100, abs=1e-3
    )


def test_kpis_only_for_the_customers_own_meters(api: TestClient):
    anna = login(api, "anna")
    refused = api.get("/data/kpis", params={"meter_id": "M-002"}, headers=anna)
    assert refused.status_code == 404
    assert refused.json()["error"]
    assert api.get("/data/kpis").status_code == 401
    admin = api.get("/data/kpis", headers=login(api, "monika")).json()
    assert admin["meter_ids"] == ["M-001", "M-002"]


def test_forecast_gives_points_inside_their_interval(api: TestClient):
    admin = login(api, "monika")  # forcing a model is an admin's diagnostic
    params = {"kind": "consumption", "meter_id": "M-001", "hours": 6}
    # a fixed model keeps the test quick; the default (backtest selection) is the same path
    body = api.get(
        "/data/forecast", params={**params, "model": "seasonal_naive_weekly"}, headers=admin
    ).json()
    assert body["model"] == "seasonal_naive_weekly"
    assert body["step_minutes"] == 15
    assert len(body["points"]) == 24
    for p in body["points"]:
        assert p["p10"] <= p["value"] + 1e-9 <= p["p90"] + 2e-9
    stamps = [datetime.fromisoformat(p["ts"]) for p in body["points"]]
    assert all(b - a == timedelta(minutes=15) for a, b in pairwise(stamps))


def test_forecast_refuses_other_meters_and_missing_meter(api: TestClient):
    anna = login(api, "anna")
    assert (
        api.get(
            "/data/forecast", params={"kind": "pv", "meter_id": "M-002"}, headers=anna
        ).status_code
        == 404
    )
    forcing = {"kind": "pv", "meter_id": "M-001", "model": "x"}
    assert api.get("/data/forecast", params=forcing, headers=anna).status_code == 403
    unknown = api.get("/data/forecast", params=forcing, headers=login(api, "monika"))
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["field"] == "query.model"
    missing = api.get("/data/forecast", params={"kind": "pv"}, headers=anna)
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["field"] == "query.meter_id"
