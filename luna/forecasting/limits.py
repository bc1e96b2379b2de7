"""Physical limits applied to every forecast value, point and quantile alike.

Volumes are never negative and PV is exactly zero at night, whatever a model or an interval
says; applying this in one place keeps backtest scores and forecasts consistent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from luna.forecasting.kinds import Site, TargetKind
from luna.forecasting.solar import is_night


def apply_limits(
    values: np.ndarray,
    index: pd.DatetimeIndex,
    step: pd.Timedelta,
    kind: TargetKind,
    site: Site,
) -> np.ndarray:
    """``values`` clipped to the physically possible range for ``kind`` at ``index``."""
    out = np.asarray(values, dtype=float).copy()
    if kind.non_negative:
        out = np.maximum(out, 0.0)
    if kind is TargetKind.PV:
        out[is_night(index, step, site)] = 0.0
    return out
