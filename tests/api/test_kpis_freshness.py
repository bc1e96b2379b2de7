"""``GET /data/kpis`` keeps its per-meter, per-period sums between requests: a new, late or
corrected reading or price must show at once, and periods nobody wrote to are not summed again.

Each test writes to intervals of its own and compares figures before and after its write, so
the tests do not depend on each other's order.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from luna.api.app import create_app
from luna.config import Settings
from luna.domain.tariff import Tariff
from luna.store.factory import Stores
from luna.store.sql import energy_sums
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


def _evaluation_day() -> date:
    """A day with data (the site ends at today's midnight) that has closed days of its month
    before yesterday, so "month to date" has parts of its own."""
    day = datetime.now(BERLIN).date() - timedelta(days=2)
    while day.day < 3:
        day -= timedelta(days=1)
    return day


def _kpis(api: TestClient, at: datetime | None = None) -> dict[str, Any]:
    params = {"at": at.isoformat()} if at is not None else {}
    response = api.get("/data/kpis", params=params, headers=login(api, "anna"))
    assert response.status_code == 200, response.text
    return response.json()


def _reading(stores: Stores, ts: datetime) -> tuple[float, float]:
    with stores.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT consumption_kwh, production_kwh FROM smart_meter_readings"
                " WHERE meter_id = 'M-001' AND ts = :ts"
            ),
            {"ts": ts},
        ).one()
    return float(row[0]), float(row[1])


def _post_reading(api: TestClient, ts: datetime, consumption: float, production: float) -> None:
    body = {
        "readings": [
            {
                "meter_id": "M-001",
                "ts": ts.isoformat(),
                "consumption_kwh": consumption,
                "production_kwh": production,
            }
        ]
    }
    response = api.post("/data/smart_meter", json=body, headers=login(api, "monika"))
    assert response.status_code == 200, response.text
    assert response.json()["written"] == 1


def test_a_new_reading_moves_today_at_once(api: TestClient):
    before = _kpis(api)
    assert before["periods"]["today"]["intervals"] == 0  # the site's data ends at midnight
    midnight = datetime.combine(datetime.now(BERLIN).date(), datetime.min.time(), BERLIN)
    _post_reading(api, midnight, 0.7, 0.0)
    after = _kpis(api)
    assert after["periods"]["today"]["intervals"] == 1
    assert after["periods"]["today"]["consumption_kwh"] == pytest.approx(0.7)
    assert after["periods"]["month_to_date"]["consumption_kwh"] == pytest.approx(
        before["periods"]["month_to_date"]["consumption_kwh"] + 0.7
    )


def test_a_corrected_reading_in_a_closed_day_changes_the_month(api: TestClient, stores: Stores):
    day = _evaluation_day()
    at = datetime(day.year, day.month, day.day, 14, 30, tzinfo=BERLIN)
    first_of_month = datetime(day.year, day.month, 1, 12, 0, tzinfo=BERLIN)
    before = _kpis(api, at)
    consumption, production = _reading(stores, first_of_month)
    _post_reading(api, first_of_month, consumption + 1.0, production)
    after = _kpis(api, at)
    month, yesterday = "month_to_date", "yesterday"
    assert after["periods"][month]["consumption_kwh"] == pytest.approx(
        before["periods"][month]["consumption_kwh"] + 1.0
    )
    assert after["periods"][month]["import_cost_eur"] > before["periods"][month]["import_cost_eur"]
    assert after["periods"][yesterday] == before["periods"][yesterday]


def test_a_deleted_and_a_late_reading_show_in_a_closed_period(api: TestClient, stores: Stores):
    day = _evaluation_day()
    at = datetime(day.year, day.month, day.day, 14, 30, tzinfo=BERLIN)
    gap = at - timedelta(days=1, hours=3)  # in "yesterday", which is closed
    before = _kpis(api, at)["periods"]["yesterday"]
    consumption, production = _reading(stores, gap)
    with stores.engine.begin() as conn:  # another writer, bypassing the API
        conn.execute(
            text("DELETE FROM smart_meter_readings WHERE meter_id = 'M-001' AND ts = :ts"),
            {"ts": gap},
        )
    missing = _kpis(api, at)["periods"]["yesterday"]
    assert missing["intervals"] == before["intervals"] - 1
    assert missing["consumption_kwh"] == pytest.approx(before["consumption_kwh"] - consumption)
    _post_reading(api, gap, consumption, production)  # arrives late
    assert _kpis(api, at)["periods"]["yesterday"] == pytest.approx(before)


def test_a_corrected_price_changes_the_cost(api: TestClient, stores: Stores, settings: Settings):
    tariff = Tariff.from_settings(settings)
    day = _evaluation_day()
    at = datetime(day.year, day.month, day.day, 14, 30, tzinfo=BERLIN)
    hour = at - timedelta(days=7, hours=4)  # in "last_week"
    before = _kpis(api, at)["periods"]["last_week"]
    consumption, production = _reading(stores, hour)
    with stores.engine.connect() as conn:
        spot = conn.execute(
            text(
                "SELECT price_eur_mwh FROM market_prices"
                " WHERE zone = 'DE-LU' AND resolution_minutes = 15 AND ts = :ts"
            ),
            {"ts": hour},
        ).scalar_one()
    prices = {
        "prices": [
            {
                "zone": "DE-LU",
                "resolution_minutes": 15,
                "ts": hour.isoformat(),
                "price_eur_mwh": spot + 100.0,
            }
        ]
    }
    response = api.post("/data/market_prices", json=prices, headers=login(api, "monika"))
    assert response.status_code == 200, response.text
    after = _kpis(api, at)["periods"]["last_week"]
    grid_in = consumption - min(consumption, production)
    expected = grid_in * (
        tariff.import_price_eur_kwh(spot + 100.0) - tariff.import_price_eur_kwh(spot)
    )
    assert after["import_cost_eur"] == pytest.approx(before["import_cost_eur"] + expected)
    assert after["consumption_kwh"] == pytest.approx(before["consumption_kwh"])


def test_periods_nobody_wrote_to_are_not_summed_again(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
):
    day = _evaluation_day() - timedelta(days=1)  # a day no other test writes to
    at = datetime(day.year, day.month, day.day, 9, 0, tzinfo=BERLIN)
    summed: list[tuple[datetime, datetime]] = []
    real = energy_sums.readings_with_prices

    def counting(conn: Any, meters: Any, zone: str, res: Any, start: datetime, end: datetime):
        summed.append((start, end))
        return real(conn, meters, zone, res, start, end)

    monkeypatch.setattr(energy_sums, "readings_with_prices", counting)
    first = _kpis(api, at)
    assert summed  # the first request sums the rows
    summed.clear()
    assert _kpis(api, at) == first
    assert summed == []
