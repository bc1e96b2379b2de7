"""One regional weather year per seed: cloudiness, air temperature and wind, for Germany.

The weather depends on the seed and the time only, so every meter simulated with a seed, and
the national solar and wind behind the price simulator with the same seed, see the same
weather ("one weather year for everything", as pricecast's good practice asks).

Model (own, calibrated to German climatology):
- cloudiness is a clear-sky index k = K_MIN + (K_MAX - K_MIN) * sigmoid(m(doy) + a*D + b*H),
  with D a daily AR(1) (weather regimes persist for days, phi 0.6) and H an hourly AR(1)
  (passing clouds, phi 0.85); m is solved per month so the mean index matches the monthly
  ratio of measured to clear-sky irradiance for central Germany (DWD climatology ~1,070
  kWh/m2/a horizontal against pvlib's Ineichen clear sky ~1,550). A national average (many
  sites) keeps the daily regimes and loses most of the hourly flicker;
- air temperature is a seasonal climatology (Jan ~0.3 C, Jul ~18.3 C) plus a daily AR(1)
  anomaly (winter sd 4 K, summer 2 K) that couples to cloudiness (clear summer days warm,
  clear winter days cold) and a diurnal cycle peaking mid-afternoon, larger on clear days;
- wind is a persistent hourly AR(1) latent (phi 0.975, ~2 day memory), mildly tied to cloudy
  regimes; ``luna.simulators.national_drivers`` turns it into a capacity factor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import pandas as pd

from luna.simulators.stochastic import ar1, generator, logit_normal_location, sigmoid
from luna.simulators.timegrid import year_grid

Spatial = Literal["site", "national"]

K_MIN, K_MAX = 0.08, 1.0
# Mean clear-sky index per month, central Germany: DWD monthly horizontal irradiation
# (~22, 40, 80, 125, 155, 160, 160, 135, 95, 55, 25, 15 kWh/m2) over pvlib Ineichen clear sky.
CLEAR_SKY_INDEX_BY_MONTH = (0.52, 0.58, 0.64, 0.69, 0.71, 0.71, 0.73, 0.74, 0.72, 0.62, 0.53, 0.46)
# Weights of the daily and hourly cloud latents for one site and for a national average.
_CLOUD_WEIGHTS: dict[str, tuple[float, float]] = {"site": (1.5, 1.0), "national": (1.2, 0.35)}
_MID_MONTH_DOY = np.array(
    [15.5, 45.0, 74.5, 105.0, 135.5, 166.0, 196.5, 227.5, 258.0, 288.5, 319.0, 349.5]
)


@dataclass(frozen=True)
class WeatherYear:
    """The latent weather of one local calendar year, hourly and daily, from its first hour."""

    start: pd.Timestamp
    cloud_daily: np.ndarray
    cloud_hourly: np.ndarray
    temperature_anomaly: np.ndarray
    wind: np.ndarray


def _daily(series: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """A daily latent interpolated between day centres, so nothing jumps at midnight."""
    return np.asarray(np.interp(hours, np.arange(series.size) * 24 + 12.0, series))


@lru_cache(maxsize=8)
def weather_year(seed: int, year: int) -> WeatherYear:
    """The weather of ``year`` for ``seed``; daily series carry one extra day for interpolation."""
    hours = year_grid(year, 60)
    n_days = hours.size // 24 + 2
    rng = generator(seed, "weather", year)
    cloud_daily = ar1(rng, n_days, 0.6)
    cloud_hourly = ar1(rng, hours.size, 0.85)
    temperature_anomaly = ar1(rng, n_days, 0.8)
    regime = _daily(cloud_daily, np.arange(hours.size) + 0.5)
    wind = math.sqrt(1 - 0.3**2) * ar1(rng, hours.size, 0.975) - 0.3 * regime
    return WeatherYear(hours[0], cloud_daily, cloud_hourly, temperature_anomaly, wind)


def through_the_year(monthly: np.ndarray, times: pd.DatetimeIndex) -> np.ndarray:
    """Monthly values (January first) interpolated to each day of the year, mid-month exact."""
    doy = times.day_of_year.to_numpy()
    return np.asarray(np.interp(doy, _MID_MONTH_DOY, monthly, period=365.25))


def _hours_since_start(weather: WeatherYear, times: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray((times - weather.start) / pd.Timedelta(1, "h"), dtype=float)


def _season(times: pd.DatetimeIndex, phase_doy: float) -> np.ndarray:
    """cos of the annual cycle, 1 on ``phase_doy``."""
    return np.asarray(np.cos(2 * np.pi * (times.day_of_year.to_numpy() - phase_doy) / 365.25))


@lru_cache(maxsize=2)
def _cloud_locations(spatial: str) -> np.ndarray:
    daily, hourly = _CLOUD_WEIGHTS[spatial]
    scale = math.hypot(daily, hourly)
    shares = [(k - K_MIN) / (K_MAX - K_MIN) for k in CLEAR_SKY_INDEX_BY_MONTH]
    return np.array([logit_normal_location(s, scale) for s in shares])


def clear_sky_index(
    weather: WeatherYear, times: pd.DatetimeIndex, spatial: Spatial = "site"
) -> np.ndarray:
    """Ratio of actual to clear-sky irradiance at ``times`` (UTC), between K_MIN and K_MAX."""
    hours = _hours_since_start(weather, times)
    location = through_the_year(_cloud_locations(spatial), times)
    daily_weight, hourly_weight = _CLOUD_WEIGHTS[spatial]
    hourly = np.interp(hours, np.arange(weather.cloud_hourly.size) + 0.5, weather.cloud_hourly)
    latent = location + daily_weight * _daily(weather.cloud_daily, hours)
    return K_MIN + (K_MAX - K_MIN) * sigmoid(latent + hourly_weight * hourly)


def daily_mean_temperature(weather: WeatherYear, times: pd.DatetimeIndex) -> np.ndarray:
    """Day-mean air temperature (C) around ``times``: climatology + persistent anomaly."""
    hours = _hours_since_start(weather, times)
    winter = _season(times, 20.0)  # +1 in mid-January, -1 in mid-July
    climatology = 9.3 - 9.0 * winter
    spread = 3.0 + 1.0 * winter
    anomaly = spread * _daily(weather.temperature_anomaly, hours)
    clear = _daily(weather.cloud_daily, hours)
    return np.asarray(climatology + anomaly - 1.5 * winter * clear)


def air_temperature(weather: WeatherYear, times: pd.DatetimeIndex, longitude: float) -> np.ndarray:
    """Air temperature (C) at ``times``: day mean plus a diurnal cycle, larger when clear."""
    hours = _hours_since_start(weather, times)
    winter = _season(times, 20.0)
    clear = sigmoid(_daily(weather.cloud_daily, hours))
    amplitude = (3.5 - 1.5 * winter) * (0.5 + clear)
    solar_hour = (times.hour + times.minute / 60.0).to_numpy() + longitude / 15.0
    diurnal = amplitude * np.cos(2 * np.pi * (solar_hour - 15.0) / 24.0)
    return np.asarray(daily_mean_temperature(weather, times) + diurnal)
