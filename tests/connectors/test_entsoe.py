"""ENTSO-E day-ahead prices: recorded API responses (``entsoe_responses/``, written after the
A44 Publication_MarketDocument 7:3 and Acknowledgement_MarketDocument 7:0 schemas) replayed
through the real httpx client and parser: hourly and quarter-hourly days, both DST days, an A03
curve with gaps, "no matching data", a rejected token; stored in market_prices."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from luna.connectors.entsoe import (
    EntsoeAuthError,
    EntsoeClient,
    EntsoeError,
    delivery_day,
    parse_prices,
    store_prices,
)
from luna.store.factory import Stores
from luna.store.sql.models import MarketPrice
from tests.connectors.entsoe_api import RESPONSES, TOKEN, answer


def replay(requests: list[httpx.Request]) -> httpx.MockTransport:
    """The API as recorded (:func:`tests.connectors.entsoe_api.answer`)."""

    def handle(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        status, body = answer(request.url.params)
        return httpx.Response(status, content=body, headers={"content-type": "text/xml"})

    return httpx.MockTransport(handle)


@pytest.fixture
def client() -> Callable[..., EntsoeClient]:
    def make(token: str = TOKEN, requests: list[httpx.Request] | None = None) -> EntsoeClient:
        return EntsoeClient(
            SecretStr(token),
            url="https://web-api.tp.entsoe.eu/api",
            transport=replay(requests if requests is not None else []),
        )

    return make


def test_an_hourly_day_is_fetched_and_stored_idempotently(client, clean_db: Stores):
    requests: list[httpx.Request] = []
    with client(requests=requests) as api:
        prices = api.day_ahead("DE-LU", date(2025, 3, 5))
    params = requests[0].url.params
    assert params["periodStart"] == "202503042300"
    assert params["periodEnd"] == "202503052300"
    assert params["classificationSequence_AttributeInstanceComponent.position"] == "1"
    assert prices.resolutions() == {60: 24}
    assert prices.points[0].ts == datetime(2025, 3, 4, 23, tzinfo=UTC)
    assert prices.points[0].price_eur_mwh == 98.45
    assert prices.points[18].price_eur_mwh == 189.99  # 19:00 local, the evening peak
    assert store_prices(clean_db.engine, prices) == 24
    assert store_prices(clean_db.engine, prices) == 0  # the same day again changes nothing
    with clean_db.sessions() as s:
        stored = s.execute(
            select(MarketPrice.zone, MarketPrice.resolution_minutes, func.count()).group_by(
                MarketPrice.zone, MarketPrice.resolution_minutes
            )
        ).all()
    assert stored == [("DE-LU", 60, 24)]


def test_a_quarter_hourly_day(client, clean_db: Stores):
    with client() as api:
        prices = api.day_ahead("AT", date(2025, 11, 12))
    assert prices.zone == "AT"
    assert prices.resolutions() == {15: 96}
    steps = {b.ts - a.ts for a, b in zip(prices.points, prices.points[1:], strict=False)}
    assert steps == {timedelta(minutes=15)}
    assert store_prices(clean_db.engine, prices) == 96


@pytest.mark.parametrize(
    ("day", "quarters", "first"),
    [
        (date(2026, 3, 29), 92, datetime(2026, 3, 28, 23, tzinfo=UTC)),  # 02:00 → 03:00
        (date(2025, 10, 26), 100, datetime(2025, 10, 25, 22, tzinfo=UTC)),  # 03:00 → 02:00
    ],
)
def test_dst_days_have_23_and_25_hours(client, day: date, quarters: int, first: datetime):
    start, end = delivery_day("DE-LU", day)
    assert (end - start) == timedelta(minutes=15 * quarters)
    with client() as api:
        prices = api.day_ahead("DE-LU", day)
    assert prices.resolutions() == {15: quarters}
    assert prices.points[0].ts == first
    assert prices.points[-1].ts == end - timedelta(minutes=15)


def test_missing_a03_positions_repeat_the_previous_price(client):
    with client() as api:
        prices = api.day_ahead("DE-LU", date(2025, 11, 13))
    values = [p.price_eur_mwh for p in prices.points]
    assert len(values) == 96  # 87 points sent
    assert values[5:8] == [values[4]] * 3
    assert values[40:44] == [values[39]] * 4
    assert values[94:96] == [values[93]] * 2  # the gap runs to the period's end
    assert values[8] != values[4]


def test_a01_missing_positions_stay_missing():
    xml = (RESPONSES / "de_lu_2025-03-05_pt60m.xml").read_text()
    xml = xml.replace("<position>3</position>", "<position>4</position>", 1)  # 3 gone, 4 twice
    prices = parse_prices(xml, "DE-LU")
    assert prices.resolutions() == {60: 23}
    assert datetime(2025, 3, 5, 1, tzinfo=UTC) not in {p.ts for p in prices.points}


def test_no_matching_data_is_a_result_not_an_error(client, clean_db: Stores):
    with client() as api:
        prices = api.day_ahead("DE-LU", date(2030, 1, 2))
    assert prices.no_data
    assert prices.reason is not None
    assert "No matching data found" in prices.reason
    assert store_prices(clean_db.engine, prices) == 0


def test_other_acknowledgements_are_errors(client):
    with client() as api, pytest.raises(EntsoeError, match="exceeds allowed limit"):
        api.day_ahead("DE-LU", date(2020, 1, 2))


def test_the_token_never_reaches_the_log(client, caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.DEBUG), client() as api:
        api.day_ahead("DE-LU", date(2025, 3, 5))
    assert "securityToken=***" in caplog.text  # httpx logged the request
    assert TOKEN not in caplog.text


def test_a_rejected_token_says_so_without_repeating_it(client):
    with client(token="not-the-token") as api, pytest.raises(EntsoeAuthError) as caught:
        api.day_ahead("DE-LU", date(2025, 3, 5))
    assert "HTTP 401" in str(caught.value)
    assert "not-the-token" not in str(caught.value)
    with pytest.raises(EntsoeAuthError, match="LUNA_ENTSOE_TOKEN"):
        EntsoeClient(None)


def test_zones_and_documents_are_checked(client):
    with client() as api, pytest.raises(ValueError, match="unknown bidding zone"):
        api.day_ahead("XX", date(2025, 3, 5))
    with pytest.raises(EntsoeError, match="not an XML document"):
        parse_prices((RESPONSES / "unauthorized_401.html").read_bytes() + b"<", "DE-LU")
    xml = (RESPONSES / "de_lu_2025-03-05_pt60m.xml").read_text().replace(">EUR<", ">PLN<")
    with pytest.raises(EntsoeError, match="only EUR/MWH"):
        parse_prices(xml, "DE-LU")
