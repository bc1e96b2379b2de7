"""Luna's optimiser against an exact MILP and EMHASS, scenario by scenario, in one run.

    .venv/bin/python benchmarks/bench_optimiser_vs_emhass.py [--repeats 7] [--only NAME]
        [--no-emhass] [--emhass-mip-gap GAP]
    make bench-optimiser          # the same, installing EMHASS into benchmarks/.emhass-venv first

Per scenario (households, heat pumps, EVs, an SME with a peak limit; with and without binaries;
both DST days) it prints:

* Luna's cost and warm time, for the default call (``optimise()`` with explanations priced
  from the duals of one LP, ``explain="duals"``) and with ``measure_constraints=False``;
* the cost of an **exact MILP** written here from the scenario data alone (scipy's HiGHS
  ``milp``, a mode binary on every step for every pair of flows that may not meet, no Luna
  code), and the gap; target: Luna <= exact + 0.01 %;
* whether Luna's schedule violates any constraint of the scenario (checked here, on raw inputs);
* EMHASS's cost (its schedule priced with the same tariff and wear) and warm time, and the time
  ratios; target: Luna's warm time <= 0.5x EMHASS's.

EMHASS is never a dependency of Luna: it lives in its own virtual environment
(``benchmarks/.emhass-venv``, git-ignored; ``make bench-optimiser`` creates it) and is called
through ``benchmarks/_emhass_runner.py`` in a subprocess. EMHASS has no rule for windowed
reserves or cycle limits; where a scenario uses one, EMHASS solves without it and its cost is
marked ``*`` (not comparable). Its final SoC is an equality where Luna's default is "at least".
EMHASS runs with its shipped defaults (HiGHS through CVXPY, MIP gap 1 %) unless
``--emhass-mip-gap`` says otherwise. Times are medians of warm calls on this machine.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from luna.optimisation import (  # noqa: E402
    OptimisationInput,
    ScheduleResult,
    local_midnight,
    optimise,
    steps_in_local_day,
)

TZ = "Europe/Berlin"
SUMMER = date(2025, 6, 2)
WINTER = date(2025, 1, 15)
SPRING_FORWARD = date(2025, 3, 30)  # 92 quarter hours
FALL_BACK = date(2025, 10, 26)  # 100 quarter hours
EMHASS_VENV = ROOT / "benchmarks" / ".emhass-venv"
EMHASS_RUNNER = ROOT / "benchmarks" / "_emhass_runner.py"
GAP_TARGET_PCT = 0.01
RATIO_TARGET = 0.5
TOL_KWH = 1e-6


@dataclass(frozen=True)
class Scenario:
    name: str
    what: str
    problem: dict[str, Any]
    expect_binaries: bool = field(default=False)

    def input(self) -> OptimisationInput:
        return OptimisationInput(**self.problem)


# --------------------------------------------------------------------------- scenarios


def local_hours(day: date, step_minutes: int = 15) -> np.ndarray:
    """Local clock hour (fractional) at the start of each step of ``day``."""
    zone = ZoneInfo(TZ)
    start = local_midnight(day, TZ).astimezone(ZoneInfo("UTC"))
    n = steps_in_local_day(day, step_minutes, TZ)
    clocks = [(start + timedelta(minutes=step_minutes * k)).astimezone(zone) for k in range(n)]
    return np.array([c.hour + c.minute / 60 for c in clocks])


def _pv(h: np.ndarray, kwp: float, winter: bool = False) -> np.ndarray:
    if winter:
        shape = np.clip(np.sin((h - 8) / 8 * np.pi), 0, None) * 0.45
    else:
        shape = np.clip(np.sin((h - 5.5) / 15 * np.pi), 0, None) ** 1.3
    return (kwp * 0.25 * shape).round(4)


def _tou(h: np.ndarray) -> np.ndarray:
    return np.where((h >= 17) & (h < 21), 0.45, np.where(h < 6, 0.15, 0.30))


def _spot(h: np.ndarray, fees: float, dip: float = 0.0) -> np.ndarray:
    spot = 0.10 + 0.06 * np.cos((h - 19) / 24 * 2 * np.pi) + 0.01 * np.sin(h * 2.3)
    spot -= dip * np.clip(np.sin((h - 9) / 7 * np.pi), 0, None)
    return (spot + fees).round(4)


def _household_load(h: np.ndarray, base: float = 0.1) -> np.ndarray:
    bump = 0.25 * ((h >= 6.5) & (h < 8)) + 0.35 * ((h >= 17) & (h < 22))
    return (base + bump + 0.02 * np.sin(h * 1.7) ** 2).round(4)


def _sme_load(h: np.ndarray) -> np.ndarray:
    working = (h >= 7) & (h < 18)
    return (1.5 + 4.0 * working + 0.5 * np.sin(h * 0.9) ** 2).round(4)


def _battery(capacity: float, power: float, **extra: Any) -> dict[str, Any]:
    return {
        "capacity_kwh": capacity,
        "max_charge_kw": power,
        "max_discharge_kw": power,
        "soc_min_fraction": 0.1,
        "soc_max_fraction": 0.9,
        "initial_soc_fraction": 0.5,
        "throughput_cost_eur_kwh": 0.01,
        **extra,
    }


def _base(day: date, h: np.ndarray, **fields: Any) -> dict[str, Any]:
    return {"start": local_midnight(day, TZ), "timezone": TZ, "step_minutes": 15, **fields}


def scenarios() -> list[Scenario]:
    """The benchmark's scenarios, all built here from closed-form profiles."""
    out: list[Scenario] = []

    h = local_hours(SUMMER)
    out.append(
        Scenario(
            "household_lp",
            "summer, 6 kWp, 10 kWh battery, ToU tariff",
            _base(
                SUMMER,
                h,
                import_price_eur_kwh=_tou(h).tolist(),
                export_price_eur_kwh=0.08,
                load_kwh=_household_load(h).tolist(),
                pv_kwh=_pv(h, 6).tolist(),
                grid={"max_import_kw": 11, "max_export_kw": 7},
                battery=_battery(10, 5),
            ),
        )
    )
    appliances = [
        {
            "name": "dishwasher",
            "power_kw": 2.0,
            "energy_kwh": 1.5,
            "power_mode": "fixed",
            "single_block": True,
            "earliest_start": 76,
            "latest_end": 96,
        },
        {
            "name": "washer",
            "power_kw": 2.2,
            "energy_kwh": 2.0,
            "power_mode": "fixed",
            "single_block": True,
            "earliest_start": 32,
            "latest_end": 72,
        },
        {
            "name": "dryer",
            "power_kw": 2.5,
            "energy_kwh": 2.5,
            "power_mode": "fixed",
            "earliest_start": 40,
            "latest_end": 88,
        },
    ]
    out.append(
        Scenario(
            "household_3_appliances",
            "summer, battery, dishwasher + washer (single block) + dryer (on/off), windows",
            _base(
                SUMMER,
                h,
                import_price_eur_kwh=_spot(h, 0.20).tolist(),
                export_price_eur_kwh=0.08,
                load_kwh=_household_load(h).tolist(),
                pv_kwh=_pv(h, 6).tolist(),
                grid={"max_import_kw": 11, "max_export_kw": 7},
                battery=_battery(10, 5),
                deferrable_loads=appliances,
            ),
            expect_binaries=True,
        )
    )
    out.append(
        Scenario(
            "ev_variable_pv_only",
            "summer, battery, EV 11 kW 30 kWh by 07:00, charge_from_pv_only",
            _base(
                SUMMER,
                h,
                import_price_eur_kwh=_tou(h).tolist(),
                export_price_eur_kwh=0.08,
                load_kwh=_household_load(h).tolist(),
                pv_kwh=_pv(h, 8).tolist(),
                grid={"max_import_kw": 17, "max_export_kw": 7},
                battery=_battery(10, 5),
                deferrable_loads=[
                    {"name": "ev", "power_kw": 11, "energy_kwh": 30, "latest_end": 28}
                ],
                rules=[{"kind": "charge_from_pv_only"}],
            ),
        )
    )
    out.append(
        Scenario(
            "ev_fixed_evening",
            "summer, no battery, EV fixed 11 kW (on/off) 22 kWh 17:00-24:00",
            _base(
                SUMMER,
                h,
                import_price_eur_kwh=_spot(h, 0.20).tolist(),
                export_price_eur_kwh=0.08,
                load_kwh=_household_load(h).tolist(),
                pv_kwh=_pv(h, 6).tolist(),
                grid={"max_import_kw": 17, "max_export_kw": 7},
                deferrable_loads=[
                    {
                        "name": "ev",
                        "power_kw": 11,
                        "energy_kwh": 22,
                        "power_mode": "fixed",
                        "earliest_start": 68,
                    }
                ],
            ),
            expect_binaries=True,
        )
    )
    spot = _spot(h, 0.0, dip=0.25)
    out.append(
        Scenario(
            "negative_prices",
            "summer, battery, dynamic tariff with negative midday spot (feed-in = spot)",
            _base(
                SUMMER,
                h,
                import_price_eur_kwh=(spot + 0.18).round(4).tolist(),
                export_price_eur_kwh=spot.tolist(),
                load_kwh=_household_load(h).tolist(),
                pv_kwh=_pv(h, 8).tolist(),
                grid={"max_import_kw": 17, "max_export_kw": 8},
                battery=_battery(10, 5),
            ),
            expect_binaries=True,
        )
    )
    out.append(
        Scenario(
            "site_rules",
            "summer, battery, pv-only charging, no battery export, 1 cycle, final SoC equal, "
            "§ 14a dimming, dishwasher",
            _base(
                SUMMER,
                h,
                import_price_eur_kwh=_tou(h).tolist(),
                export_price_eur_kwh=0.08,
                load_kwh=_household_load(h).tolist(),
                pv_kwh=_pv(h, 6).tolist(),
                grid={"max_import_kw": 11, "max_export_kw": 7},
                battery=_battery(10, 5, final_soc_mode="equal"),
                deferrable_loads=[appliances[0]],
                rules=[
                    {"kind": "charge_from_pv_only"},
                    {"kind": "no_battery_export"},
                    {"kind": "max_cycles_per_day", "value": 1},
                    {"kind": "grid_dimming", "value": 4.2, "between": ["17:00", "20:00"]},
                ],
            ),
            expect_binaries=True,
        )
    )

    h = local_hours(WINTER)
    out.append(
        Scenario(
            "heat_pump_lp",
            "winter, battery, heat-pump buffer 3 kW 14 kWh, § 14a dimming 17-20",
            _base(
                WINTER,
                h,
                import_price_eur_kwh=_spot(h, 0.20).tolist(),
                export_price_eur_kwh=0.08,
                load_kwh=_household_load(h, 0.15).tolist(),
                pv_kwh=_pv(h, 6, winter=True).tolist(),
                grid={"max_import_kw": 11, "max_export_kw": 7},
                battery=_battery(10, 5),
                deferrable_loads=[{"name": "heat_pump", "power_kw": 3, "energy_kwh": 14}],
                rules=[{"kind": "grid_dimming", "value": 4.2, "between": ["17:00", "20:00"]}],
            ),
        )
    )
    out.append(
        Scenario(
            "heat_pump_onoff",
            "winter, no battery, heat pump fixed 3 kW on/off 12 kWh, reserve rule n/a",
            _base(
                WINTER,
                h,
                import_price_eur_kwh=_spot(h, 0.20).tolist(),
                export_price_eur_kwh=0.08,
                load_kwh=_household_load(h, 0.15).tolist(),
                pv_kwh=_pv(h, 6, winter=True).tolist(),
                grid={"max_import_kw": 11, "max_export_kw": 7},
                deferrable_loads=[
                    {"name": "heat_pump", "power_kw": 3, "energy_kwh": 12, "power_mode": "fixed"}
                ],
            ),
            expect_binaries=True,
        )
    )

    h = local_hours(SUMMER)
    sme_price = _spot(h, 0.16)
    out.append(
        Scenario(
            "sme_peak_lp",
            "SME, 40 kWp, 60 kWh battery, cooling 10 kW 40 kWh 06-18, peak limit 25 kW, "
            "1 cycle/day",
            _base(
                SUMMER,
                h,
                import_price_eur_kwh=sme_price.tolist(),
                export_price_eur_kwh=0.07,
                load_kwh=_sme_load(h).tolist(),
                pv_kwh=_pv(h, 40).tolist(),
                grid={"max_import_kw": 80, "max_export_kw": 40},
                battery=_battery(60, 30),
                deferrable_loads=[
                    {
                        "name": "cooling",
                        "power_kw": 10,
                        "energy_kwh": 40,
                        "earliest_start": 24,
                        "latest_end": 72,
                    }
                ],
                rules=[
                    {"kind": "max_import_kw", "value": 25},
                    {"kind": "max_cycles_per_day", "value": 1},
                ],
            ),
        )
    )
    out.append(
        Scenario(
            "sme_peak_machines",
            "SME, battery, compressor + pump (on/off) + oven (single block), windows, peak 40 kW",
            _base(
                SUMMER,
                h,
                import_price_eur_kwh=sme_price.tolist(),
                export_price_eur_kwh=0.07,
                load_kwh=_sme_load(h).tolist(),
                pv_kwh=_pv(h, 40).tolist(),
                grid={"max_import_kw": 80, "max_export_kw": 40},
                battery=_battery(60, 30),
                deferrable_loads=[
                    {
                        "name": "compressor",
                        "power_kw": 7.5,
                        "energy_kwh": 15,
                        "power_mode": "fixed",
                        "earliest_start": 24,
                        "latest_end": 72,
                    },
                    {
                        "name": "oven",
                        "power_kw": 12,
                        "energy_kwh": 6,
                        "power_mode": "fixed",
                        "single_block": True,
                        "earliest_start": 28,
                        "latest_end": 60,
                    },
                    {"name": "pump", "power_kw": 4, "energy_kwh": 8, "power_mode": "fixed"},
                ],
                rules=[{"kind": "max_import_kw", "value": 40}],
            ),
            expect_binaries=True,
        )
    )

    h = local_hours(SPRING_FORWARD)
    out.append(
        Scenario(
            "dst_spring_household",
            "30.03.2025 (92 steps), battery, dishwasher (single block), EV 11 kW 20 kWh",
            _base(
                SPRING_FORWARD,
                h,
                import_price_eur_kwh=_spot(h, 0.20).tolist(),
                export_price_eur_kwh=0.08,
                load_kwh=_household_load(h).tolist(),
                pv_kwh=_pv(h, 6).tolist(),
                grid={"max_import_kw": 17, "max_export_kw": 7},
                battery=_battery(10, 5),
                deferrable_loads=[
                    {**appliances[0], "earliest_start": 60, "latest_end": 92},
                    {"name": "ev", "power_kw": 11, "energy_kwh": 20},
                ],
            ),
            expect_binaries=True,
        )
    )
    h = local_hours(FALL_BACK)
    out.append(
        Scenario(
            "dst_fall_heat_pump",
            "26.10.2025 (100 steps), battery, heat pump 3 kW 12 kWh, no battery export, "
            "1 cycle/day, final SoC equal",
            _base(
                FALL_BACK,
                h,
                import_price_eur_kwh=_spot(h, 0.20).tolist(),
                export_price_eur_kwh=0.08,
                load_kwh=_household_load(h, 0.15).tolist(),
                pv_kwh=_pv(h, 6, winter=True).tolist(),
                grid={"max_import_kw": 11, "max_export_kw": 7},
                battery=_battery(10, 5, final_soc_mode="equal"),
                deferrable_loads=[{"name": "heat_pump", "power_kw": 3, "energy_kwh": 12}],
                rules=[
                    {"kind": "no_battery_export"},
                    {"kind": "max_cycles_per_day", "value": 1},
                ],
            ),
        )
    )
    return out


# --------------------------------------------------------------------------- exact MILP


@dataclass(frozen=True)
class Site:
    """A scenario's data on its step grid (kWh per step), read from the raw problem dict."""

    n: int
    hours: float
    local: list[datetime]
    import_price: np.ndarray
    export_price: np.ndarray
    load: np.ndarray
    pv: np.ndarray
    import_max: np.ndarray
    export_max: np.ndarray
    curtail_max: np.ndarray
    battery: dict[str, Any] | None
    soc_min: np.ndarray
    soc_max: np.ndarray
    initial: float
    final: float
    final_equal: bool
    no_grid_charging: np.ndarray
    no_battery_export: np.ndarray
    cycle_kwh: float | None
    days: list[np.ndarray]
    loads: list[dict[str, Any]]


def _clock_mask(local: list[datetime], between: list[str] | None) -> np.ndarray:
    if between is None:
        return np.ones(len(local), dtype=bool)
    lo, hi = (datetime.strptime(b, "%H:%M").time() for b in between)
    clocks = [c.time() for c in local]
    if lo < hi:
        return np.array([lo <= c < hi for c in clocks])
    if lo > hi:
        return np.array([c >= lo or c < hi for c in clocks])
    return np.ones(len(local), dtype=bool)


def site_of(problem: dict[str, Any]) -> Site:
    """Everything the exact model and the checker need, computed from the scenario alone."""
    n = len(problem["import_price_eur_kwh"])
    hours = problem["step_minutes"] / 60
    start = problem["start"].astimezone(ZoneInfo("UTC"))
    zone = ZoneInfo(problem["timezone"])
    local = [(start + timedelta(hours=hours * k)).astimezone(zone) for k in range(n)]
    export_price = problem["export_price_eur_kwh"]
    if not isinstance(export_price, list):
        export_price = [export_price] * n
    load = np.asarray(problem["load_kwh"], dtype=float)
    pv = np.asarray(problem["pv_kwh"], dtype=float)
    import_max = np.full(n, problem["grid"]["max_import_kw"] * hours)
    export_max = np.full(n, problem["grid"]["max_export_kw"] * hours)
    battery = problem.get("battery")
    cap = battery["capacity_kwh"] if battery else 0.0
    soc_min = np.full(n, battery["soc_min_fraction"] * cap if battery else 0.0)
    no_grid_charging = np.zeros(n, dtype=bool)
    no_battery_export = np.zeros(n, dtype=bool)
    cycle_kwh = None
    for rule in problem.get("rules", []):
        mask = _clock_mask(local, rule.get("between"))
        kind = rule["kind"]
        if kind == "max_import_kw":
            import_max = np.where(mask, np.minimum(import_max, rule["value"] * hours), import_max)
        elif kind == "grid_dimming":
            dimmed = load + rule["value"] * hours
            import_max = np.where(mask, np.minimum(import_max, dimmed), import_max)
        elif kind in ("max_export_kw", "no_export"):
            value = rule.get("value", 0.0) * hours
            export_max = np.where(mask, np.minimum(export_max, value), export_max)
        elif kind == "min_soc":
            soc_min = np.where(mask, np.maximum(soc_min, rule["value_pct"] / 100 * cap), soc_min)
        elif kind == "charge_from_pv_only":
            no_grid_charging |= mask
        elif kind == "no_battery_export":
            no_battery_export |= mask
        elif kind == "max_cycles_per_day":
            value = rule["value"] * cap
            cycle_kwh = value if cycle_kwh is None else min(cycle_kwh, value)
        else:
            raise ValueError(f"the exact model does not know rule {kind!r}")
    dates = np.array([c.date().toordinal() for c in local])
    days = [np.flatnonzero(dates == d) for d in np.unique(dates)]
    initial = battery["initial_soc_fraction"] * cap if battery else 0.0
    if battery and battery.get("final_soc_min_fraction") is not None:
        final = battery["final_soc_min_fraction"] * cap
    elif battery:
        final = min(
            max(initial, battery["soc_min_fraction"] * cap), battery["soc_max_fraction"] * cap
        )
    else:
        final = 0.0
    loads = []
    for d in problem.get("deferrable_loads", []):
        per_step = d["power_kw"] * hours
        energy = d["energy_kwh"]
        if d.get("power_mode") == "fixed":
            energy = math.ceil(energy / per_step - 1e-9) * per_step
        end = d.get("latest_end")
        loads.append(
            {
                **d,
                "per_step": per_step,
                "energy": energy,
                "first": d.get("earliest_start", 0),
                "end": n if end is None else end,
            }
        )
    return Site(
        n=n,
        hours=hours,
        local=local,
        import_price=np.asarray(problem["import_price_eur_kwh"], dtype=float),
        export_price=np.asarray(export_price, dtype=float),
        load=load,
        pv=pv,
        import_max=import_max,
        export_max=export_max,
        curtail_max=pv if problem.get("allow_pv_curtailment", True) else np.zeros(n),
        battery=battery,
        soc_min=soc_min,
        soc_max=np.full(n, battery["soc_max_fraction"] * cap if battery else 0.0),
        initial=initial,
        final=final,
        final_equal=bool(battery and battery.get("final_soc_mode") == "equal"),
        no_grid_charging=no_grid_charging,
        no_battery_export=no_battery_export,
        cycle_kwh=cycle_kwh,
        days=days,
        loads=loads,
    )


class _Milp:
    """Columns and sparse rows for scipy's ``milp``."""

    def __init__(self) -> None:
        self.lb: list[float] = []
        self.ub: list[float] = []
        self.c: list[float] = []
        self.integer: list[int] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.row_lb: list[float] = []
        self.row_ub: list[float] = []

    def var(self, n: int, lb: Any, ub: Any, cost: Any = 0.0, integer: bool = False) -> np.ndarray:
        first = len(self.lb)
        self.lb += np.broadcast_to(np.asarray(lb, float), n).tolist()
        self.ub += np.broadcast_to(np.asarray(ub, float), n).tolist()
        self.c += np.broadcast_to(np.asarray(cost, float), n).tolist()
        self.integer += [int(integer)] * n
        return np.arange(first, first + n)

    def row(self, terms: list[tuple[int, float]], lb: float, ub: float) -> None:
        r = len(self.row_lb)
        for col, val in terms:
            self.rows.append(r)
            self.cols.append(int(col))
            self.vals.append(float(val))
        self.row_lb.append(lb)
        self.row_ub.append(ub)

    def exclusive(self, a: int, a_max: float, b: int, b_max: float) -> None:
        """``a > 0`` and ``b > 0`` never at once: a <= a_max·y, b <= b_max·(1 - y)."""
        y = int(self.var(1, 0, 1, integer=True)[0])
        self.row([(a, 1.0), (y, -a_max)], -np.inf, 0.0)
        self.row([(b, 1.0), (y, b_max)], -np.inf, b_max)


@dataclass(frozen=True)
class Exact:
    cost: float
    seconds: float
    binaries: int
    status: str


def exact_milp(problem: dict[str, Any], mip_gap: float = 1e-9) -> Exact:
    """The scenario as one MILP, written from its data alone (EMHASS-style mode binaries)."""
    s = site_of(problem)
    n = s.n
    m = _Milp()
    imp = m.var(n, 0, s.import_max, s.import_price)
    exp = m.var(n, 0, s.export_max, -s.export_price)
    curt = m.var(n, 0, s.curtail_max)
    b = s.battery
    ch = dis = soc = None
    if b is not None:
        ch_max, dis_max = b["max_charge_kw"] * s.hours, b["max_discharge_kw"] * s.hours
        ch = m.var(n, 0, ch_max)
        dis = m.var(n, 0, dis_max, b.get("throughput_cost_eur_kwh", 0.01))
        lo, hi = s.soc_min.copy(), s.soc_max.copy()
        lo[-1] = max(lo[-1], s.final)
        if s.final_equal:
            hi[-1] = s.final
        soc = m.var(n, lo, hi)
    load_cols = []
    for d in s.loads:
        inside = np.zeros(n, dtype=bool)
        inside[d["first"] : d["end"]] = True
        cols = m.var(n, 0, np.where(inside, d["per_step"], 0.0))
        load_cols.append(cols)
        m.row([(cols[t], 1.0) for t in np.flatnonzero(inside)], d["energy"], d["energy"])
        if d.get("power_mode") != "fixed":
            continue
        at = np.flatnonzero(inside)
        if d.get("single_block"):
            length = round(d["energy"] / d["per_step"])
            starts = list(range(d["first"], d["end"] - length + 1))
            x = m.var(len(starts), 0, 1, integer=True)
            m.row([(c, 1.0) for c in x], 1.0, 1.0)
            for t in at:
                covering = [x[i] for i, s0 in enumerate(starts) if s0 <= t < s0 + length]
                m.row([(cols[t], 1.0)] + [(c, -d["per_step"]) for c in covering], 0.0, 0.0)
        else:
            on = m.var(len(at), 0, 1, integer=True)
            for t, o in zip(at, on, strict=True):
                m.row([(cols[t], 1.0), (o, -d["per_step"])], 0.0, 0.0)
    for t in range(n):
        terms = [(imp[t], 1.0), (exp[t], -1.0), (curt[t], -1.0)]
        terms += [(cols[t], -1.0) for cols in load_cols]
        if ch is not None and dis is not None:
            terms += [(dis[t], 1.0), (ch[t], -1.0)]
        rhs = s.load[t] - s.pv[t]
        m.row(terms, rhs, rhs)
        m.exclusive(imp[t], s.import_max[t], exp[t], s.export_max[t])
    if b is not None and ch is not None and dis is not None and soc is not None:
        eta_c = b.get("charge_efficiency", 0.95)
        eta_d = b.get("discharge_efficiency", 0.95)
        for t in range(n):
            terms = [(soc[t], 1.0), (ch[t], -eta_c), (dis[t], 1 / eta_d)]
            if t:
                terms.append((soc[t - 1], -1.0))
            start = s.initial if t == 0 else 0.0
            m.row(terms, start, start)
            m.exclusive(ch[t], ch_max, dis[t], dis_max)
            if s.no_grid_charging[t]:
                m.exclusive(ch[t], ch_max, imp[t], s.import_max[t])
            if s.no_battery_export[t]:
                m.exclusive(dis[t], dis_max, exp[t], s.export_max[t])
        if s.cycle_kwh is not None:
            for day in s.days:
                m.row([(dis[t], 1 / eta_d) for t in day], -np.inf, s.cycle_kwh)
    a = coo_matrix((m.vals, (m.rows, m.cols)), shape=(len(m.row_lb), len(m.lb))).tocsr()
    started = time.perf_counter()
    res = milp(
        np.asarray(m.c),
        integrality=np.asarray(m.integer),
        bounds=Bounds(np.asarray(m.lb), np.asarray(m.ub)),
        constraints=LinearConstraint(a, np.asarray(m.row_lb), np.asarray(m.row_ub)),
        options={"mip_rel_gap": mip_gap, "time_limit": 300, "presolve": True},
    )
    seconds = time.perf_counter() - started
    if res.x is None:
        return Exact(math.nan, seconds, sum(m.integer), res.message)
    return Exact(float(res.fun), seconds, sum(m.integer), "optimal" if res.success else res.message)


# --------------------------------------------------------------------------- checks


def violations(problem: dict[str, Any], result: ScheduleResult) -> list[str]:
    """Every constraint of the scenario that Luna's schedule breaks (empty: none)."""
    s = site_of(problem)
    tol = TOL_KWH
    steps = result.steps
    imp = np.array([st.grid_import_kwh for st in steps])
    exp = np.array([st.grid_export_kwh for st in steps])
    ch = np.array([st.battery_charge_kwh for st in steps])
    dis = np.array([st.battery_discharge_kwh for st in steps])
    curt = np.array([st.pv_curtailed_kwh for st in steps])
    loads = {d["name"]: np.array([st.deferrable_kwh[d["name"]] for st in steps]) for d in s.loads}
    found: list[str] = []

    def check(ok: bool | np.bool_, what: str) -> None:
        if not ok:
            found.append(what)

    check(len(steps) == s.n, "number of steps")
    balance = s.pv - curt + imp + dis - s.load - sum(loads.values(), np.zeros(s.n)) - ch - exp
    check(np.abs(balance).max() <= tol, "energy balance")
    check(((curt >= -tol) & (curt <= s.curtail_max + tol)).all(), "curtailment bounds")
    check(((imp >= -tol) & (imp <= s.import_max + tol)).all(), "import limit / peak / dimming")
    check(((exp >= -tol) & (exp <= s.export_max + tol)).all(), "export limit")
    check(np.minimum(imp, exp).max() <= tol, "import and export at once")
    b = s.battery
    if b is not None:
        check(((ch >= -tol) & (ch <= b["max_charge_kw"] * s.hours + tol)).all(), "charge power")
        check(
            ((dis >= -tol) & (dis <= b["max_discharge_kw"] * s.hours + tol)).all(),
            "discharge power",
        )
        check(np.minimum(ch, dis).max() <= tol, "charge and discharge at once")
        eta_c = b.get("charge_efficiency", 0.95)
        eta_d = b.get("discharge_efficiency", 0.95)
        soc = s.initial + np.cumsum(eta_c * ch - dis / eta_d)
        reported = np.array([st.soc_kwh for st in steps], dtype=float)
        check(np.abs(soc - reported).max() <= 1e-5, "SoC dynamics")
        check((soc >= s.soc_min - 1e-5).all(), "minimum SoC / reserve")
        check((soc <= s.soc_max + 1e-5).all(), "maximum SoC")
        if s.final_equal:
            check(abs(soc[-1] - s.final) <= 1e-5, "final SoC (equal)")
        else:
            check(soc[-1] >= s.final - 1e-5, "final SoC (at least)")
        check(np.minimum(ch, imp)[s.no_grid_charging].max(initial=0) <= tol, "charge_from_pv_only")
        check(np.minimum(dis, exp)[s.no_battery_export].max(initial=0) <= tol, "no_battery_export")
        if s.cycle_kwh is not None:
            for day in s.days:
                check(dis[day].sum() / eta_d <= s.cycle_kwh + 1e-5, "cycle limit")
    for d in s.loads:
        energy = loads[d["name"]]
        inside = np.zeros(s.n, dtype=bool)
        inside[d["first"] : d["end"]] = True
        check(np.abs(energy[~inside]).sum() <= tol, f"{d['name']} outside its window")
        check(abs(energy.sum() - d["energy"]) <= 1e-5, f"{d['name']} energy")
        check(((energy >= -tol) & (energy <= d["per_step"] + tol)).all(), f"{d['name']} power")
        if d.get("power_mode") == "fixed":
            on = energy > tol
            check(np.abs(energy[on] - d["per_step"]).max(initial=0) <= 1e-5, f"{d['name']} fixed")
            if d.get("single_block"):
                runs = np.flatnonzero(np.diff(np.r_[0, on.astype(int), 0]) == 1)
                check(len(runs) <= 1, f"{d['name']} single block")
    return found


# --------------------------------------------------------------------------- EMHASS


def emhass_request(problem: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The scenario in EMHASS's terms, and what EMHASS cannot express."""
    s = site_of(problem)
    to_w = 1000 / s.hours
    unmapped: list[str] = []
    for rule in problem.get("rules", []):
        flag = rule["kind"] in ("charge_from_pv_only", "no_battery_export")
        if rule["kind"] in ("min_soc", "max_cycles_per_day") or (flag and rule.get("between")):
            unmapped.append(rule["kind"])
    b = s.battery
    config: dict[str, Any] = {
        "optimization_time_step": problem["step_minutes"],
        "delta_forecast_daily": 1,
        "costfun": "profit",
        "set_use_pv": True,
        "compute_curtailment": problem.get("allow_pv_curtailment", True),
        "maximum_power_from_grid": (s.import_max * to_w).tolist(),
        "maximum_power_to_grid": (s.export_max * to_w).tolist(),
        "set_use_battery": b is not None,
        "set_nocharge_from_grid": bool(s.no_grid_charging.all()) and b is not None,
        "set_nodischarge_to_grid": bool(s.no_battery_export.all()) and b is not None,
        "number_of_deferrable_loads": len(s.loads),
    }
    if b is not None:
        config |= {
            "battery_nominal_energy_capacity": b["capacity_kwh"] * 1000,
            "battery_charge_power_max": b["max_charge_kw"] * 1000,
            "battery_discharge_power_max": b["max_discharge_kw"] * 1000,
            "battery_charge_efficiency": b.get("charge_efficiency", 0.95),
            "battery_discharge_efficiency": b.get("discharge_efficiency", 0.95),
            "battery_minimum_state_of_charge": b["soc_min_fraction"],
            "battery_maximum_state_of_charge": b["soc_max_fraction"],
            "battery_target_state_of_charge": s.final / b["capacity_kwh"],
            "weight_battery_discharge": b.get("throughput_cost_eur_kwh", 0.01),
            "weight_battery_charge": 0.0,
        }
    k = len(s.loads)
    config |= {
        "nominal_power_of_deferrable_loads": [d["power_kw"] * 1000 for d in s.loads],
        "operating_hours_of_each_deferrable_load": [d["energy"] / d["power_kw"] for d in s.loads],
        "minimum_power_of_deferrable_loads": [0.0] * k,
        "cost_forecast_per_deferrable_load": [None] * k,
        "is_electric_load": [True] * k,
        "start_timesteps_of_each_deferrable_load": [d["first"] for d in s.loads],
        "end_timesteps_of_each_deferrable_load": [
            0 if d["end"] >= s.n else d["end"] for d in s.loads
        ],
        "treat_deferrable_load_as_semi_cont": [d.get("power_mode") == "fixed" for d in s.loads],
        "set_deferrable_load_single_constant": [bool(d.get("single_block")) for d in s.loads],
        "set_deferrable_startup_penalty": [0.0] * k,
        "deferrable_load_max_cost": [0.0] * k,
        "set_deferrable_max_startups": [0] * k,
        "def_minimum_on_time": [0] * k,
        "def_minimum_off_time": [0] * k,
    }
    request = {
        "start_utc": problem["start"].astimezone(ZoneInfo("UTC")).isoformat(),
        "step_minutes": problem["step_minutes"],
        "timezone": problem["timezone"],
        "load_w": (s.load * to_w).tolist(),
        "pv_w": (s.pv * to_w).tolist(),
        "import_price": s.import_price.tolist(),
        "export_price": s.export_price.tolist(),
        "soc_init": s.initial / b["capacity_kwh"] if b else None,
        "soc_final": s.final / b["capacity_kwh"] if b else None,
        "config": config,
    }
    return request, unmapped


def run_emhass(
    requests: list[dict[str, Any]], repeats: int, mip_gap: float | None
) -> tuple[str, list[dict[str, Any]]]:
    """EMHASS's results per scenario, or a reason why EMHASS could not run."""
    python = EMHASS_VENV / "bin" / "python"
    if not python.exists():
        return (
            f"EMHASS not installed ({python} missing; `make bench-optimiser` installs it)",
            [],
        )
    if mip_gap is not None:
        for request in requests:
            request["config"]["lp_solver_mip_rel_gap"] = mip_gap
    with tempfile.TemporaryDirectory() as tmp:
        answer = Path(tmp) / "emhass.json"
        done = subprocess.run(
            [str(python), str(EMHASS_RUNNER), str(answer)],
            input=json.dumps({"repeats": repeats, "scenarios": requests}, default=str),
            capture_output=True,
            text=True,
            timeout=1800,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        if done.returncode != 0 or not answer.exists():
            return f"EMHASS failed (rc {done.returncode}): {done.stderr.strip()[-400:]}", []
        data = json.loads(answer.read_text())
    return f"EMHASS {data['version']}", data["results"]


def emhass_cost(problem: dict[str, Any], columns: dict[str, list[float]]) -> float:
    """EMHASS's schedule priced like Luna's: import cost - feed-in revenue + wear."""
    s = site_of(problem)
    kwh = s.hours / 1000
    imp = np.asarray(columns["P_grid_pos"]) * kwh
    exp = -np.asarray(columns["P_grid_neg"]) * kwh
    cost = float(s.import_price @ imp - s.export_price @ exp)
    if s.battery is not None and "P_batt" in columns:
        discharge = np.clip(np.asarray(columns["P_batt"]), 0, None) * kwh
        cost += s.battery.get("throughput_cost_eur_kwh", 0.01) * float(discharge.sum())
    return cost


# --------------------------------------------------------------------------- Luna


def warm_ms(call: Callable[[], object], repeats: int) -> float:
    call()  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times)


@dataclass
class Row:
    scenario: Scenario
    luna_cost: float
    luna_binaries: int
    luna_ms: float
    luna_lean_ms: float
    explained: int
    exact: Exact
    broken: list[str]
    emhass_cost: float | None = None
    emhass_ms: float | None = None
    emhass_status: str = ""
    unmapped: list[str] = field(default_factory=list)

    @property
    def gap_pct(self) -> float:
        return 100 * (self.luna_cost - self.exact.cost) / max(abs(self.exact.cost), 1e-9)

    @property
    def gap_ok(self) -> bool:
        return (
            self.luna_cost <= self.exact.cost + GAP_TARGET_PCT / 100 * abs(self.exact.cost) + 1e-6
        )


def measure_luna(scenario: Scenario, repeats: int) -> Row:
    problem = scenario.input()
    result = optimise(problem)
    return Row(
        scenario=scenario,
        luna_cost=result.total_cost_eur,
        luna_binaries=result.binaries,
        luna_ms=warm_ms(lambda: optimise(problem), repeats),
        luna_lean_ms=warm_ms(lambda: optimise(problem, measure_constraints=False), repeats),
        explained=len(result.binding_constraints),
        exact=exact_milp(scenario.problem),
        broken=violations(scenario.problem, result),
    )


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None or math.isnan(value) else format(value, spec)


def report(rows: list[Row], emhass_words: str, mip_gap: float | None) -> bool:
    print(f"Luna vs exact MILP vs {emhass_words}")
    gap = "EMHASS default (1 %)" if mip_gap is None else f"{mip_gap:g}"
    print(f"EMHASS MIP gap: {gap}; times: median warm calls, ms, this machine\n")
    head = (
        f"{'scenario':<24}{'bin':>4}{'luna EUR':>10}{'exact EUR':>10}{'gap %':>9}{'ok':>4}"
        f"{'viol':>5}{'luna ms':>9}{'lean ms':>9}{'emhass EUR':>12}{'emh ms':>8}"
        f"{'ratio':>7}{'lean r':>7}"
    )
    print(head)
    print("-" * len(head))
    all_ok = True
    for r in rows:
        ratio = lean = None
        if r.emhass_ms:
            ratio, lean = r.luna_ms / r.emhass_ms, r.luna_lean_ms / r.emhass_ms
        star = "*" if r.unmapped else " "
        ok = r.gap_ok and not r.broken
        all_ok &= ok
        print(
            f"{r.scenario.name:<24}{r.luna_binaries:>4}{r.luna_cost:>10.4f}"
            f"{r.exact.cost:>10.4f}{r.gap_pct:>9.4f}{'yes' if r.gap_ok else 'NO':>4}"
            f"{len(r.broken):>5}{r.luna_ms:>9.1f}{r.luna_lean_ms:>9.1f}"
            f"{_fmt(r.emhass_cost, '.4f'):>11}{star}{_fmt(r.emhass_ms, '.1f'):>8}"
            f"{_fmt(ratio, '.2f'):>7}{_fmt(lean, '.2f'):>7}"
        )
    print()
    for r in rows:
        if r.broken:
            print(f"  {r.scenario.name}: violated {', '.join(r.broken)}")
        if r.unmapped:
            print(f"  * {r.scenario.name}: EMHASS solved without {', '.join(r.unmapped)}")
        if r.emhass_status and r.emhass_status.lower() != "optimal":
            print(f"  {r.scenario.name}: EMHASS status {r.emhass_status}")
    ratios = [r.luna_ms / r.emhass_ms for r in rows if r.emhass_ms]
    if ratios:
        worst = max(ratios)
        print(
            f"\nworst time ratio (default call) {worst:.2f} "
            f"({'meets' if worst <= RATIO_TARGET else 'misses'} the {RATIO_TARGET}x target); "
            f"worst lean ratio {max(r.luna_lean_ms / r.emhass_ms for r in rows if r.emhass_ms):.2f}"
        )
    verdict = "all" if all_ok else "NOT all"
    print(f"cost within exact + {GAP_TARGET_PCT} % and no violations: {verdict}")
    return all_ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--only", action="append", help="scenario name (repeatable)")
    parser.add_argument("--no-emhass", action="store_true")
    parser.add_argument("--emhass-mip-gap", type=float, default=None)
    args = parser.parse_args()
    chosen = [s for s in scenarios() if not args.only or s.name in args.only]
    rows = [measure_luna(s, args.repeats) for s in chosen]
    words = "EMHASS (skipped: --no-emhass)"
    if not args.no_emhass:
        requests = [emhass_request(s.problem) for s in chosen]
        words, results = run_emhass([r for r, _ in requests], args.repeats, args.emhass_mip_gap)
        for row, (_, unmapped), res in zip(rows, requests, results, strict=False):
            row.unmapped = unmapped
            row.emhass_status = res.get("status", "?")
            if "columns" in res:
                row.emhass_cost = emhass_cost(row.scenario.problem, res["columns"])
                row.emhass_ms = 1000 * res["warm_s"]
    ok = report(rows, words, args.emhass_mip_gap)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
