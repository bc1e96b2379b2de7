"""Synthetic day-ahead prices for a bidding zone (EUR/MWh), hourly or per quarter-hour.

Columns: ``zone``, ``ts`` (UTC interval start), ``resolution_minutes``, ``price_eur_mwh``.

Sources:
- shape and level: pricecast 0.1.5's shipped German model (``pricecast.load("DE")``,
  ``PriceModel.predict``): an OLS regression fitted on ENTSO-E DE-LU day-ahead prices 2024-25
  with hour-of-day and weekday dummies (UTC), load, solar, wind and net-load curvature, driven
  here by simulated national load/solar/wind (``luna.simulators.national_drivers``). It yields
  the morning and evening peaks, the weekday/weekend and seasonal level and the solar midday dip
  that turns negative on sunny, low-load days;
- residual: pricecast's residual process (``pricecast.residual_noise``: Student-t with the
  fitted tail weight, smoothed over 24 h), at the fitted residual standard deviation but
  scaled with the price level (own calibration: clip(0.4 + base/120, 0.4, 1.8), normalised),
  because gas-set hours swing more than renewable-set ones; without it windy winter nights go
  negative far more often than in the market;
- own additions where pricecast has nothing: the depth of negative prices saturates softly
  towards -25 EUR/MWh (renewables curtail there; pricecast advises a floor), rare downward
  spikes on negative hours, upward scarcity spikes whose odds grow with net load (about 25
  hours a year), and the SDAC price limits -500/+4000 EUR/MWh;
- quarter-hours (own model): the hourly price plus a ramp term tilting the four quarter-hours
  against the direction of the net-load ramp (1.2 EUR/MWh per GW/h: prices fall within the
  morning hours as solar rises and climb within the evening ones) and 4 EUR/MWh noise, both
  zero-mean within the hour, so four quarter-hours average to the hourly price.

Deterministic per (seed, zone, local year); the weather behind the solar and wind drivers is the
same weather year the smart-meter simulator uses with that seed.
"""

from __future__ import annotations

import warnings
from datetime import datetime
from functools import lru_cache

import numpy as np
import pandas as pd
import pricecast

from luna.simulators.national_drivers import SOLAR_FLEET_FACTOR, national_drivers, zone_spec
from luna.simulators.stochastic import generator
from luna.simulators.timegrid import check_window, local_years, window_slice, year_grid

COLUMNS = ("zone", "ts", "resolution_minutes", "price_eur_mwh")
PRICE_MIN, PRICE_MAX = -500.0, 4000.0
NEGATIVE_DEPTH_EUR = 25.0
QUARTER_RAMP_EUR_PER_GW_H = 1.2
QUARTER_NOISE_EUR = 4.0
_QUARTER_OFFSETS = np.array([-1.5, -0.5, 0.5, 1.5])


@lru_cache(maxsize=4)
def _model(name: str) -> pricecast.PriceModel:
    return pricecast.load(name)


def _solar_from_signal(drivers: pd.DataFrame, signal: pd.Series, solar_gw: float) -> pd.Series:
    """National solar (MW) from a per-unit PV series (kW per kWp), where it covers the hour."""
    if not isinstance(signal.index, pd.DatetimeIndex) or signal.index.tz is None:
        raise ValueError("solar_signal needs a timezone-aware DatetimeIndex")
    values = signal.astype(float)
    if not np.isfinite(values).all() or (values < 0).any() or (values > 1.5).any():
        raise ValueError("solar_signal must be per-unit PV output (kW per kWp, 0 to ~1)")
    hourly = values.tz_convert("UTC").sort_index().resample("1h").mean().reindex(drivers.index)
    national = hourly * solar_gw * 1000.0 * SOLAR_FLEET_FACTOR
    return national.fillna(drivers["solar"])


def _net_load(drivers: pd.DataFrame) -> np.ndarray:
    return (drivers["load"] - drivers["solar"] - drivers["wind"]).to_numpy(dtype=float)


def _hourly_prices(
    zone: str, year: int, seed: int, drivers: pd.DataFrame, reference: pd.DataFrame
) -> np.ndarray:
    """Hourly day-ahead prices for one local year from ``drivers``.

    Scales (the residual's level weighting, the net load's spread) come from the zone's own
    ``reference`` drivers, so replacing the solar driver changes only the hours it touches.
    """
    model = _model(zone_spec(zone).pricecast_model)
    with warnings.catch_warnings():  # pricecast 0.1.5 still calls pandas' deprecated dayofweek
        warnings.simplefilter("ignore", pd.errors.Pandas4Warning)
        base = model.predict(drivers).to_numpy(dtype=float)
        typical = model.predict(reference).to_numpy(dtype=float)
    rng = generator(seed, "prices", zone, year)
    unit = pricecast.residual_noise(base.size, 1.0, model.student_df, seed=int(rng.integers(2**32)))
    level = np.clip(0.4 + base / 120.0, 0.4, 1.8)
    rms = np.sqrt(np.mean(np.clip(0.4 + typical / 120.0, 0.4, 1.8) ** 2))
    price = base + model.residual_std * level / rms * unit

    negative = price < 0
    price[negative] = -NEGATIVE_DEPTH_EUR * -np.expm1(price[negative] / NEGATIVE_DEPTH_EUR)
    dips = negative & (rng.random(base.size) < 0.03)
    price[dips] -= rng.lognormal(np.log(40.0), 0.7, base.size)[dips]

    typical_net = _net_load(reference)
    z = (_net_load(drivers) - typical_net.mean()) / typical_net.std()
    spikes = rng.random(base.size) < np.minimum(0.3, 0.0015 * np.exp(1.2 * z))
    price[spikes] += rng.lognormal(np.log(60.0), 0.8, base.size)[spikes]
    return np.asarray(np.clip(price, PRICE_MIN, PRICE_MAX))


def _quarter_hours(
    hourly: np.ndarray, drivers: pd.DataFrame, rng: np.random.Generator
) -> np.ndarray:
    """Four quarter-hour prices per hour whose mean is the hourly price."""
    ramp_gw_h = np.gradient(_net_load(drivers)) / 1000.0
    tilt = QUARTER_RAMP_EUR_PER_GW_H * ramp_gw_h[:, None] * _QUARTER_OFFSETS[None, :]
    noise = rng.normal(0.0, QUARTER_NOISE_EUR, (hourly.size, 4))
    noise -= noise.mean(axis=1, keepdims=True)
    return np.asarray((hourly[:, None] + tilt + noise).ravel())


def simulate_prices(
    zone: str,
    start: datetime | pd.Timestamp,
    end: datetime | pd.Timestamp,
    *,
    resolution_minutes: int = 60,
    seed: int,
    solar_signal: pd.Series | None = None,
) -> pd.DataFrame:
    """Day-ahead prices in ``[start, end)`` for ``zone`` (e.g. "DE-LU").

    ``solar_signal``, if given, replaces the national solar driver wherever it has data: a
    per-unit PV series (kW per kWp, e.g. ``production_kwh / (pv_kwp * interval_hours)`` of a
    simulated meter) that is averaged per hour and scaled to the zone's solar fleet, so prices
    react to exactly that sunshine.
    """
    spec = zone_spec(zone)
    lo, hi = check_window(start, end, resolution_minutes)
    stamps, prices = [], []
    for year in local_years(lo, hi):
        reference = drivers = national_drivers(zone, year, seed)
        if solar_signal is not None:
            drivers = drivers.assign(solar=_solar_from_signal(drivers, solar_signal, spec.solar_gw))
        values = _hourly_prices(zone, year, seed, drivers, reference)
        if resolution_minutes < 60:
            quarters = _quarter_hours(values, drivers, generator(seed, "quarters", zone, year))
            values = quarters.reshape(-1, resolution_minutes // 15).mean(axis=1)
        grid = year_grid(year, resolution_minutes)
        part = window_slice(grid, lo, hi)
        stamps.append(grid[part])
        prices.append(np.clip(values[part], PRICE_MIN, PRICE_MAX))
    ts = stamps[0].append(stamps[1:]) if len(stamps) > 1 else stamps[0]
    return pd.DataFrame(
        {
            "zone": pd.Series(zone, index=range(ts.size), dtype="str"),
            "ts": ts,
            "resolution_minutes": np.full(ts.size, resolution_minutes, dtype=np.int64),
            "price_eur_mwh": np.round(np.concatenate(prices), 2),
        }
    )
