"""Hourly national load, solar and wind (MW) for a bidding zone: the drivers pricecast needs.

Own models on shared parts, calibrated to ENTSO-E Transparency figures for DE-LU in 2024-25
(the years pricecast's German coefficients were fitted on):
- load (~465 TWh/a): 26 % BDEW H25 households, 22 % BDEW G25 commerce (demandlib, see
  ``luna.simulators.load_profiles``) and 52 % an industrial band (working day 1.0, Saturday
  0.84, Sunday/holiday 0.74, +-5 % diurnal), raised by 0.5 % per K of day-mean temperature
  below 14 C, with 1.5 % day-level and 1 % hourly AR(1) noise;
- solar (~95 GW, ~680 full-load hours as ENTSO-E records them): the pvlib chain of
  ``luna.simulators.solar`` at the zone's centre under the national (spatially averaged)
  cloudiness, x a fleet factor 0.68 for orientation mix, ageing and unmetered self-consumption;
- wind (~72 GW onshore + offshore): capacity factor 0.75 x sigmoid(m(month) + 1.3 W) on the
  weather's persistent wind latent W, with m solved so monthly means follow the German
  seasonal cycle (0.33 in January to 0.14 in August, ~0.23 over the year).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from luna.simulators.load_profiles import HOLIDAY, SATURDAY, interval_day_types, profile_year
from luna.simulators.solar import pv_output_per_kwp
from luna.simulators.stochastic import ar1, generator, logit_normal_location, sigmoid
from luna.simulators.timegrid import local_day_index, local_hour, year_grid, year_midpoints
from luna.simulators.weather import daily_mean_temperature, through_the_year, weather_year


@dataclass(frozen=True)
class ZoneSpec:
    """A bidding zone: its pricecast model and the size of its load and renewable fleet."""

    pricecast_model: str
    annual_load_twh: float
    solar_gw: float
    wind_gw: float
    latitude: float
    longitude: float


ZONES: dict[str, ZoneSpec] = {
    "DE-LU": ZoneSpec(
        "DE", annual_load_twh=465.0, solar_gw=95.0, wind_gw=72.0, latitude=51.2, longitude=10.4
    ),
}
SOLAR_FLEET_FACTOR = 0.68
LOAD_MIX = {"H25": 0.26, "G25": 0.22}  # the rest is the industrial band
WIND_CF_MAX = 0.75
WIND_CF_BY_MONTH = (0.33, 0.32, 0.27, 0.21, 0.17, 0.15, 0.15, 0.14, 0.18, 0.23, 0.27, 0.31)
_WIND_SCALE = 1.3


def zone_spec(zone: str) -> ZoneSpec:
    """The zone's parameters, or a ValueError naming the zones there are."""
    if zone not in ZONES:
        raise ValueError(f"unknown zone {zone!r}; expected one of {sorted(ZONES)}")
    return ZONES[zone]


def _industrial_band(year: int) -> np.ndarray:
    kinds = interval_day_types(year, 60, None)
    level = np.where(kinds == HOLIDAY, 0.74, np.where(kinds == SATURDAY, 0.84, 1.0))
    diurnal = 1.0 + 0.05 * np.cos(2 * np.pi * (local_hour(year, 60) + 0.5 - 14.0) / 24.0)
    band = level * diurnal
    return np.asarray(band / band.sum())


@lru_cache(maxsize=2)
def _wind_locations() -> np.ndarray:
    return np.array(
        [logit_normal_location(cf / WIND_CF_MAX, _WIND_SCALE) for cf in WIND_CF_BY_MONTH]
    )


@lru_cache(maxsize=8)
def national_drivers(zone: str, year: int, seed: int) -> pd.DataFrame:
    """Hourly ``load``, ``solar`` and ``wind`` (MW) of the zone over one local year (UTC index)."""
    spec = zone_spec(zone)
    hours = year_grid(year, 60)
    times = year_midpoints(year, 60)
    weather = weather_year(seed, year)
    rng = generator(seed, "national", zone, year)

    shape = (1 - sum(LOAD_MIX.values())) * _industrial_band(year)
    for profile, weight in LOAD_MIX.items():
        shape = shape + weight * profile_year(profile, year, 60, None)
    heating = 1 + 0.005 * np.clip(14.0 - daily_mean_temperature(weather, times), 0.0, None)
    days = local_day_index(year, 60)
    noise = np.exp(
        0.015 * rng.standard_normal(int(days[-1]) + 1)[days] + 0.01 * ar1(rng, days.size, 0.9)
    )
    load = shape * heating * noise
    load = load / load.sum() * spec.annual_load_twh * 1e6

    per_kwp = pv_output_per_kwp(
        spec.latitude, spec.longitude, 30.0, 180.0, year, 60, seed, "national"
    )
    solar = per_kwp * spec.solar_gw * 1000.0 * SOLAR_FLEET_FACTOR

    location = through_the_year(_wind_locations(), times)
    wind = spec.wind_gw * 1000.0 * WIND_CF_MAX * sigmoid(location + _WIND_SCALE * weather.wind)
    return pd.DataFrame({"load": load, "solar": solar, "wind": wind}, index=hours)
