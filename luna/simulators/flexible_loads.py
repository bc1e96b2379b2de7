"""Flexible loads behind a meter: an air-source heat pump and an electric vehicle charger.

Own models; the BDEW profiles do not cover these (the BDEW's temperature-dependent profiles
for heat pumps are per grid operator and not shipped by demandlib):
- heat pump: space heat follows heating degrees below 15 C of a building-smoothed temperature
  (0.7 day mean + 0.3 hourly) from ``luna.simulators.weather``, divided by a temperature-
  dependent COP (2.9 at 0 C, +0.07 per K, within 1.8-4.5); 15 % of the year's electricity
  heats domestic hot water in two local windows (06-08 and 19-21 h);
- EV: at most one charging session per local day, arriving around 18:00 on working days and
  13:00 at weekends, drawing the charger's full power until a gamma-distributed session energy
  (mean ~12 kWh) is delivered; session energies are scaled to the annual figure.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from luna.simulators.load_profiles import WORKDAY, day_types
from luna.simulators.stochastic import expand_runs
from luna.simulators.timegrid import local_day_index, local_hour, year_midpoints
from luna.simulators.weather import air_temperature, daily_mean_temperature, weather_year

HEATING_LIMIT_C = 15.0
HOT_WATER_SHARE = 0.15
EV_SESSION_KWH = 12.0


@lru_cache(maxsize=16)
def heat_pump_share(longitude: float, year: int, interval_minutes: int, seed: int) -> np.ndarray:
    """Share of a heat pump's annual electricity in each interval of the local year; sums to 1."""
    times = year_midpoints(year, interval_minutes)
    weather = weather_year(seed, year)
    hourly = air_temperature(weather, times, longitude)
    felt = 0.7 * daily_mean_temperature(weather, times) + 0.3 * hourly
    cop = np.clip(2.9 + 0.07 * hourly, 1.8, 4.5)
    space = np.clip(HEATING_LIMIT_C - felt, 0.0, None) / cop
    hour = local_hour(year, interval_minutes)
    water = (((hour >= 6) & (hour < 8)) | ((hour >= 19) & (hour < 21))).astype(float)
    share = np.asarray(
        (1 - HOT_WATER_SHARE) * space / space.sum() + HOT_WATER_SHARE * water / water.sum()
    )
    share.setflags(write=False)
    return share


def ev_charging(
    rng: np.random.Generator,
    year: int,
    interval_minutes: int,
    annual_kwh: float,
    charger_kw: float,
) -> np.ndarray:
    """Energy (kWh) an EV charger draws in each interval of the local year."""
    days = local_day_index(year, interval_minutes)
    n = days.size
    out = np.zeros(n)
    n_days = int(days[-1]) + 1
    chance = min(0.9, annual_kwh / (n_days * EV_SESSION_KWH))
    charging = np.flatnonzero(rng.random(n_days) < chance)
    if annual_kwh <= 0.0 or charging.size == 0:
        return out
    energy = rng.gamma(4.0, 0.25, charging.size)
    energy *= annual_kwh / energy.sum()
    dates = np.datetime64(f"{year}-01-01", "D") + charging
    working = day_types(dates, None) == WORKDAY
    arrival = np.where(
        working, rng.normal(18.0, 1.3, charging.size), rng.normal(13.0, 3.0, charging.size)
    )
    steps_per_hour = 60 // interval_minutes
    first = np.searchsorted(days, charging)
    start = first + np.floor(np.clip(arrival, 0.0, 23.99) * steps_per_hour).astype(np.int64)
    per_step = charger_kw * interval_minutes / 60.0
    steps = np.ceil(energy / per_step).astype(np.int64)
    positions = expand_runs(start, steps)
    drawn = np.full(positions.size, per_step)
    drawn[np.cumsum(steps) - 1] = energy - (steps - 1) * per_step
    inside = positions < n
    np.add.at(out, positions[inside], drawn[inside])
    return out
