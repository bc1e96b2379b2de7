"""``GET /data/forecast``: consumption, PV or price for the next hours with an 80 % interval.

A thin route over the forecasting engine and its SQL history loader (the same path as
``luna forecast run`` and the assistant's forecast tool), for the dashboard's forecast bands.
Customers forecast only their own meters.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import pandas as pd
from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel

from luna.api.deps import CurrentUser, SessionDep, SettingsDep, StoresDep
from luna.api.errors import field_error
from luna.api.routes.data import require_meter
from luna.domain.records import ZONE_PATTERN
from luna.forecasting import Forecast, TargetKind, forecast
from luna.forecasting.history import HistoryError, load_history
from luna.forecasting.models.registry import candidates_for

router = APIRouter(prefix="/data", tags=["data"])

HISTORY_DAYS = 35  # enough for the weekly and gradient-boosting models
SELECTION_DAYS = 3  # backtest origins for the model choice (the dashboard's bands)
CACHE_SIZE = 128

# Forecasts by what they rest on (target, horizon, model, and the history's last timestamp and
# length): pages ask for the same forecast again and again until a new reading arrives, and a
# model selection takes seconds.
_cache: OrderedDict[tuple[object, ...], ForecastOut] = OrderedDict()
_cache_lock = threading.Lock()


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


@router.get("/forecast", response_model=ForecastOut)
def get_forecast(
    session: SessionDep,
    stores: StoresDep,
    settings: SettingsDep,
    user: CurrentUser,
    kind: TargetKind,
    meter_id: Annotated[str | None, Query(max_length=64)] = None,
    zone: Annotated[str, Query(pattern=ZONE_PATTERN)] = "DE-LU",
    hours: Annotated[int, Query(ge=1, le=168)] = 24,
    model: Annotated[
        str | None, Query(description="Force a model; empty: the best in a backtest")
    ] = None,
) -> ForecastOut:
    """The next ``hours`` after the last stored value, at the stored step, with p10/p90."""
    if kind is not TargetKind.PRICE:
        if meter_id is None:
            raise field_error("query.meter_id", f"a meter is needed for a {kind.value} forecast")
        meter_id = require_meter(session, user, meter_id).meter_id
    try:
        history = load_history(
            session.connection(),
            settings,
            kind,
            meter_id=meter_id,
            zone=zone,
            days=HISTORY_DAYS,
            timescale=stores.timescale,
        )
        if model is not None and model not in candidates_for(kind):
            raise field_error(
                "query.model", f"unknown model '{model}'; one of {candidates_for(kind)}"
            )
        key = (kind, meter_id, zone, hours, model, history.series.index[-1], len(history.series))
        with _cache_lock:
            cached = _cache.get(key)
        if cached is not None:
            return cached
        step = history.series.index[1] - history.series.index[0]
        steps = max(1, int(pd.Timedelta(hours=hours) / step))
        result = forecast(
            history.series,
            kind,
            horizon_steps=steps,
            model=model,
            site=history.site,
            selection_days=SELECTION_DAYS,
        )
    except (HistoryError, ValueError) as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    out = _out(result, kind, meter_id, zone, settings.timezone)
    with _cache_lock:
        _cache[key] = out
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return out


def _out(
    result: Forecast, kind: TargetKind, meter_id: str | None, zone: str, timezone: str
) -> ForecastOut:
    local = ZoneInfo(timezone)
    lo, hi = result.quantiles.get("p10", result.values), result.quantiles.get("p90", result.values)
    return ForecastOut(
        kind=kind,
        meter_id=meter_id,
        zone=zone if kind is TargetKind.PRICE else None,
        model=result.model,
        step_minutes=result.step_minutes,
        unit="EUR/MWh" if kind is TargetKind.PRICE else "kWh",
        mae=result.backtest.mae if result.backtest is not None else None,
        points=[
            ForecastPoint(
                ts=ts.astimezone(local), value=round(v, 5), p10=round(a, 5), p90=round(b, 5)
            )
            for ts, v, a, b in zip(result.timestamps, result.values, lo, hi, strict=True)
        ],
    )
