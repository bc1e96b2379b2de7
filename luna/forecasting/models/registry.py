"""Model names, which ones compete for each kind, and the factory that builds them."""

from __future__ import annotations

import pandas as pd

from luna.forecasting.features import FeatureSpec
from luna.forecasting.kinds import Site, TargetKind
from luna.forecasting.models.base import ForecastModel
from luna.forecasting.models.gradient_boosting import GradientBoosting
from luna.forecasting.models.seasonal_naive import SeasonalNaive

NAIVE_DAILY = "seasonal_naive_daily"
NAIVE_WEEKLY = "seasonal_naive_weekly"
GRADIENT_BOOSTING = "gradient_boosting"

_BASELINE = {
    TargetKind.CONSUMPTION: NAIVE_WEEKLY,  # load follows the working week
    TargetKind.PV: NAIVE_DAILY,  # yesterday's sun is the best naive guess
    TargetKind.PRICE: NAIVE_DAILY,  # the usual day-ahead price benchmark
}

# History (days) a model needs before it can be fitted and predict the horizon.
_MIN_HISTORY_DAYS = {NAIVE_DAILY: 1.0, NAIVE_WEEKLY: 7.0, GRADIENT_BOOSTING: 14.0}


def baseline_for(kind: TargetKind) -> str:
    """The seasonal-naive model that improvements for ``kind`` are measured against."""
    return _BASELINE[kind]


def candidates_for(kind: TargetKind) -> list[str]:
    """Models that compete in model selection for ``kind``, baseline first."""
    others = [n for n in (NAIVE_DAILY, NAIVE_WEEKLY, GRADIENT_BOOSTING) if n != _BASELINE[kind]]
    return [_BASELINE[kind], *others]


def min_history_days(name: str) -> float:
    """Days of history ``name`` needs; ValueError for an unknown model."""
    if name not in _MIN_HISTORY_DAYS:
        raise ValueError(f"unknown model {name!r}; known: {', '.join(sorted(_MIN_HISTORY_DAYS))}")
    return _MIN_HISTORY_DAYS[name]


def build_model(
    name: str, kind: TargetKind, site: Site, step: pd.Timedelta, horizon_steps: int
) -> ForecastModel:
    """A fresh, unfitted model; ValueError for an unknown name."""
    if name == NAIVE_DAILY:
        return SeasonalNaive(name, 1, site.timezone)
    if name == NAIVE_WEEKLY:
        return SeasonalNaive(name, 7, site.timezone)
    if name == GRADIENT_BOOSTING:
        return GradientBoosting(name, FeatureSpec(kind, site, step, horizon_steps))
    min_history_days(name)
    raise AssertionError(f"model {name!r} is registered but not built")
