"""The site's bidding zone and tariff are configuration: with ``LUNA_PRICE_ZONE=AT`` and a
``LUNA_TARIFF_*`` tariff the API serves and prices with those when a request names no zone,
not with a zone or tariff written into the code."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from luna.api.app import create_app
from luna.config import Settings
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Meter, Role
from luna.store.sql.timeseries import PRICES, READINGS, upsert_rows
from luna.store.sql.users import create_user
from tests.api.conftest import PASSWORD, login

VIENNA = ZoneInfo("Europe/Vienna")
DAY = datetime(2026, 1, 14, tzinfo=VIENNA)
SURCHARGES, VAT = 10.0, 0.2


def _spot(zone: str, hour: datetime) -> float:
    """Distinct prices per zone: AT 100 + local hour, DE-LU 10 + local hour (EUR/MWh)."""
    return (100.0 if zone == "AT" else 10.0) + hour.astimezone(VIENNA).hour


@pytest.fixture
def at_site(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, clean_db: Stores
) -> Iterator[TestClient]:
    """An Austrian site: zone, tariff and time zone from the environment, as in production."""
    monkeypatch.setenv("LUNA_PRICE_ZONE", "at")  # normalised to the code
    monkeypatch.setenv("LUNA_TIMEZONE", "Europe/Vienna")
    monkeypatch.setenv("LUNA_TARIFF_NAME", "Stadtwerk Flex")
    monkeypatch.setenv("LUNA_TARIFF_SURCHARGES_NET_CT_KWH", str(SURCHARGES))
    monkeypatch.setenv("LUNA_TARIFF_VAT", str(VAT))
    configured = Settings(  # type: ignore[call-arg]
        database_url=settings.database_url,
        home=settings.home,
        data_source="none",
        forecast_refresh=False,
        jobs_in_process_worker=False,
        _env_file=None,
    )
    assert configured.price_zone == "AT"
    with session_scope(clean_db.sessions) as s:
        anna = create_user(s, "anna", PASSWORD, Role.CUSTOMER)
        s.add(Meter(meter_id="M-001", owner_id=anna.id, zone="AT"))
    hours = pd.date_range(DAY - timedelta(days=1), DAY + timedelta(days=2), freq="h")
    prices = [
        (zone, 60, h.to_pydatetime(), _spot(zone, h.to_pydatetime()))
        for zone in ("AT", "DE-LU")
        for h in hours
    ]
    quarters = pd.date_range(DAY, DAY + timedelta(hours=10), freq="15min", inclusive="left")
    readings = [("M-001", q.to_pydatetime(), 15, 0.25, 0.0) for q in quarters]
    with clean_db.engine.begin() as conn:
        upsert_rows(conn, PRICES, prices)
        upsert_rows(conn, READINGS, readings)
    with TestClient(create_app(configured, clean_db)) as client:
        yield client


def _gross_ct(spot: float) -> float:
    return (spot / 10 + SURCHARGES) * (1 + VAT)


def test_market_prices_without_a_zone_are_the_configured_zones(at_site: TestClient):
    body = at_site.get(
        "/data/market_prices",
        params={"start": "2026-01-14", "end": "2026-01-15"},
        headers=login(at_site, "anna"),
    ).json()
    assert body["zone"] == "AT"
    assert [p["price_eur_mwh"] for p in body["points"]] == [100.0 + h for h in range(24)]


def test_kpis_price_the_configured_zone_with_the_configured_tariff(at_site: TestClient):
    at = DAY + timedelta(hours=10)
    body = at_site.get(
        "/data/kpis", params={"at": at.isoformat()}, headers=login(at_site, "anna")
    ).json()
    assert body["tariff"]["name"] == "Stadtwerk Flex"
    assert body["tariff"]["surcharges_net_ct_kwh"] == SURCHARGES
    assert body["tariff"]["vat"] == VAT
    prices = body["prices"]
    assert prices["zone"] == "AT"
    assert prices["current"]["spot_eur_mwh"] == 110.0
    assert prices["current"]["gross_ct_kwh"] == pytest.approx(_gross_ct(110.0), abs=1e-3)
    today = body["periods"]["today"]
    assert today["consumption_kwh"] == pytest.approx(10.0)  # 40 quarter hours of 0.25 kWh
    expected = sum(1.0 * _gross_ct(100.0 + h) / 100 for h in range(10))  # 1 kWh an hour
    assert today["import_cost_eur"] == pytest.approx(expected)
    assert today["unpriced_intervals"] == 0


def test_a_request_may_still_name_another_zone(at_site: TestClient):
    body = at_site.get(
        "/data/market_prices",
        params={"zone": "DE-LU", "start": "2026-01-14", "end": "2026-01-15"},
        headers=login(at_site, "anna"),
    ).json()
    assert body["zone"] == "DE-LU"
    assert body["points"][0]["price_eur_mwh"] == 10.0
