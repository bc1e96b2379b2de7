"""Seasonal-naive baseline: the value at the same local time one period earlier.

Each step takes the latest whole period back that is already observed (a 48 h horizon with a
daily period repeats yesterday twice), skipping periods that fall into a gap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from luna.forecasting.local_time import lookup_back

MAX_PERIODS_BACK = 6


class SeasonalNaive:
    """Repeat the last observed day (``period_days=1``) or week (``period_days=7``)."""

    def __init__(self, name: str, period_days: int, timezone: str) -> None:
        self.name = name
        self.period_days = period_days
        self.timezone = timezone

    def fit(self, history: pd.Series) -> None:
        """Nothing to learn."""

    def predict(self, history: pd.Series, index: pd.DatetimeIndex) -> np.ndarray:
        known = history.dropna()
        if known.empty:
            raise ValueError("seasonal naive needs at least one observed value")
        lags = [self.period_days * k for k in range(1, MAX_PERIODS_BACK + 1)]
        values = lookup_back(known, index, lags, self.timezone)
        return np.where(np.isnan(values), float(known.median()), values)
