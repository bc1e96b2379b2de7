"""Prediction intervals from out-of-sample residuals (split-conformal style).

The backtest leaves, for each model, the errors it made on data it had not seen. Their
empirical quantiles per local hour of day, added to a new point forecast, give intervals whose
coverage matches the nominal level as far as the future behaves like the backtest, whatever
the model. PV errors grow with the sun, so its residuals are taken relative to the clear-sky
irradiance and scaled back with the forecast day's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from luna.forecasting.kinds import Site, TargetKind
from luna.forecasting.models.target_scaling import MIN_CLEAR_SKY_W_M2
from luna.forecasting.solar import clear_sky_ghi

MIN_RESIDUALS_PER_HOUR = 20


def quantile_key(level: float) -> str:
    """'p10' for 0.1, 'p2.5' for 0.025."""
    return f"p{100 * level:g}"


def check_levels(levels: Sequence[float]) -> tuple[float, ...]:
    """Sorted unique levels; ValueError unless each lies strictly between 0 and 1."""
    if any(not 0.0 < q < 1.0 for q in levels):
        raise ValueError(f"quantile levels must lie strictly between 0 and 1, got {levels}")
    return tuple(sorted(set(levels)))


def residual_scale(
    index: pd.DatetimeIndex, step: pd.Timedelta, kind: TargetKind, site: Site
) -> np.ndarray:
    """What residuals are divided by before taking quantiles: clear sky for PV, else 1."""
    if kind is TargetKind.PV:
        return np.asarray(np.maximum(clear_sky_ghi(index, step, site), MIN_CLEAR_SKY_W_M2))
    return np.ones(len(index))


@dataclass(frozen=True)
class ResidualQuantiles:
    """Scaled residual (actual - forecast) quantiles per local hour, with a pooled fallback."""

    levels: tuple[float, ...]
    timezone: str
    by_hour: dict[int, np.ndarray]
    pooled: np.ndarray

    @classmethod
    def from_residuals(
        cls, residuals: pd.Series, levels: Sequence[float], timezone: str
    ) -> ResidualQuantiles:
        """Quantiles of ``residuals`` (indexed by target timestamp, already divided by
        ``residual_scale``); needs some non-NaN."""
        levels = check_levels(levels)
        known = residuals.dropna()
        if known.empty:
            raise ValueError("no residuals to calibrate intervals on")
        hours = pd.DatetimeIndex(known.index).tz_convert(timezone).hour
        by_hour = {
            int(h): np.quantile(group.to_numpy(), levels)
            for h, group in known.groupby(hours)
            if len(group) >= MIN_RESIDUALS_PER_HOUR
        }
        return cls(levels, timezone, by_hour, np.quantile(known.to_numpy(), levels))

    def bounds(
        self, point: np.ndarray, index: pd.DatetimeIndex, scale: np.ndarray
    ) -> dict[str, np.ndarray]:
        """Quantile forecasts around ``point``, ordered and bracketing it at the median."""
        hours = index.tz_convert(self.timezone).hour
        offsets = np.vstack([self.by_hour.get(int(h), self.pooled) for h in hours])
        values = point[:, None] + offsets * scale[:, None]
        for column, level in enumerate(self.levels):
            if level < 0.5:
                values[:, column] = np.minimum(values[:, column], point)
            elif level > 0.5:
                values[:, column] = np.maximum(values[:, column], point)
        values = np.sort(values, axis=1)
        return {quantile_key(q): values[:, i] for i, q in enumerate(self.levels)}
