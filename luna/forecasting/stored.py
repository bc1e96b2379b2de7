"""Forecasts computed ahead and stored, so a page reads one instead of waiting for a model choice.

:func:`compute` runs the engine on a target's stored history (35 days, a 3-day selection
backtest: what ``GET /data/forecast`` always used); :func:`compute_and_store` saves the result;
:func:`read_stored` gives the stored one sliced to the hours asked for and says whether newer
data exists than it rests on; :func:`refresh` recomputes targets one transaction each. Who
calls ``refresh`` and when is :mod:`luna.forecasting.refresh_jobs` (and ``luna forecast
refresh``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import NamedTuple

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from luna.config import Settings
from luna.forecasting.engine import forecast
from luna.forecasting.history import load_history
from luna.forecasting.kinds import TargetKind
from luna.store.sql.forecasts import (
    ForecastTarget,
    find_forecast,
    last_data,
    save_forecast,
    stored_horizon,
    target_states,
)

log = logging.getLogger(__name__)

HISTORY_DAYS = 35  # enough for the weekly and gradient-boosting models
SELECTION_DAYS = 3  # backtest origins for the model choice


class Point(NamedTuple):
    ts: datetime  # UTC
    value: float
    p10: float
    p90: float


@dataclass(frozen=True)
class ServedForecast:
    """A forecast with what it rests on: the last history value (``based_on``), when it was
    computed, and whether newer data is stored by now (``stale``)."""

    target: ForecastTarget
    model: str
    step_minutes: int
    mae: float | None
    points: list[Point]
    based_on: datetime
    computed_at: datetime
    stale: bool = False

    @property
    def kind(self) -> TargetKind:
        return TargetKind(self.target.kind)

    def first_hours(self, hours: int) -> ServedForecast:
        """The first ``hours`` of the horizon (at least one step)."""
        steps = max(1, hours * 60 // self.step_minutes)
        return replace(self, points=self.points[:steps])


def compute(
    conn: Connection,
    settings: Settings,
    target: ForecastTarget,
    hours: int,
    *,
    model: str | None = None,
    timescale: bool = False,
) -> ServedForecast:
    """The next ``hours`` after the target's last stored value, with p10/p90; ``model`` forces
    a model, else the best in the selection backtest wins. HistoryError (a ValueError) when
    the history is missing, ValueError when it is too short."""
    kind = TargetKind(target.kind)
    history = load_history(
        conn,
        settings,
        kind,
        meter_id=target.meter_id,
        zone=target.zone or "",
        days=HISTORY_DAYS,
        timescale=timescale,
    )
    series = history.series
    if len(series) < 2:
        raise ValueError(f"{target}: one stored value is not a history")
    step = series.index[1] - series.index[0]
    # One OpenMP thread for gradient boosting: on a few thousand rows a second thread gains
    # nothing, and on two cores shared with the API its spin-waiting made a forecast 3-20x
    # slower under load (benchmarks/bench_forecast_api.py). Limits the calling thread only.
    with threadpool_limits(limits=1, user_api="openmp"):
        result = forecast(
            series,
            kind,
            horizon_steps=max(1, int(pd.Timedelta(hours=hours) / step)),
            model=model,
            site=history.site,
            selection_days=SELECTION_DAYS,
        )
    lo = result.quantiles.get("p10", result.values)
    hi = result.quantiles.get("p90", result.values)
    return ServedForecast(
        target=target,
        model=result.model,
        step_minutes=result.step_minutes,
        mae=result.backtest.mae if result.backtest is not None else None,
        points=[
            Point(ts.astimezone(UTC), round(v, 5), round(a, 5), round(b, 5))
            for ts, v, a, b in zip(result.timestamps, result.values, lo, hi, strict=True)
        ],
        based_on=series.index[-1].to_pydatetime(),
        computed_at=datetime.now(UTC),
    )


def compute_and_store(
    conn: Connection,
    settings: Settings,
    target: ForecastTarget,
    hours: int | None = None,
    *,
    timescale: bool = False,
) -> ServedForecast:
    """Compute and save the target's forecast over the longest of ``hours``, the configured
    stored horizon and the longest already stored for it (one row then serves them all)."""
    horizon = max(hours or 0, settings.forecast_hours, stored_horizon(conn, target) or 0)
    served = compute(conn, settings, target, horizon, timescale=timescale)
    save_forecast(
        conn,
        target,
        horizon_hours=horizon,
        model=served.model,
        step_minutes=served.step_minutes,
        mae=served.mae,
        points=[(p.ts.isoformat(), p.value, p.p10, p.p90) for p in served.points],
        based_on=served.based_on,
        computed_at=served.computed_at,
    )
    return served


def read_stored(conn: Connection, target: ForecastTarget, hours: int) -> ServedForecast | None:
    """The stored forecast of ``target`` cut to ``hours``, or None if none covers them."""
    row = find_forecast(conn, target, hours)
    if row is None:
        return None
    newest = last_data(conn, target)
    served = ServedForecast(
        target=target,
        model=row.model,
        step_minutes=row.step_minutes,
        mae=row.mae,
        points=[
            Point(datetime.fromisoformat(ts), value, p10, p90) for ts, value, p10, p90 in row.points
        ],
        based_on=row.based_on,
        computed_at=row.computed_at,
        stale=newest is not None and newest > row.based_on,
    )
    return served.first_hours(hours)


@dataclass
class RefreshReport:
    refreshed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def refresh(
    engine: Engine,
    settings: Settings,
    targets: Iterable[ForecastTarget],
    *,
    timescale: bool = False,
    stop: threading.Event | None = None,
) -> RefreshReport:
    """Recompute and store each target's forecast, one transaction per target, so one target
    without enough history fails alone. ``stop`` ends the run after the target in progress."""
    report = RefreshReport()
    began = time.perf_counter()
    for target in targets:
        if stop is not None and stop.is_set():
            break
        try:
            with engine.connect() as conn:
                compute_and_store(conn, settings, target, timescale=timescale)
                conn.commit()
            report.refreshed.append(str(target))
        except ValueError as exc:  # no history, or too little for the models (HistoryError)
            report.failed[str(target)] = str(exc)
        except Exception as exc:  # reported; the other targets still get their refresh
            log.exception("forecast refresh of %s failed", target)
            report.failed[str(target)] = f"{type(exc).__name__}: {exc}"
    report.seconds = round(time.perf_counter() - began, 2)
    return report


def due_targets(engine: Engine, *, everything: bool = False) -> list[ForecastTarget]:
    """Targets without a stored forecast or with newer data than theirs rests on (with
    ``everything``: all targets there is data for)."""
    with engine.connect() as conn:
        return [s.target for s in target_states(conn) if everything or s.due]
