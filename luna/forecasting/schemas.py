"""Results the engine hands out: a forecast and a backtest report.

Plain pydantic models with lists, so an agent tool or the CLI can serialise them as they are;
``to_frame`` gives the pandas view for scripts.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from luna.forecasting.kinds import TargetKind


class ModelScore(BaseModel):
    """Out-of-sample errors of one model over all backtest origins and steps."""

    model_config = ConfigDict(frozen=True)

    model: str
    mae: float
    rmse: float
    mape: float | None = Field(
        default=None, description="Mean absolute % error over non-trivial actuals (volumes)."
    )
    smape: float | None = Field(default=None, description="Symmetric MAPE in % (prices).")
    n_points: int
    improvement_vs_baseline_pct: dict[str, float] = Field(
        default_factory=dict,
        description="Per metric: 100 * (1 - model / baseline); positive means better.",
    )


class BacktestReport(BaseModel):
    """Rolling-origin comparison of the candidate models on one series."""

    model_config = ConfigDict(frozen=True)

    kind: TargetKind
    step_minutes: int
    horizon_steps: int
    origins: int
    first_origin: datetime
    last_origin: datetime
    baseline: str
    best_model: str
    scores: list[ModelScore]

    def score(self, model: str) -> ModelScore:
        """The score of ``model``; KeyError if it was not backtested."""
        for s in self.scores:
            if s.model == model:
                return s
        raise KeyError(model)


class Forecast(BaseModel):
    """Point forecast and prediction-interval quantiles per future step (UTC timestamps)."""

    model_config = ConfigDict(frozen=True)

    kind: TargetKind
    model: str
    step_minutes: int
    timestamps: list[datetime]
    values: list[float]
    quantiles: dict[str, list[float]] = Field(
        description="Keyed 'p10', 'p90', ...: the q-quantile of the value at each step."
    )
    backtest: ModelScore | None = Field(
        default=None, description="Out-of-sample score of the model used, when backtested."
    )

    def to_frame(self) -> pd.DataFrame:
        """One row per step, indexed by UTC timestamp: ``point`` and one column per quantile."""
        index = pd.DatetimeIndex(self.timestamps, name="ts").tz_convert("UTC")
        frame = pd.DataFrame({"point": self.values, **self.quantiles}, index=index)
        return frame
