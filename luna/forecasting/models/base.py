"""The protocol every forecast model follows.

``fit`` learns from a cleaned, regular history; ``predict`` forecasts the timestamps after the
end of a (possibly later) history, so a backtest can refit weekly yet predict daily with the
latest lags.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd


class ForecastModel(Protocol):
    name: str

    def fit(self, history: pd.Series) -> None:
        """Learn from ``history`` (regular UTC grid, NaN in long gaps)."""
        ...

    def predict(self, history: pd.Series, index: pd.DatetimeIndex) -> np.ndarray:
        """Point forecasts for ``index``, all after ``history``'s last timestamp."""
        ...
