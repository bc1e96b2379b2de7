"""``GET /data/forecast``: consumption, PV or price for the next hours with an 80 % interval.

Served from the stored forecasts (:mod:`luna.forecasting.stored`), which a background job
keeps current as readings and prices arrive (:mod:`luna.forecasting.refresh_jobs`): a read,
not a model selection. The response says what it rests on (``based_on``, ``computed_at``) and
whether newer data is stored by now (``stale``, which also asks for a refresh). A miss
computes (seconds), stores and returns, and so does a stale hit where no background refresh
runs (``LUNA_FORECAST_REFRESH=false``); a forced ``model`` always computes and stores nothing.
Customers forecast only their own meters.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import BaseModel, Field

from luna.api.deps import CurrentUser, SessionDep, SettingsDep, StoresDep
from luna.api.errors import field_error
from luna.api.routes.data import require_meter
from luna.config import ZONE_PATTERN
from luna.forecasting import TargetKind
from luna.forecasting.models.registry import candidates_for
from luna.forecasting.refresh_jobs import ForecastRefresher
from luna.forecasting.stored import ServedForecast, compute, compute_and_store, read_stored
from luna.store.sql.forecasts import ForecastTarget
from luna.store.sql.models import Role

router = APIRouter(prefix="/data", tags=["data"])


class ForecastPoint(BaseModel):
    ts: datetime
    value: float
    p10: float
    p90: float


class ForecastOut(BaseModel):
    kind: TargetKind
    meter_id: str | None
    zone: str | None
    model: str
    step_minutes: int
    unit: str
    mae: float | None
    points: list[ForecastPoint]
    based_on: datetime | None = Field(
        default=None, description="Timestamp of the last reading or price the forecast rests on."
    )
    computed_at: datetime | None = Field(default=None, description="When it was computed.")
    stale: bool = Field(
        default=False,
        description="Newer readings or prices are stored than it rests on; a refresh is asked for.",
    )
    stored: bool = Field(
        default=False, description="Read from the stored forecasts (false: computed now)."
    )


@router.get("/forecast", response_model=ForecastOut)
def get_forecast(
    request: Request,
    session: SessionDep,
    stores: StoresDep,
    settings: SettingsDep,
    user: CurrentUser,
    kind: TargetKind,
    meter_id: Annotated[str | None, Query(max_length=64)] = None,
    zone: Annotated[
        str | None, Query(pattern=ZONE_PATTERN, description="Default: the site's LUNA_PRICE_ZONE")
    ] = None,
    hours: Annotated[int, Query(ge=1, le=168)] = 24,
    model: Annotated[
        str | None,
        Query(
            description="Admins only: force a model (computed now, seconds of CPU, not stored); "
            "empty: the stored forecast of the best model in a backtest"
        ),
    ] = None,
) -> ForecastOut:
    """The next ``hours`` after the last stored value, at the stored step, with p10/p90."""
    if kind is not TargetKind.PRICE:
        if meter_id is None:
            raise field_error("query.meter_id", f"a meter is needed for a {kind.value} forecast")
        meter_id = require_meter(session, user, meter_id).meter_id
    if model is not None and user.role is not Role.ADMIN:
        # Every forced model costs seconds of CPU: a diagnostic for admins, not a way for any
        # account to keep the server busy. Everyone else reads the stored forecasts.
        raise field_error("query.model", "only an admin may force a forecast model", 403)
    if model is not None and model not in candidates_for(kind):
        raise field_error("query.model", f"unknown model '{model}'; one of {candidates_for(kind)}")
    target = ForecastTarget.of(kind.value, meter_id, zone or settings.price_zone)
    conn = session.connection()
    try:
        if model is not None:
            served = compute(conn, settings, target, hours, model=model, timescale=stores.timescale)
            return _out(served, settings.timezone, stored=False)
        found = read_stored(conn, target, hours)
        if found is not None and (not found.stale or _ask_refresh(request, target)):
            return _out(found, settings.timezone, stored=True)
        served = compute_and_store(conn, settings, target, hours, timescale=stores.timescale)
    except ValueError as exc:  # no history (HistoryError) or too little for a forecast
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    return _out(served.first_hours(hours), settings.timezone, stored=False)


def _ask_refresh(request: Request, target: ForecastTarget) -> bool:
    """Ask the background refresh for a stale target; False where none runs (the caller
    then computes, as on a miss)."""
    refresher: ForecastRefresher | None = getattr(request.app.state, "forecast_refresher", None)
    if refresher is None:
        return False
    refresher.refresh_soon(target)
    return True


def _out(served: ServedForecast, timezone: str, *, stored: bool) -> ForecastOut:
    local = ZoneInfo(timezone)
    kind = served.kind
    return ForecastOut(
        kind=kind,
        meter_id=served.target.meter_id,
        zone=served.target.zone,
        model=served.model,
        step_minutes=served.step_minutes,
        unit="EUR/MWh" if kind is TargetKind.PRICE else "kWh",
        mae=served.mae,
        points=[
            ForecastPoint(ts=p.ts.astimezone(local), value=p.value, p10=p.p10, p90=p.p90)
            for p in served.points
        ],
        based_on=served.based_on.astimezone(local),
        computed_at=served.computed_at.astimezone(local),
        stale=served.stale,
        stored=stored,
    )
