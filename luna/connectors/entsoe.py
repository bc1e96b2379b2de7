"""ENTSO-E Transparency Platform day-ahead prices (document A44) into ``market_prices``.

The REST API answers ``GET <url>?securityToken=…&documentType=A44&in_Domain=<EIC>&out_Domain=
<EIC>&periodStart=yyyyMMddHHmm&periodEnd=…`` (UTC) with a ``Publication_MarketDocument``: one or
more ``TimeSeries`` (currency ``EUR``, price unit ``MWH``, curve type ``A01`` or ``A03``), each
with ``Period``\\ s of a ``timeInterval`` and a ``resolution`` (``PT15M``, ``PT30M``, ``PT60M``)
whose ``Point``\\ s carry a 1-based ``position`` and a ``price.amount``. Under curve type ``A03``
(variable-sized blocks) a missing position repeats the previous position's price, up to the
period's end; under ``A01`` every position is sent, and a missing one is missing data (no row).
Without matching data the API answers an ``Acknowledgement_MarketDocument`` whose ``Reason``
says "No matching data found": that is a :class:`DayAheadPrices` with no points and the reason,
not an error. A rejected token is HTTP 401 (:class:`EntsoeAuthError`).

Why not ``entsoe-py``: its price query forces one resolution (before the 15-minute SDAC go-live
on 2025-10-01 it resamples to hourly, dropping quarter-hour prices), widens the request by a day
on each side and hides the acknowledgement behind an exception; it would add ``requests``,
``beautifulsoup4`` and ``pytz`` to parse a small, documented XML schema. This module parses it
with the standard library (expat ≥ 2.4.1 limits entity expansion; no external entities are
resolved) over ``httpx``; the EIC codes below are those ``entsoe-py`` maps.

Prices are stored as they come, in EUR/MWh, per zone and resolution (``market_prices`` keys on
both, so an hourly and a quarter-hourly series of the same day live side by side); a local
delivery day is requested from its local midnight to the next, so DST days have 23 or 25 hours
(92 or 100 quarter-hours).
"""

from __future__ import annotations

import logging
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from pydantic import SecretStr
from sqlalchemy import Engine

from luna.store.sql.timeseries import PRICES, upsert_rows

log = logging.getLogger(__name__)
_TOKEN_PARAM = re.compile(r"(securityToken=)[^&\s\"']+")


class _RedactToken(logging.Filter):
    """httpx logs each request's URL at INFO: never with the security token in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _TOKEN_PARAM.sub(r"\1***", str(a)) if "securityToken=" in str(a) else a
                for a in record.args
            )
        return True


logging.getLogger("httpx").addFilter(_RedactToken())

DEFAULT_URL = "https://web-api.tp.entsoe.eu/api"


@dataclass(frozen=True)
class BiddingZone:
    code: str  # Luna's zone code (LUNA_PRICE_ZONE)
    eic: str  # ENTSO-E area code
    timezone: str  # the zone's delivery day
    sdac_sequence: int | None = None  # zones with several auctions: ask for the SDAC one


ZONES: dict[str, BiddingZone] = {
    z.code: z
    for z in (
        BiddingZone("DE-LU", "10Y1001A1001A82H", "Europe/Berlin", 1),
        BiddingZone("AT", "10YAT-APG------L", "Europe/Vienna", 1),
        BiddingZone("BE", "10YBE----------2", "Europe/Brussels"),
        BiddingZone("CH", "10YCH-SWISSGRIDZ", "Europe/Zurich"),
        BiddingZone("CZ", "10YCZ-CEPS-----N", "Europe/Prague"),
        BiddingZone("DK-1", "10YDK-1--------W", "Europe/Copenhagen"),
        BiddingZone("DK-2", "10YDK-2--------M", "Europe/Copenhagen"),
        BiddingZone("ES", "10YES-REE------0", "Europe/Madrid"),
        BiddingZone("FR", "10YFR-RTE------C", "Europe/Paris"),
        BiddingZone("HU", "10YHU-MAVIR----U", "Europe/Budapest"),
        BiddingZone("IT-NORD", "10Y1001A1001A73I", "Europe/Rome"),
        BiddingZone("NL", "10YNL----------L", "Europe/Amsterdam"),
        BiddingZone("NO-1", "10YNO-1--------2", "Europe/Oslo"),
        BiddingZone("PL", "10YPL-AREA-----S", "Europe/Warsaw"),
        BiddingZone("SE-3", "10Y1001A1001A46L", "Europe/Stockholm"),
        BiddingZone("SE-4", "10Y1001A1001A47J", "Europe/Stockholm"),
        BiddingZone("SI", "10YSI-ELES-----O", "Europe/Ljubljana"),
    )
}
RESOLUTIONS = {"PT15M": 15, "PT30M": 30, "PT60M": 60}
NO_DATA = "no matching data"


class EntsoeError(RuntimeError):
    """The API could not be asked or answered with an error; the text says why (no token)."""


class EntsoeAuthError(EntsoeError):
    """The security token is missing or was rejected."""


@dataclass(frozen=True)
class PricePoint:
    ts: datetime  # interval start, UTC
    resolution_minutes: int
    price_eur_mwh: float


@dataclass
class DayAheadPrices:
    """What the API had for one zone and period; ``points`` empty: ``reason`` says why."""

    zone: str
    start: datetime
    end: datetime
    points: list[PricePoint] = field(default_factory=list)
    reason: str | None = None

    @property
    def no_data(self) -> bool:
        return not self.points

    def resolutions(self) -> dict[int, int]:
        """Resolution in minutes → number of prices."""
        out: dict[int, int] = {}
        for p in self.points:
            out[p.resolution_minutes] = out.get(p.resolution_minutes, 0) + 1
        return out

    def rows(self) -> list[tuple[Any, ...]]:
        """In ``PRICES.columns`` order: zone, resolution_minutes, ts, price_eur_mwh."""
        return [(self.zone, p.resolution_minutes, p.ts, p.price_eur_mwh) for p in self.points]


def zone_info(zone: str) -> BiddingZone:
    try:
        return ZONES[zone.strip().upper()]
    except KeyError:
        known = ", ".join(sorted(ZONES))
        raise ValueError(f"unknown bidding zone {zone!r}; known: {known}") from None


def delivery_day(zone: str, day: date) -> tuple[datetime, datetime]:
    """The zone's local day as a UTC interval (23, 24 or 25 hours long)."""
    tz = ZoneInfo(zone_info(zone).timezone)
    start = datetime.combine(day, time(), tz)
    end = datetime.combine(day + timedelta(days=1), time(), tz)
    return start.astimezone(UTC), end.astimezone(UTC)


# --- parsing -----------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ET.Element, name: str) -> ET.Element | None:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == name]


def _text(element: ET.Element, *path: str) -> str:
    node: ET.Element | None = element
    for name in path:
        node = _child(node, name) if node is not None else None
    if node is None or node.text is None:
        raise EntsoeError(f"malformed document: no {'/'.join(path)}")
    return node.text.strip()


def _time(text: str) -> datetime:
    ts = datetime.fromisoformat(text)
    if ts.tzinfo is None:
        raise EntsoeError(f"malformed document: time without zone {text!r}")
    return ts.astimezone(UTC)


def acknowledgement_reason(root: ET.Element) -> str:
    reasons = [
        " ".join(filter(None, (_child_text(r, "code"), _child_text(r, "text"))))
        for r in _children(root, "Reason")
    ]
    return "; ".join(reasons) or "acknowledgement without a reason"


def _child_text(element: ET.Element, name: str) -> str | None:
    child = _child(element, name)
    return child.text.strip() if child is not None and child.text else None


def parse_prices(
    xml: bytes | str, zone: str, start: datetime | None = None, end: datetime | None = None
) -> DayAheadPrices:
    """A44 publication (or acknowledgement) → prices in [start, end) (all, where not given)."""
    try:
        root = ET.fromstring(xml)  # noqa: S314 (expat ≥ 2.4.1, no external entities)
    except ET.ParseError as exc:
        raise EntsoeError(f"not an XML document: {exc}") from exc
    kind = _local(root.tag)
    lower = start or datetime.min.replace(tzinfo=UTC)
    upper = end or datetime.max.replace(tzinfo=UTC)
    result = DayAheadPrices(zone=zone, start=lower, end=upper)
    if kind == "Acknowledgement_MarketDocument":
        reason = acknowledgement_reason(root)
        if NO_DATA not in reason.lower():
            raise EntsoeError(f"ENTSO-E refused the request: {reason}")
        result.reason = reason
        return result
    if kind != "Publication_MarketDocument":
        raise EntsoeError(f"unexpected document {kind}")
    seen: set[tuple[int, datetime]] = set()
    for series in _children(root, "TimeSeries"):
        currency = _text(series, "currency_Unit.name")
        unit = _text(series, "price_Measure_Unit.name")
        if (currency, unit) != ("EUR", "MWH"):
            raise EntsoeError(f"prices in {currency}/{unit}, only EUR/MWH is supported")
        curve = _child_text(series, "curveType") or "A01"
        for period in _children(series, "Period"):
            for point in _period_points(period, curve):
                key = (point.resolution_minutes, point.ts)
                if lower <= point.ts < upper and key not in seen:
                    seen.add(key)
                    result.points.append(point)
    result.points.sort(key=lambda p: (p.resolution_minutes, p.ts))
    if not result.points:
        result.reason = "the document holds no prices for the period"
    return result


def _period_points(period: ET.Element, curve: str) -> list[PricePoint]:
    p_start = _time(_text(period, "timeInterval", "start"))
    p_end = _time(_text(period, "timeInterval", "end"))
    resolution = _text(period, "resolution")
    if resolution not in RESOLUTIONS:
        raise EntsoeError(f"unsupported resolution {resolution}")
    minutes = RESOLUTIONS[resolution]
    step = timedelta(minutes=minutes)
    count = int((p_end - p_start) / step)
    prices: dict[int, float] = {}
    for point in _children(period, "Point"):
        position = int(_text(point, "position"))
        price = float(_text(point, "price.amount"))
        if not 1 <= position <= count:
            raise EntsoeError(f"position {position} outside the period's {count}")
        if not math.isfinite(price):
            raise EntsoeError(f"price at position {position} is not a number")
        prices[position] = price
    out: list[PricePoint] = []
    last: float | None = None
    for position in range(1, count + 1):
        value = prices.get(position)
        if value is None and curve == "A03":
            value = last  # a block: the previous price holds until the next position
        if value is None:
            continue
        last = value
        out.append(PricePoint(p_start + (position - 1) * step, minutes, value))
    return out


# --- the API client ----------------------------------------------------------------------------


class EntsoeClient:
    """Fetches day-ahead prices; ``transport`` replaces the network (tests replay responses)."""

    def __init__(
        self,
        token: SecretStr | None,
        *,
        url: str = DEFAULT_URL,
        timeout_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if token is None or not token.get_secret_value().strip():
            raise EntsoeAuthError("no ENTSO-E security token: set LUNA_ENTSOE_TOKEN")
        self._token = token
        self.url = url
        self._http = httpx.Client(timeout=timeout_s, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> EntsoeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def day_ahead(self, zone: str, day: date) -> DayAheadPrices:
        """The zone's prices for one local delivery day."""
        start, end = delivery_day(zone, day)
        return self.day_ahead_between(zone, start, end)

    def day_ahead_between(self, zone: str, start: datetime, end: datetime) -> DayAheadPrices:
        info = zone_info(zone)
        params: dict[str, str | int] = {
            "documentType": "A44",
            "in_Domain": info.eic,
            "out_Domain": info.eic,
            "periodStart": start.astimezone(UTC).strftime("%Y%m%d%H%M"),
            "periodEnd": end.astimezone(UTC).strftime("%Y%m%d%H%M"),
        }
        if info.sdac_sequence is not None:
            params["classificationSequence_AttributeInstanceComponent.position"] = (
                info.sdac_sequence
            )
        # The token goes last and never into a message: httpx's errors name the URL.
        params["securityToken"] = self._token.get_secret_value()
        try:
            response = self._http.get(self.url, params=params)
        except httpx.HTTPError as exc:
            raise EntsoeError(f"ENTSO-E not reachable: {exc.__class__.__name__}") from None
        if response.status_code in (401, 403):
            raise EntsoeAuthError(
                f"ENTSO-E rejected the security token (HTTP {response.status_code}): "
                "check LUNA_ENTSOE_TOKEN"
            )
        if response.status_code == 429:
            raise EntsoeError("ENTSO-E rate limit reached (HTTP 429): try again in a minute")
        if response.status_code == 400 or response.is_success:
            # 400 carries an acknowledgement: no data (answered so by older API versions) or why
            return parse_prices(response.content, info.code, start, end)
        raise EntsoeError(f"ENTSO-E answered HTTP {response.status_code}")


def store_prices(engine: Engine, prices: DayAheadPrices) -> int:
    """Upsert the prices (idempotent); the number of rows inserted or changed."""
    if not prices.points:
        return 0
    with engine.begin() as conn:
        return upsert_rows(conn, PRICES, prices.rows())
