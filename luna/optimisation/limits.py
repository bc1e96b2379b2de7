"""The effective per-step limits of one problem, with the constraint each one comes from.

Inputs and compiled rules are merged here into plain arrays in kWh per step, the only form the
LP builder sees. Each bound remembers the key of the constraint that set it ("rules[2]",
"grid.max_import_kw", ...), which is how explanations and infeasibility diagnoses can name
constraints in words, and how a diagnosis can relax one constraint at a time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from luna.optimisation.horizon import BoolArray, StepGrid
from luna.optimisation.inputs import DeferrableLoad, Objective, OptimisationInput
from luna.optimisation.rules import BatteryFlow, CompiledRules, FlowBan, compile_rules

FloatArray = npt.NDArray[np.float64]

GRID_IMPORT = "grid.max_import_kw"
GRID_EXPORT = "grid.max_export_kw"
SOC_MIN = "battery.soc_min_fraction"
SOC_MAX = "battery.soc_max_fraction"
FINAL_SOC = "battery.final_soc_min_fraction"
NO_CURTAILMENT = "allow_pv_curtailment"


def load_window_key(name: str) -> str:
    return f"loads.{name}.window"


def load_energy_key(name: str) -> str:
    return f"loads.{name}.energy_kwh"


@dataclass(frozen=True)
class LoadSpec:
    """A deferrable load on the step grid (energies in kWh, windows as ``[first, end)``)."""

    name: str
    max_kwh_per_step: float
    energy_kwh: float
    fixed: bool
    single_block: bool
    first: int
    end: int
    first_key: str
    end_key: str
    energy_key: str

    @property
    def steps_on(self) -> int:
        """Whole steps a fixed-power load runs."""
        return round(self.energy_kwh / self.max_kwh_per_step)

    @property
    def window_steps(self) -> int:
        return max(self.end - self.first, 0)


@dataclass(frozen=True)
class CycleCap:
    """The most energy the cells may give per local day (cycles × capacity, kWh)."""

    cell_discharge_kwh: float
    days: tuple[tuple[int, int], ...]
    key: str


@dataclass(frozen=True)
class BatterySpec:
    """Battery bounds per step; SoC arrays hold the bound at the end of each step (kWh).

    ``charge_cap_kwh``/``discharge_cap_kwh`` are the power limits, lowered on steps where a flow
    ban bounds the flow by data alone (no charging at night under ``charge_from_pv_only``).
    """

    capacity_kwh: float
    max_charge_kwh: float
    max_discharge_kwh: float
    charge_efficiency: float
    discharge_efficiency: float
    initial_kwh: float
    soc_min_kwh: FloatArray
    soc_min_keys: tuple[str, ...]
    soc_max_kwh: FloatArray
    final_min_kwh: float
    throughput_cost_eur_kwh: float
    charge_cap_kwh: FloatArray
    discharge_cap_kwh: FloatArray
    final_equal: bool = False
    bans: tuple[FlowBan, ...] = ()
    cycle_cap: CycleCap | None = None

    def percent(self, kwh: float) -> float:
        return 100.0 * kwh / self.capacity_kwh

    def ban_keys(self, flow: BatteryFlow) -> tuple[str, ...]:
        return tuple(ban.key for ban in self.bans if ban.flow == flow)

    def banned(self, flow: BatteryFlow) -> BoolArray:
        """Steps on which ``flow`` is banned by any rule."""
        mask = np.zeros(len(self.charge_cap_kwh), dtype=bool)
        for ban in self.bans:
            if ban.flow == flow:
                mask |= ban.steps
        return mask


@dataclass(frozen=True)
class Limits:
    """Everything the model needs, as arrays on the step grid."""

    grid: StepGrid
    objective: Objective
    import_price: FloatArray
    export_price: FloatArray
    load_kwh: FloatArray
    pv_kwh: FloatArray
    import_max_kwh: FloatArray
    import_keys: tuple[str, ...]
    export_max_kwh: FloatArray
    export_keys: tuple[str, ...]
    allow_curtailment: bool
    battery: BatterySpec | None
    loads: tuple[LoadSpec, ...]
    descriptions: dict[str, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.grid.n_steps

    def describe(self, key: str) -> str:
        return self.descriptions.get(key, key)

    def relaxable_keys(self) -> list[str]:
        """Constraints a diagnosis may relax one at a time, in the order it reports them."""
        keys = [k for k in self.descriptions if k.startswith("rules[")]
        for load in self.loads:
            keys += [load_window_key(load.name), load_energy_key(load.name)]
        if self.battery is not None:
            keys += [FINAL_SOC, SOC_MIN]
        keys += [GRID_IMPORT, GRID_EXPORT]
        if not self.allow_curtailment:
            keys.append(NO_CURTAILMENT)
        return keys


def build_limits(problem: OptimisationInput, relax: Iterable[str] = ()) -> Limits:
    """Merge inputs and rules into :class:`Limits`, leaving out the constraints in ``relax``."""
    relaxed = frozenset(relax)
    grid = problem.step_grid
    hours = grid.step_hours
    n = grid.n_steps
    load_names = [load.name for load in problem.deferrable_loads]
    rules = compile_rules(problem.rules, grid, load_names, problem.battery is not None)
    active = rules.without(relaxed)
    descriptions = _input_descriptions(problem) | rules.descriptions()

    load = np.asarray(problem.load_kwh, dtype=float)
    pv = np.asarray(problem.pv_kwh, dtype=float)
    battery = problem.battery
    # "Unlimited" still needs a finite bound: the most the site could ever draw or feed in.
    most_drawn = load + sum(d.power_kw * hours for d in problem.deferrable_loads)
    most_fed = pv.copy()
    if battery is not None:
        most_drawn = most_drawn + battery.max_charge_kw * hours
        most_fed = most_fed + battery.max_discharge_kw * hours
    import_base = most_drawn if GRID_IMPORT in relaxed else problem.grid.max_import_kw * hours
    export_base = most_fed if GRID_EXPORT in relaxed else problem.grid.max_export_kw * hours
    import_max, import_keys = _capped(
        np.broadcast_to(import_base, n), GRID_IMPORT, active, "grid_import", hours, load
    )
    export_max, export_keys = _capped(
        np.broadcast_to(export_base, n), GRID_EXPORT, active, "grid_export", hours, load
    )
    allow_curtailment = problem.allow_pv_curtailment or NO_CURTAILMENT in relaxed
    loads = tuple(_load_spec(d, grid, active, relaxed) for d in problem.deferrable_loads)
    deficit = _deficit_bound(problem, loads, allow_curtailment)
    return Limits(
        grid=grid,
        objective=problem.objective,
        import_price=np.asarray(problem.import_price_eur_kwh, dtype=float),
        export_price=np.asarray(problem.export_price_eur_kwh, dtype=float),
        load_kwh=load,
        pv_kwh=pv,
        import_max_kwh=import_max,
        import_keys=import_keys,
        export_max_kwh=export_max,
        export_keys=export_keys,
        allow_curtailment=allow_curtailment,
        battery=_battery_spec(problem, active, relaxed, deficit),
        loads=loads,
        descriptions=descriptions,
    )


def _capped(
    base: FloatArray,
    base_key: str,
    rules: CompiledRules,
    direction: str,
    hours: float,
    load: FloatArray,
) -> tuple[FloatArray, tuple[str, ...]]:
    """Grid limits per step: the connection's, lowered by every cap rule in ``direction``."""
    values = np.array(base, dtype=float)
    keys = [base_key] * len(values)
    for cap in rules.caps:
        if cap.quantity == f"{direction}_kw":
            cap_kwh = np.full(len(values), cap.value * hours)
        elif cap.quantity == f"{direction}_above_load_kw":
            cap_kwh = load + cap.value * hours
        else:
            continue
        tighter = cap.steps & (cap_kwh < values)
        values[tighter] = cap_kwh[tighter]
        for k in np.flatnonzero(tighter):
            keys[k] = cap.key
    return values, tuple(keys)


def _deficit_bound(
    problem: OptimisationInput, loads: tuple[LoadSpec, ...], allow_curtailment: bool
) -> FloatArray:
    """The most energy the site's loads can lack after PV in each step (kWh, >= 0)."""
    pv = np.asarray(problem.pv_kwh, dtype=float)
    demand = np.asarray(problem.load_kwh, dtype=float).copy()
    for load in loads:
        if load.energy_kwh > 0:
            demand[load.first : load.end] += load.max_kwh_per_step
    usable_pv = 0.0 if allow_curtailment else pv
    return np.maximum(demand - usable_pv, 0.0)


def _battery_spec(
    problem: OptimisationInput,
    rules: CompiledRules,
    relaxed: frozenset[str],
    deficit_kwh: FloatArray,
) -> BatterySpec | None:
    battery = problem.battery
    if battery is None:
        return None
    hours = problem.step_grid.step_hours
    n = problem.step_grid.n_steps
    capacity = battery.capacity_kwh
    floor = np.full(n, 0.0 if SOC_MIN in relaxed else battery.soc_min_fraction * capacity)
    keys = [SOC_MIN] * n
    for cap in rules.caps:
        if cap.quantity != "soc_min_fraction":
            continue
        higher = cap.steps & (cap.value * capacity > floor)
        floor[higher] = cap.value * capacity
        for k in np.flatnonzero(higher):
            keys[k] = cap.key
    initial = battery.initial_soc_fraction * capacity
    ceiling = np.full(n, battery.soc_max_fraction * capacity)
    spec = BatterySpec(
        capacity_kwh=capacity,
        max_charge_kwh=battery.max_charge_kw * hours,
        max_discharge_kwh=battery.max_discharge_kw * hours,
        charge_efficiency=battery.charge_efficiency,
        discharge_efficiency=battery.discharge_efficiency,
        initial_kwh=initial,
        soc_min_kwh=floor,
        soc_min_keys=tuple(keys),
        soc_max_kwh=ceiling,
        final_min_kwh=0.0 if FINAL_SOC in relaxed else battery.final_target_fraction * capacity,
        throughput_cost_eur_kwh=battery.throughput_cost_eur_kwh,
        charge_cap_kwh=np.full(n, battery.max_charge_kw * hours),
        discharge_cap_kwh=np.full(n, battery.max_discharge_kw * hours),
        final_equal=battery.final_soc_mode == "equal" and FINAL_SOC not in relaxed,
        bans=rules.bans,
        cycle_cap=_cycle_cap(problem, rules),
    )
    return _brought_into_band(_flow_bounds(spec, problem, deficit_kwh))


def _flow_bounds(
    spec: BatterySpec, problem: OptimisationInput, deficit_kwh: FloatArray
) -> BatterySpec:
    """Bounds the flow bans imply by data alone: with no grid charging the battery charges at
    most the PV surplus over the base load; with no battery export it discharges at most what
    the loads can lack."""
    surplus = np.maximum(
        np.asarray(problem.pv_kwh, dtype=float) - np.asarray(problem.load_kwh, dtype=float), 0.0
    )
    charge = np.where(
        spec.banned("grid_charging"), np.minimum(spec.charge_cap_kwh, surplus), spec.charge_cap_kwh
    )
    discharge = np.where(
        spec.banned("battery_export"),
        np.minimum(spec.discharge_cap_kwh, deficit_kwh),
        spec.discharge_cap_kwh,
    )
    return replace(spec, charge_cap_kwh=charge, discharge_cap_kwh=discharge)


def _brought_into_band(spec: BatterySpec) -> BatterySpec:
    """A battery that starts outside its band is brought back as fast as its flows allow."""
    highest = spec.initial_kwh + np.cumsum(spec.charge_cap_kwh) * spec.charge_efficiency
    lowest = spec.initial_kwh - np.cumsum(spec.discharge_cap_kwh) / spec.discharge_efficiency
    return replace(
        spec,
        soc_min_kwh=np.minimum(spec.soc_min_kwh, highest),
        soc_max_kwh=np.maximum(spec.soc_max_kwh, lowest),
    )


def _cycle_cap(problem: OptimisationInput, rules: CompiledRules) -> CycleCap | None:
    if problem.battery is None or not rules.cycle_limits:
        return None
    tightest = min(rules.cycle_limits, key=lambda limit: limit.cycles)
    return CycleCap(
        cell_discharge_kwh=tightest.cycles * problem.battery.capacity_kwh,
        days=tuple(problem.step_grid.local_days()),
        key=tightest.key,
    )


def _load_spec(
    load: DeferrableLoad, grid: StepGrid, rules: CompiledRules, relaxed: frozenset[str]
) -> LoadSpec:
    window_key = load_window_key(load.name)
    energy_key = load_energy_key(load.name)
    first, end = (0, grid.n_steps) if window_key in relaxed else load.window(grid)
    first_key = end_key = window_key
    energy = load.energy_kwh
    for override in rules.load_overrides:
        if override.load != load.name:
            continue
        if override.earliest_start is not None and override.earliest_start >= first:
            first, first_key = override.earliest_start, override.key
        if override.latest_end is not None and override.latest_end <= end:
            end, end_key = override.latest_end, override.key
        if override.energy_kwh is not None and override.energy_kwh >= energy:
            energy, energy_key = override.energy_kwh, override.key
    if load_energy_key(load.name) in relaxed:
        energy = 0.0
    per_step = load.power_kw * grid.step_hours
    fixed = load.power_mode == "fixed"
    if fixed:
        energy = math.ceil(energy / per_step - 1e-9) * per_step
    return LoadSpec(
        name=load.name,
        max_kwh_per_step=per_step,
        energy_kwh=energy,
        fixed=fixed,
        single_block=load.single_block,
        first=first,
        end=end,
        first_key=first_key,
        end_key=end_key,
        energy_key=energy_key,
    )


def _input_descriptions(problem: OptimisationInput) -> dict[str, str]:
    words = {
        GRID_IMPORT: f"grid import limit {problem.grid.max_import_kw:g} kW",
        GRID_EXPORT: f"grid export limit {problem.grid.max_export_kw:g} kW",
        NO_CURTAILMENT: "PV may not be curtailed",
    }
    if problem.battery is not None:
        b = problem.battery
        words[SOC_MIN] = f"battery minimum SoC {100 * b.soc_min_fraction:g} %"
        words[SOC_MAX] = f"battery maximum SoC {100 * b.soc_max_fraction:g} %"
        exactly = " exactly" if b.final_soc_mode == "equal" else ""
        words[FINAL_SOC] = f"final SoC target{exactly} {100 * b.final_target_fraction:g} %"
    grid = problem.step_grid
    for load in problem.deferrable_loads:
        first, end = load.window(grid)
        words[load_window_key(load.name)] = (
            f"{load.name} window {grid.clock(first)}–{grid.end_clock(end)}"
            if 0 <= first <= end <= grid.n_steps
            else f"{load.name} window"
        )
        words[load_energy_key(load.name)] = f"{load.name} needs {load.energy_kwh:g} kWh"
    return words
