"""Luna's forecasting engine: consumption, PV and price forecasts with intervals.

Deterministic and self-contained (no LLM, no database): give it a tz-aware UTC series and a
target kind. ``backtest`` compares models by rolling origin; ``forecast`` picks the best one,
predicts the horizon and adds prediction intervals from its out-of-sample errors.
"""

from luna.forecasting.backtest import backtest
from luna.forecasting.engine import forecast
from luna.forecasting.kinds import Site, TargetKind
from luna.forecasting.local_time import steps_to_local_midnight
from luna.forecasting.models import GRADIENT_BOOSTING, NAIVE_DAILY, NAIVE_WEEKLY
from luna.forecasting.schemas import BacktestReport, Forecast, ModelScore

__all__ = [
    "GRADIENT_BOOSTING",
    "NAIVE_DAILY",
    "NAIVE_WEEKLY",
    "BacktestReport",
    "Forecast",
    "ModelScore",
    "Site",
    "TargetKind",
    "backtest",
    "forecast",
    "steps_to_local_midnight",
]
