"""BDEW 2025 standard load profiles from demandlib, laid on the shared UTC grid.

Data: the BDEW 2025 typical days shipped with demandlib 0.2.2 (``demandlib.bdew.H25``, ``G25``,
``L25``, ``P25``, ``S25``: 12 months x {WT working day, SA Saturday, FT Sunday/holiday} x 96
quarter-hours, read through each class's ``raw_profile_data``) and demandlib's BDEW
dynamisation polynomial (``H25.dynamisation_function``), which the BDEW prescribes for H25,
P25 and S25. The calendar follows the BDEW rules: statutory holidays (``holidays``, nationwide
or for one Bundesland) take the FT day, 24 and 31 December the SA day unless they fall on a
Sunday. demandlib's own classes map holidays to FT but know no Saturday rule, so the lookup is
done here on demandlib's tables; a test checks it against ``demandlib.bdew.H25`` on ordinary days.

The 1999 profiles (H0, G0-G6, L0-L2 via ``demandlib.bdew.ElecSlp``) are not offered:
demandlib 0.2.2's ``ElecSlp`` turns all warnings into errors process-wide and then fails on
pandas 3's deprecation warnings. The BDEW 2025 profiles replace them anyway.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from types import SimpleNamespace
from typing import Literal, get_args

import holidays
import numpy as np
import pandas as pd
from demandlib import bdew

from luna.simulators.timegrid import TIMEZONE, local_day_index, year_grid

ProfileName = Literal["H25", "G25", "L25", "P25", "S25"]
PROFILES: tuple[str, ...] = get_args(ProfileName)
_CLASSES = {"H25": bdew.H25, "G25": bdew.G25, "L25": bdew.L25, "P25": bdew.P25, "S25": bdew.S25}
DYNAMIC_PROFILES = frozenset({"H25", "P25", "S25"})
WORKDAY, SATURDAY, HOLIDAY = 0, 1, 2
_DAY_CODES = {"WT": WORKDAY, "SA": SATURDAY, "FT": HOLIDAY}


@lru_cache(maxsize=len(PROFILES))
def typical_days(profile: str) -> np.ndarray:
    """demandlib's typical days as an array [month 0-11, day type, quarter-hour] in kW per GWh/a."""
    cls = _CLASSES[profile]
    with warnings.catch_warnings():  # demandlib 0.2.2 uses pandas' deprecated inplace=True
        warnings.simplefilter("ignore", pd.errors.Pandas4Warning)
        table = cls.raw_profile_data.fget(SimpleNamespace(datafile=cls.datafile.fget(None)))
    values = np.full((12, 3, 96), np.nan)
    months = table["month"].to_numpy(dtype=int) - 1
    kinds = table["weekday"].map(_DAY_CODES).to_numpy(dtype=int)
    quarters = table["hour"].to_numpy(dtype=int) * 4 + table["minute"].to_numpy(dtype=int) // 15
    values[months, kinds, quarters] = table["value"].to_numpy(dtype=float)
    if np.isnan(values).any():
        raise RuntimeError(f"demandlib's {profile} table does not cover every typical day")
    values.setflags(write=False)
    return values


@lru_cache(maxsize=64)
def holiday_dates(year: int, state: str | None) -> frozenset[np.datetime64]:
    """Statutory holidays in Germany (nationwide, or for one Bundesland such as "BY")."""
    calendar = holidays.country_holidays("DE", subdiv=state, years=year)
    return frozenset(np.datetime64(day, "D") for day in calendar)


def day_types(days: np.ndarray, state: str | None) -> np.ndarray:
    """BDEW day type (WORKDAY, SATURDAY, HOLIDAY) of each date (``datetime64[D]`` array)."""
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    kinds = np.where(weekday < 5, WORKDAY, np.where(weekday == 5, SATURDAY, HOLIDAY))
    stamps = pd.DatetimeIndex(days)
    eves = (stamps.month == 12) & np.isin(stamps.day, (24, 31)) & (weekday != 6)
    kinds = np.where(eves, SATURDAY, kinds)
    years = sorted(set(stamps.year))
    dates = set().union(*(holiday_dates(y, state) for y in years)) if years else set()
    is_holiday = np.isin(days, np.array(sorted(dates), dtype="datetime64[D]"))
    return np.where(is_holiday, HOLIDAY, kinds)


def quarter_hour_values(profile: str, local: pd.DatetimeIndex, state: str | None) -> np.ndarray:
    """The profile (kW per GWh/a, dynamised where BDEW says so) at naive local quarter-hours."""
    table = typical_days(profile)
    days = local.to_numpy().astype("datetime64[D]")
    quarters = local.hour.to_numpy() * 4 + local.minute.to_numpy() // 15
    values = table[local.month.to_numpy() - 1, day_types(days, state), quarters]
    if profile in DYNAMIC_PROFILES:
        values = values * _CLASSES[profile].dynamisation_function(local).to_numpy(dtype=float)
    return np.asarray(values, dtype=float)


@lru_cache(maxsize=64)
def profile_year(profile: str, year: int, interval_minutes: int, state: str | None) -> np.ndarray:
    """Share of the local year's energy in each interval of ``year_grid``; sums to 1.

    Each UTC quarter-hour takes the value of its local clock time, so the local day of the
    spring clock change has 92 quarter-hours and the autumn one 100 (02:00-03:00 twice).
    """
    if profile not in _CLASSES:
        raise ValueError(f"unknown profile {profile!r}; expected one of {PROFILES}")
    local = year_grid(year, 15).tz_convert(TIMEZONE).tz_localize(None)
    energy = quarter_hour_values(profile, local, state)
    energy = energy.reshape(-1, interval_minutes // 15).sum(axis=1)
    share = np.asarray(energy / energy.sum(), dtype=float)
    share.setflags(write=False)
    return share


@lru_cache(maxsize=32)
def interval_day_types(year: int, interval_minutes: int, state: str | None) -> np.ndarray:
    """BDEW day type of each interval of the local year (by its local date)."""
    days = local_day_index(year, interval_minutes)
    dates = np.datetime64(f"{year}-01-01", "D") + np.arange(int(days[-1]) + 1)
    kinds = np.asarray(day_types(dates, state)[days])
    kinds.setflags(write=False)
    return kinds
