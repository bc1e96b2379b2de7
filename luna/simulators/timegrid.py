"""The time grid the simulators share: German local calendar years cut into UTC intervals.

Every series is built one local (Europe/Berlin) calendar year at a time and then cut to the
window asked for. The value of an interval therefore depends only on the seed, the series and
the interval, never on the window: a backfill in monthly chunks equals one run over the year.
Timestamps are UTC interval starts; windows are half-open ``[start, end)``.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

import numpy as np
import pandas as pd

# The simulated world's clock, part of the model like its BDEW profiles, German holidays and
# DE-LU market (national_drivers.ZONES), not the site's LUNA_TIMEZONE: German households and the
# German market keep German time wherever the site is. Windows come in as UTC instants.
TIMEZONE = "Europe/Berlin"
INTERVALS_MINUTES = (15, 30, 60)


def as_utc(moment: datetime | pd.Timestamp, name: str) -> pd.Timestamp:
    """A tz-aware moment as a UTC timestamp; naive moments are refused, not guessed."""
    stamp = pd.Timestamp(moment)
    if stamp.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}")
    return stamp.tz_convert("UTC")


def check_window(
    start: datetime | pd.Timestamp, end: datetime | pd.Timestamp, interval_minutes: int
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Validate a window and return it in UTC: aware, ordered, on the interval grid."""
    if interval_minutes not in INTERVALS_MINUTES:
        raise ValueError(f"interval must be one of {INTERVALS_MINUTES} min, got {interval_minutes}")
    lo, hi = as_utc(start, "start"), as_utc(end, "end")
    if hi <= lo:
        raise ValueError(f"end ({hi}) must be after start ({lo})")
    step_ns = interval_minutes * 60 * 10**9
    for name, stamp in (("start", lo), ("end", hi)):
        if stamp.as_unit("ns").value % step_ns:
            raise ValueError(f"{name} {stamp} is not on the {interval_minutes}-minute grid")
    return lo, hi


def local_years(start: pd.Timestamp, end: pd.Timestamp) -> range:
    """The local calendar years that ``[start, end)`` touches."""
    last = (end - pd.Timedelta(1, "ns")).tz_convert(TIMEZONE).year
    return range(start.tz_convert(TIMEZONE).year, last + 1)


@lru_cache(maxsize=32)
def year_grid(year: int, interval_minutes: int) -> pd.DatetimeIndex:
    """UTC interval starts of one local calendar year (35040 quarter-hours in a common year)."""
    first = pd.Timestamp(year=year, month=1, day=1, tz=TIMEZONE).tz_convert("UTC")
    after = pd.Timestamp(year=year + 1, month=1, day=1, tz=TIMEZONE).tz_convert("UTC")
    return pd.date_range(first, after, freq=f"{interval_minutes}min", inclusive="left")


def window_slice(grid: pd.DatetimeIndex, start: pd.Timestamp, end: pd.Timestamp) -> slice:
    """Positions of ``grid`` that fall in ``[start, end)``."""
    return slice(int(grid.searchsorted(start)), int(grid.searchsorted(end)))


@lru_cache(maxsize=32)
def year_midpoints(year: int, interval_minutes: int) -> pd.DatetimeIndex:
    """Interval midpoints of ``year_grid``: where the sun and the temperature are evaluated."""
    return year_grid(year, interval_minutes) + pd.Timedelta(minutes=interval_minutes / 2)


@lru_cache(maxsize=32)
def local_day_index(year: int, interval_minutes: int) -> np.ndarray:
    """For each interval of the year, the number of its local day (0 = 1 January)."""
    local = year_grid(year, interval_minutes).tz_convert(TIMEZONE).tz_localize(None)
    first = np.datetime64(f"{year}-01-01", "D")
    days = (local.to_numpy().astype("datetime64[D]") - first).astype(np.int64)
    days.setflags(write=False)
    return days


@lru_cache(maxsize=32)
def local_hour(year: int, interval_minutes: int) -> np.ndarray:
    """For each interval of the year, its local clock time in hours (0.0 to 23.75)."""
    local = year_grid(year, interval_minutes).tz_convert(TIMEZONE)
    hours = (local.hour + local.minute / 60.0).to_numpy(dtype=float)
    hours.setflags(write=False)
    return hours
