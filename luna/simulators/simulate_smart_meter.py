"""Synthetic smart-meter data: BDEW load shapes, pvlib PV, per-meter noise, outliers and gaps.

One row per interval and meter: ``meter_id``, ``ts`` (UTC interval start), ``interval_minutes``,
``consumption_kwh`` and ``production_kwh`` (both >= 0, rounded to whole watt-hours).

Sources:
- consumption shape: the BDEW 2025 standard load profiles shipped with demandlib 0.2.2
  (``demandlib.bdew.H25/G25/L25/P25/S25`` typical days and ``dynamisation_function``), on the
  BDEW calendar with German statutory holidays from ``holidays``; see
  ``luna.simulators.load_profiles``. The shape is scaled so each local calendar year sums to
  ``annual_kwh``. For P25 and S25 (BDEW's profiles for households with PV, and with PV and a
  battery) that is the household's grid draw after self-consumption, as the BDEW defines them;
- PV: ``production_kwh`` is the PV system's generation from pvlib's offline Ineichen clear sky,
  Erbs split, Hay-Davies transposition and Faiman module temperature under the shared weather
  year (``luna.simulators.solar``, ``luna.simulators.weather``), x kWp x performance ratio;
- flexible loads (heat pump, EV charging), added on top of ``annual_kwh``:
  ``luna.simulators.flexible_loads``;
- own noise model: multiplicative log-normal noise with mean one, 30 % of its variance a
  day-level factor and 70 % an AR(1) across intervals (0.6 per quarter-hour), so an individual
  meter scatters around its profile without biasing the annual energy; a fixed per-system PV
  factor (0.92-1.02: shading, soiling, degradation); outliers multiply consumption by 3-10 in a
  share ``outlier_rate`` of rows; gaps drop rows in runs (about one hour long on average)
  covering a share ``gap_rate``.

Determinism: every random stream is keyed by (seed, meter_id, local year, purpose), the
weather by (seed, year) alone, so the same call gives the same frame, meters differ from each
other, all meters of a seed share one weather, and any window equals the same rows of a longer
run. The costly shared parts (profile per calendar, sun and clear sky per site, PV per
orientation, heat pump shape) are cached per process and reused across meters.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from datetime import datetime

import holidays
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from luna.simulators.flexible_loads import ev_charging, heat_pump_share
from luna.simulators.load_profiles import ProfileName, profile_year
from luna.simulators.solar import pv_output_per_kwp
from luna.simulators.stochastic import ar1, generator, run_mask
from luna.simulators.timegrid import (
    check_window,
    local_day_index,
    local_years,
    window_slice,
    year_grid,
)

COLUMNS = ("meter_id", "ts", "interval_minutes", "consumption_kwh", "production_kwh")
_DAILY_NOISE_SHARE = 0.3
_AR_PER_QUARTER_HOUR = 0.6
_GAP_MEAN_MINUTES = 60.0


class MeterSpec(BaseModel):
    """What a simulated meter measures: its load profile, annual energy, PV and flexible loads."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    meter_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")
    profile: ProfileName = "H25"
    annual_kwh: float = Field(gt=0, le=1e8, description="Energy of the BDEW profile per year.")
    pv_kwp: float = Field(default=0.0, ge=0, le=1e5, description="PV peak power; 0 = no PV.")
    pv_tilt_deg: float = Field(default=30.0, ge=0, le=90)
    pv_azimuth_deg: float = Field(default=180.0, ge=0, lt=360, description="180 = south.")
    latitude: float = Field(default=51.0, ge=-90, le=90)
    longitude: float = Field(default=10.0, ge=-180, le=180)
    state: str | None = Field(default=None, description="Bundesland for holidays, e.g. 'BY'.")
    heat_pump_kwh: float = Field(default=0.0, ge=0, le=1e7, description="Heat pump kWh/year.")
    ev_kwh: float = Field(default=0.0, ge=0, le=1e7, description="EV charging kWh/year.")
    ev_charger_kw: float = Field(default=11.0, gt=0, le=350)
    noise_sigma: float = Field(default=0.2, ge=0, le=2, description="Log-sd of the noise.")
    outlier_rate: float = Field(default=0.0005, ge=0, le=0.5)
    gap_rate: float = Field(default=0.001, ge=0, le=0.5)

    @field_validator("state")
    @classmethod
    def _known_state(cls, value: str | None) -> str | None:
        states = holidays.list_supported_countries()["DE"]
        if value is not None and value not in states:
            raise ValueError(f"unknown Bundesland {value!r}; expected one of {states}")
        return value


# Fleet archetypes: (share of the fleet, profile, annual kWh as log-normal median and sd, PV kWp
# range, share of them with PV, noise sigma). Households dominate, as in a German low-voltage
# grid; heat pumps (20 %) and EVs (15 %) go to households only.
_ARCHETYPES: tuple[
    tuple[float, ProfileName, float, float, tuple[float, float], float, float], ...
] = (
    (0.55, "H25", 3200.0, 0.35, (4.0, 10.0), 0.0, 0.35),
    (0.17, "P25", 3000.0, 0.30, (5.0, 15.0), 1.0, 0.40),
    (0.06, "S25", 2600.0, 0.30, (6.0, 15.0), 1.0, 0.40),
    (0.17, "G25", 25000.0, 0.60, (10.0, 100.0), 0.3, 0.15),
    (0.05, "L25", 30000.0, 0.50, (20.0, 150.0), 0.5, 0.25),
)
_ORIENTATIONS = ((30.0, 180.0), (35.0, 135.0), (35.0, 225.0), (20.0, 90.0), (20.0, 270.0))
# Meters 1, 4 and 5 of every fleet, when households, always have flexible loads (heat pump,
# EV): a small demo fleet then shows what load shifting does whatever the seed draws. At
# 20 % and 15 %, eight meters often draw neither (seed 42 does). Meter index → (heat pump, EV).
_SHOWCASE_FLEXIBILITY = {1: (False, True), 4: (True, False), 5: (True, True)}


def default_fleet(n: int, seed: int) -> list[MeterSpec]:
    """``n`` plausible meters "M-001", ...: mostly households, some with PV, some businesses.

    Each meter is drawn from its own stream, so ``default_fleet(10, s)`` is the first ten
    meters of ``default_fleet(100, s)``. Households 1, 4 and 5 always have an EV, a heat pump
    and both (see ``_SHOWCASE_FLEXIBILITY``).
    """
    if n < 0:
        raise ValueError(f"fleet size must be >= 0, got {n}")
    shares = np.cumsum([a[0] for a in _ARCHETYPES])
    fleet = []
    for i in range(1, n + 1):
        rng = generator(seed, "fleet", i)
        kind = int(np.searchsorted(shares, rng.random() * shares[-1], side="right"))
        _, profile, median_kwh, spread, (kwp_lo, kwp_hi), pv_share, sigma = _ARCHETYPES[kind]
        annual = float(
            np.clip(
                median_kwh * math.exp(spread * rng.standard_normal()),
                0.3 * median_kwh,
                4.0 * median_kwh,
            )
        )
        has_pv = rng.random() < pv_share
        kwp = float(rng.uniform(kwp_lo, kwp_hi))
        tilt, azimuth = _ORIENTATIONS[int(rng.integers(len(_ORIENTATIONS)))]
        household = profile in ("H25", "P25", "S25")
        heat_pump = household and rng.random() < 0.2
        ev = household and rng.random() < 0.15
        if household and i in _SHOWCASE_FLEXIBILITY:
            forced_heat_pump, forced_ev = _SHOWCASE_FLEXIBILITY[i]
            heat_pump, ev = heat_pump or forced_heat_pump, ev or forced_ev
        fleet.append(
            MeterSpec(
                meter_id=f"M-{i:03d}",
                profile=profile,
                annual_kwh=round(annual, -1),
                pv_kwp=round(kwp, 1) if has_pv else 0.0,
                pv_tilt_deg=tilt if has_pv else 30.0,
                pv_azimuth_deg=azimuth if has_pv else 180.0,
                heat_pump_kwh=round(float(rng.uniform(2500.0, 6000.0)), -1) if heat_pump else 0.0,
                ev_kwh=round(float(rng.uniform(1500.0, 3500.0)), -1) if ev else 0.0,
                noise_sigma=sigma,
            )
        )
    return fleet


def _noise(rng: np.random.Generator, days: np.ndarray, sigma: float, interval: int) -> np.ndarray:
    """Mean-one log-normal factors: a day-level part and an AR(1) part across intervals."""
    if sigma == 0.0:
        return np.ones(days.size)
    daily = rng.standard_normal(int(days[-1]) + 1)[days]
    phi = _AR_PER_QUARTER_HOUR ** (interval / 15)
    latent = math.sqrt(_DAILY_NOISE_SHARE) * daily
    latent += math.sqrt(1 - _DAILY_NOISE_SHARE) * ar1(rng, days.size, phi)
    return np.asarray(np.exp(sigma * latent - sigma * sigma / 2))


def _meter_year(
    spec: MeterSpec, year: int, interval: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Consumption, production (kWh) and the kept-row mask for one meter and local year."""
    days = local_day_index(year, interval)
    share = profile_year(spec.profile, year, interval, spec.state)
    noise = _noise(
        generator(seed, "meter", spec.meter_id, year, "noise"), days, spec.noise_sigma, interval
    )
    consumption = spec.annual_kwh * share * noise
    if spec.heat_pump_kwh > 0:
        consumption += spec.heat_pump_kwh * heat_pump_share(spec.longitude, year, interval, seed)
    if spec.ev_kwh > 0:
        rng = generator(seed, "meter", spec.meter_id, year, "ev")
        consumption += ev_charging(rng, year, interval, spec.ev_kwh, spec.ev_charger_kw)
    rng = generator(seed, "meter", spec.meter_id, year, "outliers")
    hit = rng.random(days.size) < spec.outlier_rate
    consumption[hit] *= rng.uniform(3.0, 10.0, int(hit.sum()))
    production = np.zeros(days.size)
    if spec.pv_kwp > 0:
        system = generator(seed, "meter", spec.meter_id, "pv").uniform(0.92, 1.02)
        production = (
            spec.pv_kwp
            * system
            * pv_output_per_kwp(
                spec.latitude,
                spec.longitude,
                spec.pv_tilt_deg,
                spec.pv_azimuth_deg,
                year,
                interval,
                seed,
            )
        )
    rng = generator(seed, "meter", spec.meter_id, year, "gaps")
    keep = ~run_mask(rng, days.size, spec.gap_rate, max(1.0, _GAP_MEAN_MINUTES / interval))
    return np.round(consumption, 3), np.round(production, 3), keep


def simulate_meter(
    spec: MeterSpec,
    start: datetime | pd.Timestamp,
    end: datetime | pd.Timestamp,
    *,
    interval_minutes: int = 15,
    seed: int,
) -> pd.DataFrame:
    """One meter's intervals in ``[start, end)`` (tz-aware, on the interval grid), gaps dropped."""
    lo, hi = check_window(start, end, interval_minutes)
    stamps, consumption, production = [], [], []
    for year in local_years(lo, hi):
        grid = year_grid(year, interval_minutes)
        part = window_slice(grid, lo, hi)
        used, made, keep = _meter_year(spec, year, interval_minutes, seed)
        rows = keep[part]
        stamps.append(grid[part][rows])
        consumption.append(used[part][rows])
        production.append(made[part][rows])
    ts = stamps[0].append(stamps[1:]) if len(stamps) > 1 else stamps[0]
    return pd.DataFrame(
        {
            "meter_id": pd.Series(spec.meter_id, index=range(ts.size), dtype="str"),
            "ts": ts,
            "interval_minutes": np.full(ts.size, interval_minutes, dtype=np.int64),
            "consumption_kwh": np.concatenate(consumption),
            "production_kwh": np.concatenate(production),
        }
    )


def simulate_fleet(
    specs: Iterable[MeterSpec],
    start: datetime | pd.Timestamp,
    end: datetime | pd.Timestamp,
    *,
    interval_minutes: int = 15,
    seed: int,
) -> Iterator[pd.DataFrame]:
    """One frame per meter, lazily, for a backfill; shared parts are computed once.

    The window is checked at once, before the first meter is asked for.
    """
    check_window(start, end, interval_minutes)
    return (
        simulate_meter(spec, start, end, interval_minutes=interval_minutes, seed=seed)
        for spec in specs
    )
