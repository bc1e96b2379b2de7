"""Binding constraints in words: which limits shape the schedule, when, and what they cost.

A limit counts as binding where the schedule sits on it (SoC at its floor, import at its cap, a
day's discharge at the cycle limit). Load windows and battery flow bans cannot be seen that
way, so they are reported when re-solving without them is measurably cheaper. Where a
constraint can be relaxed, the caller's ``saving`` function measures what relaxing it alone
would save.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from luna.optimisation.horizon import BoolArray, StepGrid, step_runs
from luna.optimisation.limits import FINAL_SOC, SOC_MAX, FloatArray, Limits
from luna.optimisation.results import BindingConstraint, BindingKind
from luna.optimisation.solve import ScheduleArrays

AT_BOUND_KWH = 1e-6
WORTH_MENTIONING_EUR = 0.005

Saving = Callable[[str], float | None]


def binding_constraints(
    limits: Limits, schedule: ScheduleArrays, saving: Saving, window_saving: Saving
) -> list[BindingConstraint]:
    """Everything that shapes ``schedule``, sorted by time."""
    found = [
        *_battery(limits, schedule, saving),
        *_bans(limits, saving),
        *_cycles(limits, schedule, saving),
        *_grid(limits, schedule, saving),
        *_windows(limits, window_saving),
    ]
    return sorted(found, key=lambda b: (b.start, b.kind))


def _item(
    kind: BindingKind,
    subject: str,
    source: str,
    bounds: tuple[int, int],
    grid: StepGrid,
    message: str,
    saving: float | None = None,
) -> BindingConstraint:
    return BindingConstraint(
        kind=kind,
        subject=subject,
        source=source,
        start=grid.boundaries[bounds[0]],
        end=grid.boundaries[bounds[1]],
        message=message,
        relax_saving_eur=None if saving is None else round(saving, 4),
    )


def _keyed_runs(mask: BoolArray, keys: Sequence[str]) -> list[tuple[int, int, str]]:
    """Runs of ``mask``, split where the constraint key changes."""
    runs: list[tuple[int, int, str]] = []
    for first, last in step_runs(mask):
        start = first
        for t in range(first + 1, last + 2):
            if t > last or keys[t] != keys[start]:
                runs.append((start, t - 1, keys[start]))
                start = t
    return runs


def _saving_words(value: float | None) -> str:
    if value is None or value < WORTH_MENTIONING_EUR:
        return ""
    return f"; without it the schedule would save {value:.2f} EUR"


def _soc_span(grid: StepGrid, first: int, last: int) -> str:
    """SoC is measured at step ends, so its times are the end boundaries."""
    if first == last:
        return f"at {grid.end_clock(first + 1)}"
    return f"from {grid.clock(first + 1)} to {grid.end_clock(last + 1)}"


def _battery(limits: Limits, schedule: ScheduleArrays, saving: Saving) -> list[BindingConstraint]:
    battery = limits.battery
    if battery is None or schedule.soc is None:
        return []
    grid = limits.grid
    soc = schedule.soc
    found: list[BindingConstraint] = []
    final_binds = battery.final_equal or (
        battery.final_min_kwh > battery.soc_min_kwh[-1] + AT_BOUND_KWH
    )
    at_floor = (soc <= battery.soc_min_kwh + AT_BOUND_KWH) & (battery.soc_min_kwh > 0)
    if final_binds:
        at_floor[-1] = False
    for first, last, key in _keyed_runs(at_floor, battery.soc_min_keys):
        pct = battery.percent(float(battery.soc_min_kwh[last]))
        value = saving(key)
        found.append(
            _item(
                "soc_min",
                "battery",
                key,
                (first + 1, last + 1),
                grid,
                f"Battery at minimum SoC {pct:.0f} % {_soc_span(grid, first, last)} "
                f"({limits.describe(key)}){_saving_words(value)}",
                value,
            )
        )
    at_ceiling = soc >= battery.soc_max_kwh - AT_BOUND_KWH
    for first, last in step_runs(at_ceiling):
        pct = battery.percent(float(battery.soc_max_kwh[last]))
        found.append(
            _item(
                "soc_max",
                "battery",
                SOC_MAX,
                (first + 1, last + 1),
                grid,
                f"Battery full (maximum SoC {pct:.0f} %) {_soc_span(grid, first, last)}",
            )
        )
    if final_binds and soc[-1] <= battery.final_min_kwh + AT_BOUND_KWH:
        value = saving(FINAL_SOC)
        n = grid.n_steps
        final_pct = f"{battery.percent(battery.final_min_kwh):.0f} %"
        target = f"exactly {final_pct}" if battery.final_equal else f"{final_pct} or more"
        found.append(
            _item(
                "final_soc",
                "battery",
                FINAL_SOC,
                (n, n),
                grid,
                f"The battery must end the horizon ({grid.end_clock(n)}) at {target} "
                f"({limits.describe(FINAL_SOC)}){_saving_words(value)}",
                value,
            )
        )
    found += _full_power(grid, schedule.charge, battery.max_charge_kwh, "charge")
    found += _full_power(grid, schedule.discharge, battery.max_discharge_kwh, "discharge")
    return found


def _full_power(
    grid: StepGrid, flow: FloatArray, most_kwh: float, direction: Literal["charge", "discharge"]
) -> list[BindingConstraint]:
    kind: BindingKind = "charge_power" if direction == "charge" else "discharge_power"
    return [
        _item(
            kind,
            "battery",
            f"battery.max_{direction}_kw",
            (first, last + 1),
            grid,
            f"Battery {direction[:-1]}ing at full power {most_kwh / grid.step_hours:g} kW "
            f"{grid.span(first, last)}",
        )
        for first, last in step_runs(flow >= most_kwh - AT_BOUND_KWH)
    ]


_BAN_WORDS = {
    "grid_charging": "Battery charges only from PV surplus",
    "battery_export": "Battery energy may not be exported",
}


def _bans(limits: Limits, saving: Saving) -> list[BindingConstraint]:
    """Flow bans whose relaxation would measurably save money."""
    battery = limits.battery
    if battery is None:
        return []
    found: list[BindingConstraint] = []
    for ban in battery.bans:
        value = saving(ban.key)
        if value is None or value < WORTH_MENTIONING_EUR:
            continue
        found += [
            _item(
                ban.flow,
                "battery",
                ban.key,
                (first, last + 1),
                limits.grid,
                f"{_BAN_WORDS[ban.flow]} {limits.grid.span(first, last)} "
                f"({limits.describe(ban.key)}){_saving_words(value)}",
                value,
            )
            for first, last in step_runs(ban.steps)
        ]
    return found


def _cycles(limits: Limits, schedule: ScheduleArrays, saving: Saving) -> list[BindingConstraint]:
    """Local days on which the battery uses all the full cycles a rule allows."""
    battery = limits.battery
    if battery is None or battery.cycle_cap is None:
        return []
    cap = battery.cycle_cap
    cycles = cap.cell_discharge_kwh / battery.capacity_kwh
    found: list[BindingConstraint] = []
    for first, end in cap.days:
        used = float(schedule.discharge[first:end].sum()) / battery.discharge_efficiency
        if used < cap.cell_discharge_kwh - AT_BOUND_KWH:
            continue
        value = saving(cap.key)
        found.append(
            _item(
                "cycle_limit",
                "battery",
                cap.key,
                (first, end),
                limits.grid,
                f"Battery uses all {cycles:g} full cycles allowed on "
                f"{limits.grid.step_start(first):%d.%m.%Y} ({limits.describe(cap.key)})"
                f"{_saving_words(value)}",
                value,
            )
        )
    return found


def _grid(limits: Limits, schedule: ScheduleArrays, saving: Saving) -> list[BindingConstraint]:
    grid = limits.grid
    hours = grid.step_hours
    found: list[BindingConstraint] = []
    at_import_cap = (schedule.grid_import >= limits.import_max_kwh - AT_BOUND_KWH) & (
        limits.import_max_kwh > AT_BOUND_KWH
    )
    for first, last, key in _keyed_runs(at_import_cap, limits.import_keys):
        kw = float(limits.import_max_kwh[first]) / hours
        value = saving(key)
        found.append(
            _item(
                "grid_import_limit",
                "grid",
                key,
                (first, last + 1),
                grid,
                f"Grid import limit {kw:g} kW reached {grid.span(first, last)} "
                f"({limits.describe(key)}){_saving_words(value)}",
                value,
            )
        )
    curtailed = schedule.pv_curtailed
    at_export_cap = (schedule.grid_export >= limits.export_max_kwh - AT_BOUND_KWH) & (
        (limits.export_max_kwh > AT_BOUND_KWH) | (curtailed > AT_BOUND_KWH)
    )
    for first, last, key in _keyed_runs(at_export_cap, limits.export_keys):
        kw = float(limits.export_max_kwh[first]) / hours
        lost = float(curtailed[first : last + 1].sum())
        lost_words = f"; {lost:.1f} kWh PV curtailed" if lost > AT_BOUND_KWH else ""
        value = saving(key)
        what = "Export blocked" if kw == 0 else f"Grid export limit {kw:g} kW reached"
        found.append(
            _item(
                "grid_export_limit",
                "grid",
                key,
                (first, last + 1),
                grid,
                f"{what} {grid.span(first, last)} ({limits.describe(key)}){lost_words}"
                f"{_saving_words(value)}",
                value,
            )
        )
    return found


def _windows(limits: Limits, window_saving: Saving) -> list[BindingConstraint]:
    grid = limits.grid
    found: list[BindingConstraint] = []
    for load in limits.loads:
        restricted = load.first > 0 or load.end < grid.n_steps
        if load.energy_kwh <= 0 or not restricted:
            continue
        value = window_saving(load.name)
        if value is None or value < WORTH_MENTIONING_EUR:
            continue
        parts = []
        if load.first > 0:
            parts.append(
                f"may not start before {grid.clock(load.first)} ({limits.describe(load.first_key)})"
            )
        if load.end < grid.n_steps:
            parts.append(
                f"must finish by {grid.end_clock(load.end)} ({limits.describe(load.end_key)})"
            )
        key = load.end_key if load.end < grid.n_steps else load.first_key
        found.append(
            _item(
                "load_window",
                load.name,
                key,
                (load.first, load.end),
                grid,
                f"{load.name} {' and '.join(parts)} — the window limits shifting: running it "
                f"any time in the horizon would save {value:.2f} EUR",
                value,
            )
        )
    return found
