"""Why a schedule cannot exist, in words, before or instead of a solver status.

Obvious conflicts (a deadline that the charger power cannot meet, a SoC target out of reach —
also because the battery may charge only from PV surplus —, a base load above every supply)
are found analytically from :class:`Limits`. If the solver still
finds the problem infeasible, :func:`diagnose` relaxes one constraint at a time and names those
whose relaxation restores feasibility.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from luna.optimisation.horizon import step_runs
from luna.optimisation.limits import (
    FINAL_SOC,
    NO_CURTAILMENT,
    SOC_MAX,
    BatterySpec,
    Limits,
    LoadSpec,
)


class OptimisationInfeasible(Exception):  # noqa: N818 - the name the product's tools catch
    """No schedule satisfies every constraint; ``reason`` says which ones conflict."""

    def __init__(self, reason: str, conflicts: list[str], keys: list[str]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.conflicts = conflicts
        self.keys = keys


@dataclass(frozen=True)
class Conflict:
    message: str
    keys: tuple[str, ...]


def find_conflicts(limits: Limits) -> list[Conflict]:
    """Conflicts that can be proven without a solver."""
    found: list[Conflict] = []
    for load in limits.loads:
        found += _load_conflicts(limits, load)
    found += _battery_conflicts(limits)
    found += _supply_conflicts(limits)
    return found


def infeasible_from(conflicts: list[Conflict]) -> OptimisationInfeasible:
    keys = list(dict.fromkeys(k for c in conflicts for k in c.keys))
    reason = "No feasible schedule: " + "; ".join(c.message for c in conflicts)
    return OptimisationInfeasible(reason, [c.message for c in conflicts], keys)


def diagnose(
    limits: Limits, relaxed_limits: Callable[[str], Limits], is_feasible: Callable[[Limits], bool]
) -> OptimisationInfeasible:
    """Name the constraints whose relaxation alone would make the problem feasible."""
    keys = limits.relaxable_keys()
    culprits = [
        key
        for key in keys
        if not find_conflicts(relaxed := relaxed_limits(key)) and is_feasible(relaxed)
    ]
    if culprits:
        words = [limits.describe(k) for k in culprits]
        reason = (
            "No feasible schedule: these constraints cannot all hold; relaxing any one of them "
            "would make the problem feasible: " + "; ".join(words)
        )
        return OptimisationInfeasible(reason, words, culprits)
    words = [limits.describe(k) for k in keys]
    reason = (
        "No feasible schedule, and no single constraint explains it; the constraints in play: "
        + "; ".join(words)
    )
    return OptimisationInfeasible(reason, words, keys)


def _unique(keys: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(keys))


def _load_conflicts(limits: Limits, load: LoadSpec) -> list[Conflict]:
    if load.energy_kwh <= 0:
        return []
    grid = limits.grid
    restricting = [load.energy_key]
    if load.first > 0:
        restricting.append(load.first_key)
    if load.end < grid.n_steps:
        restricting.append(load.end_key)
    keys = _unique(restricting)
    needs = f"{load.name} needs {load.energy_kwh:g} kWh"
    if load.energy_key.startswith("rules["):
        needs += f" ({limits.describe(load.energy_key)})"
    window = f"the window {grid.clock(load.first)}–{grid.end_clock(load.end)}"
    why = [limits.describe(k) for k in keys[1:]]
    if why:
        window += f" ({'; '.join(why)})"
    if load.window_steps == 0:
        return [Conflict(f"{load.name} has no time to run: {window} is empty", keys)]
    most = load.window_steps * load.max_kwh_per_step
    if load.energy_kwh > most + 1e-9:
        power_kw = load.max_kwh_per_step / grid.step_hours
        hours = load.window_steps * grid.step_hours
        return [
            Conflict(
                f"{needs} but at {power_kw:g} kW {window} lasts {hours:g} h and delivers at "
                f"most {most:g} kWh",
                keys,
            )
        ]
    inside = slice(load.first, load.end)
    supply = limits.import_max_kwh[inside] + limits.pv_kwh[inside] - limits.load_kwh[inside]
    if limits.battery is not None:
        supply = supply + limits.battery.max_discharge_kwh
    available = float(np.minimum(np.maximum(supply, 0.0), load.max_kwh_per_step).sum())
    if load.energy_kwh > available + 1e-9:
        caps = _unique(limits.import_keys[inside])
        return [
            Conflict(
                f"{needs} in {window} but under "
                f"{', '.join(limits.describe(k) for k in caps)} at most {available:.1f} kWh can "
                "reach it after the base load",
                _unique((*keys, *caps)),
            )
        ]
    return []


def _battery_conflicts(limits: Limits) -> list[Conflict]:
    battery = limits.battery
    if battery is None:
        return []
    grid = limits.grid
    found: list[Conflict] = []
    crossed = battery.soc_min_kwh > battery.soc_max_kwh + 1e-9
    for first, last in step_runs(crossed):
        key = battery.soc_min_keys[first]
        found.append(
            Conflict(
                f"{limits.describe(key)} is above the battery maximum SoC "
                f"{battery.percent(float(battery.soc_max_kwh[first])):.0f} % "
                f"{grid.span(first, last)}",
                _unique((key, SOC_MAX)),
            )
        )
    return found + _final_soc_conflicts(limits, battery)


def _final_soc_conflicts(limits: Limits, battery: BatterySpec) -> list[Conflict]:
    """A final SoC the battery cannot reach from its start, from below or (if equal) above."""
    ends = f"by {limits.grid.end_clock(limits.grid.n_steps)}"
    target = f"{limits.describe(FINAL_SOC)} is out of reach"
    start = f"starting at {battery.percent(battery.initial_kwh):.0f} % the battery can"
    charged = battery.charge_efficiency * float(battery.charge_cap_kwh.sum())
    highest = min(battery.initial_kwh + charged, float(battery.soc_max_kwh[-1]))
    if battery.final_min_kwh > highest + 1e-9:
        keys = _unique((FINAL_SOC, *battery.ban_keys("grid_charging")))
        return [
            Conflict(
                f"{target}: {start} reach at most {battery.percent(highest):.0f} % {ends}"
                f"{_because(limits, keys[1:])}",
                keys,
            )
        ]
    if not battery.final_equal:
        return []
    emptied = float(battery.discharge_cap_kwh.sum()) / battery.discharge_efficiency
    floor = float(battery.soc_min_kwh[-1])
    lowest = max(battery.initial_kwh - emptied, floor)
    if battery.final_min_kwh >= lowest - 1e-9:
        return []
    limiting = (
        (battery.soc_min_keys[-1],)
        if floor >= battery.initial_kwh - emptied
        else battery.ban_keys("battery_export")
    )
    keys = _unique((FINAL_SOC, *limiting))
    return [
        Conflict(
            f"{target}: {start} get down to only {battery.percent(lowest):.0f} % {ends}"
            f"{_because(limits, keys[1:])}",
            keys,
        )
    ]


def _because(limits: Limits, keys: Sequence[str]) -> str:
    return f" ({'; '.join(limits.describe(k) for k in keys)})" if keys else ""


def _supply_conflicts(limits: Limits) -> list[Conflict]:
    """Steps where the base load exceeds all supply, or PV surplus has nowhere to go."""
    grid = limits.grid
    found: list[Conflict] = []
    battery = limits.battery
    discharge = battery.discharge_cap_kwh if battery is not None else 0.0
    charge = battery.charge_cap_kwh if battery is not None else 0.0
    short = limits.load_kwh - limits.pv_kwh > limits.import_max_kwh + discharge + 1e-9
    for first, last in step_runs(short):
        keys = _unique(limits.import_keys[first : last + 1])
        found.append(
            Conflict(
                f"{grid.span(first, last)} the base load exceeds what PV, the battery and the "
                f"grid can supply under {', '.join(limits.describe(k) for k in keys)}",
                keys,
            )
        )
    if limits.allow_curtailment:
        return found
    sinks = limits.export_max_kwh + charge + limits.load_kwh
    for load in limits.loads:
        sinks[load.first : load.end] += load.max_kwh_per_step
    surplus = limits.pv_kwh > sinks + 1e-9
    for first, last in step_runs(surplus):
        keys = _unique((*limits.export_keys[first : last + 1], NO_CURTAILMENT))
        found.append(
            Conflict(
                f"{grid.span(first, last)} PV production exceeds what the site can use, store "
                f"or export under {', '.join(limits.describe(k) for k in keys)}",
                keys,
            )
        )
    return found
