"""The learned model's design matrix: local-time calendar, lags available at forecast time, sun.

Calendar features are in local time, so the daily profile does not jump by an hour at DST and
holidays fall on the right day. Lag features only reach back ``lag_days`` or more local days,
where ``lag_days`` covers the horizon: every feature a forecast step needs is known at the
forecast origin, in training and in prediction alike (no leakage, one model for all steps).
Two features describe the origin itself (the last day's mean and the last value before it),
assuming the day-ahead routine of an origin at local midnight; from any other origin they
fall back to the day before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import holidays
import numpy as np
import pandas as pd

from luna.forecasting.kinds import Site, TargetKind
from luna.forecasting.local_time import lookup_back
from luna.forecasting.prepare import DAY
from luna.forecasting.solar import clear_sky_ghi

WEEK_DAYS = 7


@dataclass(frozen=True)
class FeatureSpec:
    """What the features depend on besides the data."""

    kind: TargetKind
    site: Site
    step: pd.Timedelta
    horizon_steps: int

    @property
    def lag_days(self) -> int:
        """The most recent whole local day back that is known for every step of the horizon."""
        return max(1, math.ceil(self.horizon_steps * self.step / DAY))

    @property
    def steps_per_day(self) -> int:
        return int(DAY / self.step)


@lru_cache(maxsize=32)
def _holiday_dates(country: str, subdivision: str | None, years: tuple[int, ...]) -> frozenset:  # type: ignore[type-arg]
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=years).keys())


def calendar_features(index: pd.DatetimeIndex, site: Site) -> pd.DataFrame:
    """Local time of day (hours), weekday, day of year, holiday and off-day flags."""
    local = index.tz_convert(site.timezone)
    years = tuple(sorted(set(local.year.tolist())))
    holiday_dates = _holiday_dates(site.country, site.subdivision, years)
    holiday = np.fromiter((d in holiday_dates for d in local.date), dtype=bool, count=len(local))
    weekday = local.day_of_week.to_numpy()
    return pd.DataFrame(
        {
            "hour": local.hour.to_numpy() + local.minute.to_numpy() / 60.0,
            "weekday": weekday,
            "day_of_year": local.day_of_year.to_numpy(),
            "holiday": holiday.astype(float),
            "off_day": (holiday | (weekday >= 5)).astype(float),
        },
        index=index,
    )


def lag_features(history: pd.Series, index: pd.DatetimeIndex, spec: FeatureSpec) -> pd.DataFrame:
    """Same-local-time lags and daily/weekly levels, all at least ``spec.lag_days`` back."""
    tz = spec.site.timezone
    lag = spec.lag_days
    week = WEEK_DAYS * math.ceil(lag / WEEK_DAYS)
    per_day = spec.steps_per_day
    day_mean = history.rolling(per_day, min_periods=per_day // 2).mean()
    week_mean = history.rolling(WEEK_DAYS * per_day, min_periods=per_day).mean()
    same_time = np.vstack([lookup_back(history, index, [d], tz) for d in range(lag, lag + 7)])
    known = ~np.isnan(same_time)
    total = np.where(known, same_time, 0.0).sum(axis=0)
    count = known.sum(axis=0)
    profile = np.divide(total, count, out=np.full(len(index), np.nan), where=count > 0)
    # The last day before the forecast origin, assumed at local midnight ``lag_days - 1``
    # days before the target's own day (the day-ahead routine); an earlier day if unknown.
    midnights = _local_midnights(index, tz)
    known_day = day_mean.shift(1, freq=spec.step)
    known_last = history.shift(1, freq=spec.step)
    return pd.DataFrame(
        {
            "lag_day": lookup_back(history, index, [lag, lag + 1, lag + 2], tz),
            "lag_week": lookup_back(history, index, [week, week + WEEK_DAYS], tz),
            "profile_week": profile,
            "level_day": lookup_back(day_mean, index, [lag, lag + 1], tz),
            "level_week": lookup_back(week_mean, index, [lag, lag + 1], tz),
            "level_origin": lookup_back(known_day, midnights, [lag - 1, lag], tz),
            "last_origin": lookup_back(known_last, midnights, [lag - 1, lag], tz),
        },
        index=index,
    )


def _local_midnights(index: pd.DatetimeIndex, tz: str) -> pd.DatetimeIndex:
    """UTC timestamps of the local midnight starting each timestamp's local day."""
    return index.tz_convert(tz).normalize().tz_convert("UTC")


# Weather, not the working week, drives PV: weekday-type features would only fit noise.
_NOT_FOR_PV = ("weekday", "holiday", "off_day", "lag_week", "last_origin")


def design_matrix(history: pd.Series, index: pd.DatetimeIndex, spec: FeatureSpec) -> pd.DataFrame:
    """All features for the timestamps ``index``, using only values of ``history``."""
    parts = [calendar_features(index, spec.site), lag_features(history, index, spec)]
    if spec.kind is TargetKind.PV:
        sun = pd.DataFrame({"clear_sky": clear_sky_ghi(index, spec.step, spec.site)}, index=index)
        return pd.concat([*parts, sun], axis=1).drop(columns=list(_NOT_FOR_PV))
    return pd.concat(parts, axis=1)
