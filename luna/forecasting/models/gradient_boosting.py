"""Learned model: histogram gradient boosting on calendar, lag and clear-sky features.

One direct model for the whole horizon (its lags are all known at the forecast origin), on a
scale-free target (``target_scaling``) with absolute-error loss, since MAE is what selects it.
PV learns from daylight only (night is zero by definition, see ``limits``) and is regularised
hard: the weather behind it gives one effective sample per day, not per quarter-hour.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor  # type: ignore[import-untyped]

from luna.forecasting.features import FeatureSpec, design_matrix
from luna.forecasting.kinds import TargetKind
from luna.forecasting.models.target_scaling import scale_features
from luna.forecasting.solar import is_night

MIN_TRAINING_ROWS = 200


def default_params(spec: FeatureSpec) -> dict[str, Any]:
    """Settings tuned by 60-day rolling backtests on simulated meters and prices."""
    per_day = spec.steps_per_day
    if spec.kind is TargetKind.PV:
        shape = {"max_iter": 120, "max_leaf_nodes": 6, "min_samples_leaf": 6 * per_day}
    else:
        shape = {"max_iter": 200, "max_leaf_nodes": 31, "min_samples_leaf": per_day}
    return {
        **shape,
        "learning_rate": 0.06,
        "l2_regularization": 1.0,
        "loss": "absolute_error",
        "early_stopping": False,
        "random_state": 0,
    }


class GradientBoosting:
    """scikit-learn ``HistGradientBoostingRegressor`` with fixed, deterministic settings."""

    def __init__(self, name: str, spec: FeatureSpec, **params: Any) -> None:
        self.name = name
        self.spec = spec
        self.params = {**default_params(spec), **params}
        self._model: Any = None

    def _rows(self, index: pd.DatetimeIndex) -> np.ndarray:
        """Rows the model learns from and predicts: all, or daylight only for PV."""
        if self.spec.kind is TargetKind.PV:
            return ~is_night(index, self.spec.step, self.spec.site)
        return np.ones(len(index), dtype=bool)

    def fit(self, history: pd.Series) -> None:
        index = pd.DatetimeIndex(history.index)
        scaled = scale_features(design_matrix(history, index, self.spec), self.spec.kind)
        target = history.to_numpy(dtype=float) / scaled.scale
        rows = self._rows(index) & np.isfinite(target)
        if rows.sum() < MIN_TRAINING_ROWS:
            raise ValueError(
                f"{self.name}: {int(rows.sum())} usable rows, need {MIN_TRAINING_ROWS}"
            )
        model = HistGradientBoostingRegressor(**self.params)
        model.fit(scaled.features.to_numpy()[rows], target[rows])
        self._model = model

    def predict(self, history: pd.Series, index: pd.DatetimeIndex) -> np.ndarray:
        if self._model is None:
            raise RuntimeError(f"{self.name} is not fitted")
        scaled = scale_features(design_matrix(history, index, self.spec), self.spec.kind)
        out = np.zeros(len(index))
        rows = self._rows(index)
        if rows.any():
            predicted = self._model.predict(scaled.features.to_numpy()[rows])
            out[rows] = predicted * scaled.scale[rows]
        return out
