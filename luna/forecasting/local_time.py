"""Local wall-clock arithmetic on UTC series.

"Same time yesterday" means the same local clock time, so on DST days a day back is 23 or 25
hours of UTC. These helpers do that shift, look values up through it, and count steps to local
midnights (a local day has 92, 96 or 100 quarter-hours).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def shift_local_days(index: pd.DatetimeIndex, days: int, tz: str) -> pd.DatetimeIndex:
    """UTC timestamps at the same local clock time ``days`` earlier.

    A clock time that does not exist or is ambiguous on the earlier day falls back to
    ``days`` x 24 h of UTC.
    """
    wall = index.tz_convert(tz).tz_localize(None) - pd.Timedelta(days=days)
    shifted = wall.tz_localize(tz, ambiguous="NaT", nonexistent="NaT").tz_convert("UTC")
    fallback = index.tz_convert("UTC") - pd.Timedelta(days=days)
    return shifted.where(shifted.notna(), fallback)


def lookup_back(
    values: pd.Series, targets: pd.DatetimeIndex, days: Sequence[int], tz: str
) -> np.ndarray:
    """Value at the same local time ``days[0]`` days before each target, else ``days[1]``, ...

    Missing values (gaps, or times after the end of ``values``) move on to the next lag;
    NaN where every lag is missing.
    """
    out = np.full(len(targets), np.nan)
    for lag in days:
        todo = np.isnan(out)
        if not todo.any():
            break
        source = shift_local_days(targets[todo], lag, tz)
        out[todo] = values.reindex(source).to_numpy(dtype=float)
    return out


def future_index(last: pd.Timestamp, step: pd.Timedelta, steps: int) -> pd.DatetimeIndex:
    """The ``steps`` UTC timestamps following ``last``."""
    return pd.date_range(last + step, periods=steps, freq=step, tz="UTC", name="ts")


def steps_to_local_midnight(last: pd.Timestamp, step: pd.Timedelta, days: int, tz: str) -> int:
    """Steps after ``last`` covering the rest of the current local day and ``days`` more.

    The current day is the local day of the first forecast step; when that step is local
    midnight it counts as one of the ``days``. So with ``last`` at 23:45 local and ``days=1``
    the horizon is one whole local day: 92 quarter-hours on a spring-forward day, 100 on a
    fall-back day.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    first = (last + step).tz_convert(tz)
    midnight = first.normalize()
    whole_days = days if first == midnight else days + 1
    end = (midnight + pd.DateOffset(days=whole_days)).tz_convert("UTC")
    return int((end - (last + step)) / step)
