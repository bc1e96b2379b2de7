"""History for the forecasting engine, read from the data layer.

The engine itself knows nothing about the database; this module turns stored readings and
prices into the tz-aware UTC series it takes, and a meter's stored location into its
:class:`~luna.forecasting.kinds.Site`. Used by ``luna forecast`` and the agents' forecast tool.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from luna.config import Settings
from luna.forecasting.kinds import Site, TargetKind
from luna.store.sql.models import Meter
from luna.store.sql.series import (
    PriceAgg,
    ReadingAgg,
    Resolution,
    aggregate_prices,
    aggregate_readings,
    price_resolutions,
)

_PRICE_RESOLUTION = {15: Resolution.MIN15, 60: Resolution.HOUR}


class HistoryError(ValueError):
    """The requested history does not exist (unknown meter or zone, no rows in the window)."""


@dataclass(frozen=True)
class History:
    series: pd.Series
    site: Site
    label: str


def site_for(settings: Settings, attributes: dict[str, object] | None = None) -> Site:
    """The site of a meter: its stored coordinates where it has them, else the configured site."""
    attributes = attributes or {}
    lat = attributes.get("latitude", settings.site_latitude)
    lon = attributes.get("longitude", settings.site_longitude)
    return Site(
        latitude=float(lat),  # type: ignore[arg-type]
        longitude=float(lon),  # type: ignore[arg-type]
        timezone=settings.timezone,
        country=settings.site_country,
        subdivision=settings.site_subdivision,
    )


def load_history(
    conn: Connection,
    settings: Settings,
    kind: TargetKind,
    *,
    meter_id: str | None = None,
    zone: str | None = None,
    days: int,
    end: datetime | None = None,
    timescale: bool = False,
) -> History:
    """The last ``days`` days before ``end`` (default: the latest stored row) of one target.

    Consumption and PV come from one meter at its native 15-minute step; prices from the
    zone's (default: the site's, ``LUNA_PRICE_ZONE``) finest stored resolution.
    """
    if kind is TargetKind.PRICE:
        return _price_history(conn, settings, zone or settings.price_zone, days, end, timescale)
    if meter_id is None:
        raise HistoryError(f"a meter is needed for a {kind.value} forecast")
    meter = conn.execute(select(Meter.attributes).where(Meter.meter_id == meter_id)).first()
    if meter is None:
        raise HistoryError(f"unknown meter '{meter_id}'")
    last = end or _latest(conn, "smart_meter_readings", "meter_id", meter_id)
    start = last - timedelta(days=days)
    buckets = aggregate_readings(
        conn,
        [meter_id],
        start,
        last,
        Resolution.MIN15,
        ReadingAgg.SUM,
        settings.timezone,
        timescale,
    )
    if not buckets:
        raise HistoryError(f"meter '{meter_id}' has no readings between {start} and {last}")
    column = "production_kwh" if kind is TargetKind.PV else "consumption_kwh"
    series = pd.Series(
        [getattr(b, column) for b in buckets],
        index=pd.DatetimeIndex([b.ts for b in buckets]).tz_convert("UTC"),
        name=column,
    )
    return History(series, site_for(settings, meter.attributes), f"{meter_id} {kind.value}")


def _price_history(
    conn: Connection,
    settings: Settings,
    zone: str,
    days: int,
    end: datetime | None,
    timescale: bool,
) -> History:
    resolutions = [r for r in price_resolutions(conn, zone) if r in _PRICE_RESOLUTION]
    if not resolutions:
        raise HistoryError(f"no prices stored for zone '{zone}'")
    minutes = resolutions[0]
    last = end or _latest(conn, "market_prices", "zone", zone)
    start = last - timedelta(days=days)
    buckets = aggregate_prices(
        conn,
        zone,
        minutes,
        start,
        last,
        _PRICE_RESOLUTION[minutes],
        PriceAgg.AVG,
        settings.timezone,
        timescale,
    )
    if not buckets:
        raise HistoryError(f"zone '{zone}' has no prices between {start} and {last}")
    series = pd.Series(
        [b.price_eur_mwh for b in buckets],
        index=pd.DatetimeIndex([b.ts for b in buckets]).tz_convert("UTC"),
        name="price_eur_mwh",
    )
    return History(series, site_for(settings), f"{zone} day-ahead price")


def _latest(conn: Connection, table: str, key: str, value: str) -> datetime:
    """End of the stored data: one step after the latest row (so ``[start, end)`` includes it)."""
    # Table and column names come from this module's own constants, never from input.
    row = conn.execute(
        text(f"SELECT max(ts) FROM {table} WHERE {key} = :v"),  # noqa: S608
        {"v": value},
    ).scalar_one()
    if row is None:
        raise HistoryError(f"no stored data for {key} '{value}'")
    latest: datetime = row if row.tzinfo else row.replace(tzinfo=UTC)
    return latest + timedelta(minutes=15 if table == "smart_meter_readings" else 60)
