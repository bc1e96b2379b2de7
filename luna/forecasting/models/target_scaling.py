"""Scale-free targets for the learned model, so trees learn shapes rather than levels.

Trees cannot extrapolate: a meter whose level drifts (heating season ending, a new tenant)
or PV whose clear-sky envelope grows with the season would leave the training range. The
target and its lag features are therefore divided by a level known at forecast time, and the
prediction multiplied back:
- consumption: by the mean of the last week before the lag (``level_week``);
- PV: by the interval's clear-sky irradiance (the model learns a clear-sky index), the daily
  levels by ``level_week``;
- prices: unscaled (they cross zero; their level is learned from the lags directly).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from luna.forecasting.kinds import TargetKind

_VOLUME_LAGS = ("lag_day", "lag_week", "profile_week", "level_day", "level_origin", "last_origin")
_SAME_TIME_LAGS = ("lag_day", "profile_week")
_DAILY_LEVELS = ("level_day", "level_origin")
MIN_CLEAR_SKY_W_M2 = 30.0


@dataclass(frozen=True)
class Scaled:
    """Features with their lags rescaled, and the per-row scale of the target."""

    features: pd.DataFrame
    scale: np.ndarray


def _weekly_level(features: pd.DataFrame) -> np.ndarray:
    """``level_week``, gaps filled with its mean, kept away from zero."""
    level = features["level_week"].to_numpy(dtype=float)
    known = level[np.isfinite(level)]
    typical = float(np.mean(np.abs(known))) if known.size else 1.0
    filled = np.where(np.isfinite(level), level, typical)
    return np.maximum(filled, max(1e-3 * typical, 1e-9))


def _divide(features: pd.DataFrame, columns: tuple[str, ...], by: np.ndarray) -> None:
    for column in columns:
        if column in features:
            features[column] = features[column].to_numpy(dtype=float) / by


def scale_features(features: pd.DataFrame, kind: TargetKind) -> Scaled:
    """Rescaled copy of ``features`` and the scale the target is divided by."""
    out = features.copy()
    if kind is TargetKind.CONSUMPTION:
        level = _weekly_level(features)
        _divide(out, _VOLUME_LAGS, level)
        return Scaled(out, level)
    if kind is TargetKind.PV:
        sky = np.maximum(features["clear_sky"].to_numpy(dtype=float), MIN_CLEAR_SKY_W_M2)
        _divide(out, _SAME_TIME_LAGS, sky)
        _divide(out, _DAILY_LEVELS, _weekly_level(features))
        return Scaled(out, sky)
    return Scaled(out, np.ones(len(features)))
