"""``forecast``: clean the history, pick the model by backtest, predict, add intervals.

The selection backtest is short (``selection_days`` daily origins, refitting weekly) so a
forecast stays within seconds; its out-of-sample residuals give the intervals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from luna.forecasting.backtest import origins_for, run_backtest, usable_models
from luna.forecasting.intervals import ResidualQuantiles, check_levels, residual_scale
from luna.forecasting.kinds import Site, TargetKind
from luna.forecasting.limits import apply_limits
from luna.forecasting.local_time import future_index, steps_to_local_midnight
from luna.forecasting.models import (
    baseline_for,
    build_model,
    candidates_for,
    min_history_days,
)
from luna.forecasting.prepare import DAY, Prepared, prepare
from luna.forecasting.schemas import Forecast

MAX_HORIZON = pd.Timedelta(days=7)


def forecast(
    series: pd.Series,
    kind: TargetKind | str,
    horizon_steps: int | None = None,
    *,
    horizon_days: int | None = None,
    model: str | None = None,
    quantiles: Sequence[float] = (0.1, 0.9),
    site: Site | None = None,
    selection_days: int = 14,
    refit_every_days: int = 7,
) -> Forecast:
    """Forecast the steps after the end of ``series``.

    Give the horizon as ``horizon_steps``, or as ``horizon_days``: the rest of the current
    local day plus that many local days (DST-aware). ``model`` forces a model; by default the
    candidate with the lowest backtest MAE wins; ``site`` defaults to the configured one.
    ValueError for bad input: no tz-aware, strictly increasing index, no values, or too little
    history for the horizon.
    """
    kind = TargetKind(kind)
    site = site or Site()
    levels = check_levels(quantiles)
    prepared = prepare(series, kind, site)
    step = prepared.step
    last = prepared.values.index[-1]
    horizon = _horizon(horizon_steps, horizon_days, last, step, site.timezone)
    names = [model] if model is not None else candidates_for(kind)
    origins, usable = _plan(prepared, kind, names, horizon, selection_days, site.timezone)
    if model is not None and model not in usable:
        raise ValueError(
            f"history too short for {model}: {prepared.days:.1f} days, it needs "
            f"{min_history_days(model):g} days plus the horizon and one backtest day"
        )
    run = run_backtest(
        prepared,
        kind,
        origins=origins,
        horizon_steps=horizon,
        models=usable,
        site=site,
        refit_every_days=refit_every_days,
    )
    chosen = model if model is not None else run.report.best_model
    fitted = build_model(chosen, kind, site, step, horizon)
    fitted.fit(prepared.values)
    index = future_index(last, step, horizon)
    point = apply_limits(fitted.predict(prepared.values, index), index, step, kind, site)
    residuals = run.residuals[chosen]
    residuals = residuals / residual_scale(pd.DatetimeIndex(residuals.index), step, kind, site)
    bounds = ResidualQuantiles.from_residuals(residuals, levels, site.timezone)
    scale = residual_scale(index, step, kind, site)
    limited = {
        key: apply_limits(values, index, step, kind, site)
        for key, values in bounds.bounds(point, index, scale).items()
    }
    return Forecast(
        kind=kind,
        model=chosen,
        step_minutes=int(step / pd.Timedelta(minutes=1)),
        timestamps=[ts.to_pydatetime() for ts in index],
        values=point.tolist(),
        quantiles={key: values.tolist() for key, values in limited.items()},
        backtest=run.report.score(chosen),
    )


def _horizon(
    steps: int | None, days: int | None, last: pd.Timestamp, step: pd.Timedelta, tz: str
) -> int:
    if (steps is None) == (days is None):
        raise ValueError("give exactly one of horizon_steps and horizon_days")
    horizon = steps if steps is not None else steps_to_local_midnight(last, step, days or 0, tz)
    if horizon < 1 or horizon * step > MAX_HORIZON:
        raise ValueError(f"horizon must be between one step and {MAX_HORIZON}, got {horizon}")
    return horizon


def _plan(
    prepared: Prepared,
    kind: TargetKind,
    names: Sequence[str],
    horizon: int,
    selection_days: int,
    tz: str,
) -> tuple[pd.DatetimeIndex, list[str]]:
    """Origins and models for the selection backtest.

    Up to ``selection_days`` origins, fewer if that leaves the most demanding model too little
    history before the first one; a model that cannot get even one origin is dropped. The
    baseline must always fit, or the history is too short.
    """
    baseline = baseline_for(kind)
    wanted = list(dict.fromkeys([baseline, *names]))
    horizon_days = horizon * prepared.step / DAY
    while wanted:
        need = max(min_history_days(n) for n in wanted)
        count = min(selection_days, math.floor(prepared.days - need - horizon_days))
        if count >= 1:
            origins = origins_for(prepared, count, horizon, tz)
            usable = usable_models(prepared, origins, wanted) if len(origins) else []
            if set(wanted) <= set(usable):
                return origins, [n for n in names if n in usable]
        if wanted == [baseline]:
            break
        wanted.remove(max(wanted[1:], key=min_history_days))
    raise ValueError(
        f"history too short: {prepared.days:.1f} days cannot back-test a {horizon}-step "
        f"horizon for {', '.join(names)} (the {baseline} baseline alone needs "
        f"{min_history_days(baseline) + horizon_days + 1:.1f} days)"
    )
