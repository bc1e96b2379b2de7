"""Rolling-origin backtest: how each model would have done, day after day, on unseen data.

Origins are the local midnights of the last ``days`` days whose full horizon is observed. At
each origin a model sees only the history before it; it is refitted every
``refit_every_days`` (1 = at every origin) and always predicts with the latest lags. Scores
pool all origins and steps; the residuals also calibrate the prediction intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from luna.forecasting import metrics
from luna.forecasting.kinds import Site, TargetKind
from luna.forecasting.limits import apply_limits
from luna.forecasting.local_time import future_index
from luna.forecasting.models import baseline_for, build_model, candidates_for, min_history_days
from luna.forecasting.prepare import DAY, Prepared, prepare
from luna.forecasting.schemas import BacktestReport, ModelScore


@dataclass(frozen=True)
class BacktestRun:
    """A report plus the out-of-sample residuals (actual - forecast) of each model."""

    report: BacktestReport
    residuals: dict[str, pd.Series]


def origins_for(prepared: Prepared, days: int, horizon_steps: int, tz: str) -> pd.DatetimeIndex:
    """The last ``days`` local midnights whose whole horizon lies inside the history."""
    step = prepared.step
    index = pd.DatetimeIndex(prepared.values.index)
    last_origin = index[-1] + step - horizon_steps * step
    local = pd.date_range(index[0].tz_convert(tz).normalize(), last_origin.tz_convert(tz), freq="D")
    midnights = local.tz_convert("UTC")
    midnights = midnights[(midnights > index[0]) & (midnights <= last_origin)]
    return pd.DatetimeIndex(midnights[-days:] if days > 0 else midnights[:0])


def usable_models(prepared: Prepared, origins: pd.DatetimeIndex, names: Sequence[str]) -> list[str]:
    """The models in ``names`` with enough history before the first origin."""
    history = (origins[0] - prepared.values.index[0]) / DAY
    return [n for n in names if history >= min_history_days(n)]


def _score(name: str, actual: np.ndarray, predicted: np.ndarray, kind: TargetKind) -> ModelScore:
    percentage = kind.percentage_metric
    value = getattr(metrics, percentage)(actual, predicted)
    return ModelScore(
        model=name,
        mae=metrics.mae(actual, predicted),
        rmse=metrics.rmse(actual, predicted),
        n_points=len(actual),
        **{percentage: value},
    )


def _with_improvement(score: ModelScore, baseline: ModelScore, kind: TargetKind) -> ModelScore:
    improvement: dict[str, float] = {}
    for metric in ("mae", "rmse", kind.percentage_metric):
        ours, theirs = getattr(score, metric), getattr(baseline, metric)
        if ours is not None and theirs and np.isfinite(theirs) and np.isfinite(ours):
            improvement[metric] = round(100.0 * (1.0 - ours / theirs), 2)
    return score.model_copy(update={"improvement_vs_baseline_pct": improvement})


def run_backtest(
    prepared: Prepared,
    kind: TargetKind,
    *,
    origins: pd.DatetimeIndex,
    horizon_steps: int,
    models: Sequence[str],
    site: Site,
    refit_every_days: int = 7,
) -> BacktestRun:
    """Backtest ``models`` (the kind's baseline is always added) on ``prepared`` at ``origins``."""
    if len(origins) == 0:
        raise ValueError("no backtest origin: history too short for the horizon")
    baseline = baseline_for(kind)
    names = list(dict.fromkeys([baseline, *models]))
    short = [n for n in names if n not in usable_models(prepared, origins, names)]
    if short:
        raise ValueError(f"history before the first origin too short for: {', '.join(short)}")
    step = prepared.step
    truth = prepared.values.where(prepared.observed)
    scores: dict[str, ModelScore] = {}
    residuals: dict[str, pd.Series] = {}
    for name in names:
        model = build_model(name, kind, site, step, horizon_steps)
        fitted_at: pd.Timestamp | None = None
        actual_parts, predicted_parts = [], []
        for origin in origins:
            history = prepared.before(origin)
            if fitted_at is None or origin - fitted_at >= refit_every_days * DAY:
                model.fit(history)
                fitted_at = origin
            index = future_index(origin - step, step, horizon_steps)
            predicted = apply_limits(model.predict(history, index), index, step, kind, site)
            actual_parts.append(truth.reindex(index))
            predicted_parts.append(pd.Series(predicted, index=index))
        actual = pd.concat(actual_parts)
        predicted_all = pd.concat(predicted_parts)
        known = actual.notna().to_numpy()
        a, p = actual.to_numpy()[known], predicted_all.to_numpy()[known]
        if len(a) == 0:
            raise ValueError("no observed actuals inside the backtest window")
        scores[name] = _score(name, a, p, kind)
        residuals[name] = (actual - predicted_all).dropna()
    ranked = [_with_improvement(scores[n], scores[baseline], kind) for n in names]
    best = min(ranked, key=lambda s: s.mae).model
    report = BacktestReport(
        kind=kind,
        step_minutes=int(step / pd.Timedelta(minutes=1)),
        horizon_steps=horizon_steps,
        origins=len(origins),
        first_origin=origins[0].to_pydatetime(),
        last_origin=origins[-1].to_pydatetime(),
        baseline=baseline,
        best_model=best,
        scores=ranked,
    )
    return BacktestRun(report, residuals)


def backtest(
    series: pd.Series,
    kind: TargetKind | str,
    *,
    days: int,
    horizon_steps: int,
    models: Sequence[str] | None = None,
    site: Site | None = None,
    refit_every_days: int = 7,
) -> BacktestReport:
    """Rolling-origin backtest over the last ``days`` daily origins of ``series``.

    Scores ``models`` (default: every candidate for ``kind`` with enough history) with MAE,
    RMSE and MAPE (sMAPE for prices) and their improvement over the kind's seasonal-naive
    baseline. ValueError for bad input or a history too short for ``days`` origins.
    """
    kind = TargetKind(kind)
    if days < 1 or horizon_steps < 1:
        raise ValueError("days and horizon_steps must be at least 1")
    site = site or Site()
    prepared = prepare(series, kind, site)
    origins = origins_for(prepared, days, horizon_steps, site.timezone)
    if len(origins) < days:
        raise ValueError(
            f"history too short for {days} backtest days with a {horizon_steps}-step horizon "
            f"(room for {len(origins)})"
        )
    if models is None:
        models = usable_models(prepared, origins, candidates_for(kind))
    run = run_backtest(
        prepared,
        kind,
        origins=origins,
        horizon_steps=horizon_steps,
        models=models,
        site=site,
        refit_every_days=refit_every_days,
    )
    return run.report
