"""Small deterministic series for the forecasting tests (the simulators are not needed).

Each has a known structure: consumption a daily shape with a working-week and holiday effect,
PV the site's clear-sky curve times a daily cloudiness, prices a daily double peak with a
weekend discount that dips below zero at sunny middays.
"""

from __future__ import annotations

import warnings

import holidays
import numpy as np
import pandas as pd
import pvlib

TZ = "Europe/Berlin"
LATITUDE, LONGITUDE = 51.16, 10.45


def utc_index(start_local: str, days: int, minutes: int = 15) -> pd.DatetimeIndex:
    """``days`` local days of UTC timestamps starting at local midnight of ``start_local``."""
    start = pd.Timestamp(start_local, tz=TZ)
    end = start + pd.DateOffset(days=days)
    return pd.date_range(start, end, freq=f"{minutes}min", inclusive="left").tz_convert("UTC")


def consumption(start_local: str = "2024-03-01", days: int = 90, seed: int = 0) -> pd.Series:
    """kWh per quarter-hour: morning and evening peaks, weekends and holidays at 60 %."""
    index = utc_index(start_local, days)
    local = index.tz_convert(TZ)
    hour = local.hour + local.minute / 60
    shape = 1.0 + 0.8 * np.exp(-((hour - 8) ** 2) / 4) + 1.2 * np.exp(-((hour - 19) ** 2) / 6)
    days_off = set(holidays.country_holidays("DE", years=sorted(set(local.year))))
    off = (local.day_of_week >= 5) | np.isin(local.date, list(days_off))
    noise = np.random.default_rng(seed).normal(0.0, 0.15, len(index))
    return pd.Series(shape * np.where(off, 0.6, 1.0) + noise, index=index, name="consumption")


def pv(start_local: str = "2024-05-01", days: int = 45, seed: int = 0) -> pd.Series:
    """kWh per quarter-hour of a ~10 kWp plant: clear-sky shape times daily cloudiness."""
    index = utc_index(start_local, days)
    location = pvlib.location.Location(LATITUDE, LONGITUDE, tz="UTC")
    with warnings.catch_warnings():  # pvlib still calls pandas' deprecated dayofyear
        warnings.simplefilter("ignore", DeprecationWarning)
        ghi = location.get_clearsky(index + pd.Timedelta(minutes=7.5), model="ineichen")["ghi"]
    rng = np.random.default_rng(seed)
    clouds = rng.uniform(0.3, 1.0, days).repeat(len(index) // days + 1)[: len(index)]
    jitter = rng.normal(1.0, 0.05, len(index))
    values = ghi.to_numpy() / 1000.0 * 10.0 * 0.25 * clouds * jitter
    return pd.Series(np.clip(values, 0.0, None), index=index, name="pv")


def price(
    start_local: str = "2024-03-01", days: int = 60, minutes: int = 60, seed: int = 0
) -> pd.Series:
    """EUR/MWh: morning and evening peaks, a midday solar dip below zero, cheaper weekends."""
    index = utc_index(start_local, days, minutes)
    local = index.tz_convert(TZ)
    hour = local.hour + local.minute / 60
    shape = (
        80.0
        + 40.0 * np.exp(-((hour - 8) ** 2) / 3)
        + 60.0 * np.exp(-((hour - 19) ** 2) / 3)
        - 90.0 * np.exp(-((hour - 13) ** 2) / 4)
    )
    weekend = np.where(local.day_of_week >= 5, -25.0, 0.0)
    noise = np.random.default_rng(seed).normal(0.0, 8.0, len(index))
    return pd.Series(shape + weekend + noise, index=index, name="price")
