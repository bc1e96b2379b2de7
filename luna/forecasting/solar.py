"""Clear-sky irradiance for the site: the PV model's main feature and its night mask.

Meter timestamps label the start of an interval, so the irradiance is averaged over the
interval (Simpson's rule on start, middle, end). An interval whose clear-sky irradiance is zero
throughout is night, and PV is forecast as exactly zero there. Irradiance is computed once per
site, step and UTC year and looked up afterwards: backtests ask for it many times.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
import pvlib

from luna.forecasting.kinds import Site


def _interval_mean_ghi(index: pd.DatetimeIndex, step: pd.Timedelta, site: Site) -> np.ndarray:
    location = pvlib.location.Location(
        site.latitude, site.longitude, tz="UTC", altitude=site.altitude_m
    )
    with warnings.catch_warnings():
        # pvlib 0.16 still calls pandas' deprecated DatetimeIndex.dayofyear
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        start, middle, end = (
            location.get_clearsky(index + step * f, model="ineichen")["ghi"].to_numpy(dtype=float)
            for f in (0.0, 0.5, 1.0)
        )
    mean: np.ndarray = np.nan_to_num((start + 4.0 * middle + end) / 6.0)
    return mean


@lru_cache(maxsize=16)
def _year_of_ghi(site: Site, step: pd.Timedelta, year: int) -> pd.Series:
    start = pd.Timestamp(year=year, month=1, day=1, tz="UTC")
    grid = pd.date_range(start, start + pd.DateOffset(years=1), freq=step, inclusive="left")
    return pd.Series(_interval_mean_ghi(grid, step, site), index=grid)


def clear_sky_ghi(index: pd.DatetimeIndex, step: pd.Timedelta, site: Site) -> np.ndarray:
    """Interval-mean clear-sky global horizontal irradiance in W/m² (Ineichen model)."""
    utc = index.tz_convert("UTC")
    out = np.full(len(utc), np.nan)
    for year in np.unique(utc.year):
        rows = np.asarray(utc.year == year)
        out[rows] = _year_of_ghi(site, step, int(year)).reindex(utc[rows]).to_numpy()
    off_grid = np.isnan(out)
    if off_grid.any():
        out[off_grid] = _interval_mean_ghi(utc[off_grid], step, site)
    return out


def is_night(index: pd.DatetimeIndex, step: pd.Timedelta, site: Site) -> np.ndarray:
    """True where the sun stays below the horizon for the whole interval."""
    return np.asarray(clear_sky_ghi(index, step, site) <= 0.0)
