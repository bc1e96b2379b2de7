"""Time-series API: meters, aggregated readings and prices, validated batch ingest."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import pydantic_core
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from luna.api.deps import (
    AdminUser,
    CurrentUser,
    SessionDep,
    SessionUser,
    SettingsDep,
    StoresDep,
)
from luna.api.errors import field_error
from luna.config import ZONE_PATTERN
from luna.connectors.feed import feed_status, running_here
from luna.core.time_bounds import BoundedDatetime
from luna.domain.local_time import LocalTimeError, to_utc
from luna.domain.records import Price, Reading
from luna.services.meters import visible_meter, visible_meter_ids, visible_meters
from luna.services.reading_series import reading_points_json
from luna.store.sql.models import Meter, Role, User
from luna.store.sql.series import (
    PriceAgg,
    ReadingAgg,
    Resolution,
    aggregate_prices,
    price_resolutions,
    reading_spans,
)
from luna.store.sql.timeseries import PRICES, READINGS, upsert_rows

router = APIRouter(prefix="/data", tags=["data"])

MAX_SPAN = timedelta(days=3660)


# --- access ----------------------------------------------------------------------------


def require_meter(session: Session, user: User, meter_id: str) -> Meter:
    """The meter if this user may see it; 404 otherwise (other customers' meters don't exist)."""
    meter = visible_meter(session, user, meter_id)
    if meter is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown meter '{meter_id}'")
    return meter


async def require_ingest_role(user: CurrentUser) -> User:
    if user.role not in (Role.ADMIN, Role.SERVICE):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="admin or service role required")
    return user


IngestUser = Annotated[User, Depends(require_ingest_role)]


# --- time handling ---------------------------------------------------------------------


def utc_param(value: datetime, tz: str, field: str) -> datetime:
    """A query's timestamp in UTC; a naive local time that the DST change repeats or skips
    is a 422 naming the parameter (it needs its offset), not a silent guess."""
    try:
        return to_utc(value, tz)
    except LocalTimeError as exc:
        raise field_error(field, str(exc)) from exc


def check_range(start: datetime, end: datetime, resolution: Resolution, max_points: int) -> None:
    if end <= start:
        raise field_error("query.end", f"end ({end.isoformat()}) must be after start")
    if end - start > MAX_SPAN:
        raise field_error("query.start", "range longer than 10 years; narrow it")
    points = (end - start) / resolution.approx
    if points > max_points:
        raise field_error(
            "query.resolution",
            f"{resolution.value} over this range gives ~{points:,.0f} points (limit "
            f"{max_points:,}); choose a coarser resolution or a shorter range",
        )


# --- meters ----------------------------------------------------------------------------


class MeterOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    meter_id: str
    label: str | None
    profile: str | None
    annual_kwh: float | None
    pv_kwp: float | None
    zone: str
    first_reading: datetime | None = None
    last_reading: datetime | None = None


@router.get("/meters", response_model=list[MeterOut])
def list_meters(session: SessionDep, user: SessionUser) -> list[MeterOut]:
    meters = visible_meters(session, user)
    spans = reading_spans(session.connection(), [m.meter_id for m in meters])
    out = []
    for meter in meters:
        first, last = spans.get(meter.meter_id, (None, None))
        out.append(
            MeterOut.model_validate(meter).model_copy(
                update={"first_reading": first, "last_reading": last}
            )
        )
    return out


class DataSourceStatus(BaseModel):
    model_config = ConfigDict(extra="allow")

    source: str


@router.get("/source", response_model=DataSourceStatus | None)
def data_source_status(
    request: Request, session: SessionDep, settings: SettingsDep, _admin: AdminUser
) -> DataSourceStatus | None:
    """State of the configured feed (simulator or a connector), for the admin dashboard: from
    this process, or as the `luna feed` process last stored it (``stale``: it stopped beating)."""
    state = feed_status(running_here(request.app.state.feed), session, settings)
    return DataSourceStatus.model_validate(state) if state is not None else None


# --- readings --------------------------------------------------------------------------


class ReadingPoint(BaseModel):
    ts: datetime = Field(description="Bucket start in the site's local time.")
    consumption_kwh: float
    production_kwh: float
    intervals: int = Field(description="Raw intervals in the bucket (gaps show as fewer).")


class ReadingSeries(BaseModel):
    meter_ids: list[str]
    start: datetime
    end: datetime
    resolution: Resolution
    agg: ReadingAgg
    timezone: str
    unit: str = "kWh"
    points: list[ReadingPoint]


@router.get("/smart_meter", response_model=ReadingSeries)
def get_readings(
    session: SessionDep,
    stores: StoresDep,
    settings: SettingsDep,
    user: SessionUser,
    start: Annotated[BoundedDatetime, Query(description="ISO-8601; without offset = site time")],
    end: Annotated[BoundedDatetime, Query(description="ISO-8601, exclusive")],
    meter_id: Annotated[
        list[str] | None, Query(description="Repeatable; omitted = all meters you may see")
    ] = None,
    resolution: Resolution = Resolution.HOUR,
    agg: ReadingAgg = ReadingAgg.SUM,
) -> Response:
    tz = settings.timezone
    lo, hi = utc_param(start, tz, "query.start"), utc_param(end, tz, "query.end")
    check_range(lo, hi, resolution, settings.data_max_points)
    if meter_id:
        ids = [require_meter(session, user, m).meter_id for m in dict.fromkeys(meter_id)]
    else:
        ids = visible_meter_ids(session, user)
    points = reading_points_json(
        session.connection(), ids, lo, hi, resolution, agg, tz, stores.timescale
    )
    local = ZoneInfo(tz)
    series = ReadingSeries(
        meter_ids=ids,
        start=lo.astimezone(local),
        end=hi.astimezone(local),
        resolution=resolution,
        agg=agg,
        timezone=tz,
        points=[],
    )
    return _series_response(series, points)


def _series_json(series: ReadingSeries | PriceSeries, points: list[dict[str, Any]]) -> Response:
    """``series`` (built with no points) as JSON with ``points`` in their place: plain dicts of
    the SQL rows' typed values, serialised by pydantic-core as the model would be, without a
    model object per point (720 hourly points: ~1 ms instead of ~6 ms of CPU). The route's
    ``response_model`` still documents the shape."""
    return _series_response(series, pydantic_core.to_json(points))


def _series_response(series: ReadingSeries | PriceSeries, points: bytes) -> Response:
    """``series`` (built with no points) as JSON, with the JSON array ``points`` as its last
    field, ``points``: the bytes the model would send, however the points were encoded."""
    head = pydantic_core.to_json(series.model_dump(mode="json", exclude={"points"}))
    return Response(head[:-1] + b',"points":' + points + b"}", media_type="application/json")


class ReadingBatch(BaseModel):
    readings: list[Reading] = Field(min_length=1)


class IngestResult(BaseModel):
    received: int
    written: int = Field(description="Rows inserted or changed.")
    unchanged: int


def _check_batch_size(n: int, limit: int) -> None:
    if n > limit:
        raise field_error(
            "body", f"batch of {n:,} rows exceeds the limit of {limit:,}; split it", 413
        )


@router.post("/smart_meter", response_model=IngestResult)
def post_readings(
    batch: ReadingBatch, session: SessionDep, settings: SettingsDep, _user: IngestUser
) -> IngestResult:
    """Upsert a batch of readings: all rows land, or none (one transaction)."""
    _check_batch_size(len(batch.readings), settings.data_max_batch)
    known = set(
        session.scalars(
            select(Meter.meter_id).where(Meter.meter_id.in_({r.meter_id for r in batch.readings}))
        )
    )
    for i, r in enumerate(batch.readings):
        if r.meter_id not in known:
            raise field_error(f"body.readings.{i}.meter_id", f"unknown meter '{r.meter_id}'")
    rows = [r.row() for r in batch.readings]
    written = upsert_rows(session.connection(), READINGS, rows)
    return IngestResult(received=len(rows), written=written, unchanged=len(rows) - written)


# --- prices ----------------------------------------------------------------------------


class PricePoint(BaseModel):
    ts: datetime
    price_eur_mwh: float
    intervals: int


class PriceSeries(BaseModel):
    zone: str
    start: datetime
    end: datetime
    resolution: Resolution
    source_resolution_minutes: int
    agg: PriceAgg
    timezone: str
    unit: str = "EUR/MWh"
    points: list[PricePoint]


@router.get("/market_prices", response_model=PriceSeries)
def get_prices(
    session: SessionDep,
    stores: StoresDep,
    settings: SettingsDep,
    _user: SessionUser,
    start: Annotated[BoundedDatetime, Query(description="ISO-8601; without offset = site time")],
    end: Annotated[BoundedDatetime, Query(description="ISO-8601, exclusive")],
    zone: Annotated[
        str | None, Query(pattern=ZONE_PATTERN, description="Default: the site's LUNA_PRICE_ZONE")
    ] = None,
    resolution: Resolution = Resolution.HOUR,
    agg: PriceAgg = PriceAgg.AVG,
) -> Response:
    tz, zone = settings.timezone, zone or settings.price_zone
    lo, hi = utc_param(start, tz, "query.start"), utc_param(end, tz, "query.end")
    check_range(lo, hi, resolution, settings.data_max_points)
    available = price_resolutions(session.connection(), zone)
    if not available:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no prices for zone '{zone}'")
    wanted = int(resolution.approx.total_seconds() // 60)
    # The coarsest source that is still at least as fine as the requested buckets.
    fine_enough = [m for m in available if m <= wanted]
    source = max(fine_enough) if fine_enough else min(available)
    buckets = aggregate_prices(
        session.connection(), zone, source, lo, hi, resolution, agg, tz, stores.timescale
    )
    local = ZoneInfo(tz)
    series = PriceSeries(
        zone=zone,
        start=lo.astimezone(local),
        end=hi.astimezone(local),
        resolution=resolution,
        source_resolution_minutes=source,
        agg=agg,
        timezone=tz,
        points=[],
    )
    return _series_json(
        series,
        [
            {
                "ts": b.ts.astimezone(local),
                "price_eur_mwh": round(b.price_eur_mwh, 4),
                "intervals": b.intervals,
            }
            for b in buckets
        ],
    )


class PriceBatch(BaseModel):
    prices: list[Price] = Field(min_length=1)


@router.post("/market_prices", response_model=IngestResult)
def post_prices(
    batch: PriceBatch, session: SessionDep, settings: SettingsDep, _user: IngestUser
) -> IngestResult:
    """Upsert a batch of day-ahead prices: all rows land, or none (one transaction)."""
    _check_batch_size(len(batch.prices), settings.data_max_batch)
    rows = [p.row() for p in batch.prices]
    written = upsert_rows(session.connection(), PRICES, rows)
    return IngestResult(received=len(rows), written=written, unchanged=len(rows) - written)
