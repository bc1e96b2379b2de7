"""Known days for the optimiser tests, and a checker that every physical constraint holds."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from luna.optimisation import OptimisationInput, ScheduleResult, local_midnight, steps_in_local_day
from luna.optimisation.horizon import StepGrid

SUMMER_MONDAY = date(2025, 6, 2)
SPRING_FORWARD = date(2025, 3, 30)  # 02:00 -> 03:00 in Berlin: 92 quarter hours
FALL_BACK = date(2025, 10, 26)  # 03:00 -> 02:00 in Berlin: 100 quarter hours

BATTERY: dict[str, Any] = {
    "capacity_kwh": 10.0,
    "max_charge_kw": 5.0,
    "max_discharge_kw": 5.0,
    "charge_efficiency": 0.95,
    "discharge_efficiency": 0.95,
    "soc_min_fraction": 0.1,
    "soc_max_fraction": 0.9,
    "initial_soc_fraction": 0.5,
    "throughput_cost_eur_kwh": 0.01,
}


def local_hours(day: date) -> np.ndarray:
    """Local clock hour (fractional) at the start of each quarter hour of ``day``."""
    grid = StepGrid(local_midnight(day), 15, steps_in_local_day(day, 15))
    return np.array([b.hour + b.minute / 60 for b in grid.boundaries[:-1]])


def known_day(day: date = SUMMER_MONDAY, **overrides: Any) -> dict[str, Any]:
    """Cheap night (0.15), dear evening (0.45), 0.30 otherwise; 6 kW PV peak; battery at 50 %."""
    hours = local_hours(day)
    price = np.where((hours >= 17) & (hours < 21), 0.45, np.where(hours < 6, 0.15, 0.30))
    pv = np.clip(np.sin((hours - 6) / 12 * np.pi), 0, None) * 1.5
    load = 0.2 + np.where((hours >= 17) & (hours < 22), 0.3, 0.0)
    problem: dict[str, Any] = {
        "start": local_midnight(day),
        "step_minutes": 15,
        "import_price_eur_kwh": price.tolist(),
        "export_price_eur_kwh": 0.08,
        "load_kwh": load.tolist(),
        "pv_kwh": pv.tolist(),
        "grid": {"max_import_kw": 11.0, "max_export_kw": 7.0},
        "battery": dict(BATTERY),
    }
    problem.update(overrides)
    return problem


def make(day: date = SUMMER_MONDAY, **overrides: Any) -> OptimisationInput:
    return OptimisationInput(**known_day(day, **overrides))


def assert_physically_valid(problem: OptimisationInput, result: ScheduleResult) -> None:
    """Every constraint of the model, checked on the output against the raw inputs."""
    tol = 1e-6
    hours = problem.step_minutes / 60
    frame = result.to_frame()
    assert len(frame) == len(problem.import_price_eur_kwh)
    deferrable = np.zeros(len(frame))
    for load in problem.deferrable_loads:
        deferrable += frame[f"{load.name}_kwh"].to_numpy()
    imp = frame.grid_import_kwh.to_numpy()
    exp = frame.grid_export_kwh.to_numpy()
    ch = frame.battery_charge_kwh.to_numpy()
    dis = frame.battery_discharge_kwh.to_numpy()
    curt = frame.pv_curtailed_kwh.to_numpy()
    pv = np.asarray(problem.pv_kwh)
    balance = pv - curt + imp + dis - np.asarray(problem.load_kwh) - deferrable - ch - exp
    assert np.abs(balance).max() <= tol
    assert (curt >= -tol).all()
    assert (curt <= pv + tol).all()
    assert (imp >= -tol).all()
    assert (imp <= problem.grid.max_import_kw * hours + tol).all()
    assert (exp >= -tol).all()
    assert (exp <= problem.grid.max_export_kw * hours + tol).all()
    assert np.minimum(imp, exp).max() <= 1e-7, "imports and exports in the same step"
    battery = problem.battery
    if battery is not None:
        assert (ch >= -tol).all()
        assert (ch <= battery.max_charge_kw * hours + tol).all()
        assert (dis >= -tol).all()
        assert (dis <= battery.max_discharge_kw * hours + tol).all()
        assert np.minimum(ch, dis).max() <= 1e-7, "charges and discharges in the same step"
        soc = frame.soc_kwh.to_numpy()
        before = np.r_[battery.initial_soc_fraction * battery.capacity_kwh, soc[:-1]]
        dynamics = before + battery.charge_efficiency * ch - dis / battery.discharge_efficiency
        assert np.abs(soc - dynamics).max() <= tol
        capacity = battery.capacity_kwh
        assert soc.min() >= battery.soc_min_fraction * capacity - tol
        assert soc.max() <= battery.soc_max_fraction * capacity + tol
        assert soc[-1] >= battery.final_target_fraction * capacity - tol
    for outcome in result.deferrable_loads:
        energy = frame[f"{outcome.name}_kwh"]
        inside = (energy.index >= outcome.window_start) & (energy.index < outcome.window_end)
        assert np.abs(energy[~inside].to_numpy()).sum() <= tol, f"{outcome.name} ran outside"
        assert abs(energy[inside].sum() - outcome.energy_kwh) <= tol
