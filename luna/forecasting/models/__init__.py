"""Forecast models behind one protocol, and the factory that builds them by name."""

from luna.forecasting.models.base import ForecastModel
from luna.forecasting.models.registry import (
    GRADIENT_BOOSTING,
    NAIVE_DAILY,
    NAIVE_WEEKLY,
    baseline_for,
    build_model,
    candidates_for,
    min_history_days,
)

__all__ = [
    "GRADIENT_BOOSTING",
    "NAIVE_DAILY",
    "NAIVE_WEEKLY",
    "ForecastModel",
    "baseline_for",
    "build_model",
    "candidates_for",
    "min_history_days",
]
