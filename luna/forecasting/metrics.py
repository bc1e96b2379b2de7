"""Error metrics for backtests.

MAPE is computed only over non-trivial actuals (above 10 % of the mean absolute actual), so
PV nights and near-empty meter intervals do not blow it up; prices cross zero, so they get
sMAPE instead.
"""

from __future__ import annotations

import numpy as np

MAPE_FLOOR_SHARE = 0.1


def mae(actual: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean(np.abs(actual - predicted)))


def rmse(actual: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.sqrt(np.mean((actual - predicted) ** 2)))


def mape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Mean absolute percentage error (%) over actuals above the floor; NaN if none are."""
    floor = MAPE_FLOOR_SHARE * float(np.mean(np.abs(actual)))
    rows = np.abs(actual) > floor
    if not rows.any():
        return float("nan")
    return float(100.0 * np.mean(np.abs(actual[rows] - predicted[rows]) / np.abs(actual[rows])))


def smape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Symmetric MAPE in % (0-200); steps where forecast and actual are both zero count 0."""
    denominator = np.abs(actual) + np.abs(predicted)
    ratio = np.divide(
        2.0 * np.abs(actual - predicted),
        denominator,
        out=np.zeros_like(denominator, dtype=float),
        where=denominator > 0,
    )
    return float(100.0 * np.mean(ratio))
