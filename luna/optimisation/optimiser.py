"""``optimise()``: one problem in, one explained schedule out.

The flow reads top to bottom: merge inputs and rules into limits, refuse obvious conflicts in
words, solve, diagnose if the solver still finds no schedule, then price the schedule against
the naive baseline and explain what binds it.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from time import perf_counter
from typing import Literal

import highspy
import numpy as np

from luna.observability.metrics import OPTIMISER_INFEASIBLE, OPTIMISER_SOLVE
from luna.optimisation.baseline import naive_baseline
from luna.optimisation.duals import bound_saving, relaxation_cost_bound, window_saving
from luna.optimisation.explain import WORTH_MENTIONING_EUR, Saving, binding_constraints
from luna.optimisation.feasibility import diagnose, find_conflicts, infeasible_from
from luna.optimisation.inputs import Objective, OptimisationInput
from luna.optimisation.limits import Limits, build_limits
from luna.optimisation.model import ModelOptions
from luna.optimisation.results import (
    BindingConstraint,
    DeferrableOutcome,
    ScheduleResult,
    ScheduleStep,
)
from luna.optimisation.solve import (
    Duals,
    InfeasibleModelError,
    ScheduleArrays,
    Solution,
    fixed_lp_duals,
    solve,
)

SOLVER = (
    f"HiGHS {highspy.HIGHS_VERSION_MAJOR}.{highspy.HIGHS_VERSION_MINOR}."
    f"{highspy.HIGHS_VERSION_PATCH}"
)


Explain = Literal["duals", "exact", "none"]
BOUND_SLACK_EUR = 1e-6
"""Margin for the LP's tolerances when a bound shows a flow ban's saving too small to list."""


def optimise(
    problem: OptimisationInput,
    *,
    explain: Explain = "duals",
    measure_constraints: bool = True,
) -> ScheduleResult:
    """The cheapest (or most self-sufficient) schedule for ``problem``, explained.

    ``explain`` says how the binding constraints' ``relax_saving_eur`` is measured:
    ``"duals"`` (default) reads it off the duals of one LP with the binaries fixed at the
    optimum — a first-order estimate, see ``duals.py``; ``"exact"`` re-solves once per binding
    rule or narrowed load window; ``"none"`` (or ``measure_constraints=False``) skips it, and
    load windows and flow bans, which only a saving can show to bind, are then not listed.
    Raises :class:`~luna.optimisation.feasibility.OptimisationInfeasible` with a reason in words.
    """
    started = perf_counter()
    if not measure_constraints:
        explain = "none"
    limits = build_limits(problem)
    conflicts = find_conflicts(limits)
    if conflicts:
        OPTIMISER_INFEASIBLE.inc()
        raise infeasible_from(conflicts)
    try:
        solution = solve(limits)
        OPTIMISER_SOLVE.observe(solution.solve_seconds)
    except InfeasibleModelError:
        OPTIMISER_INFEASIBLE.inc()
        raise diagnose(
            limits, lambda key: build_limits(problem, relax=[key]), _is_feasible
        ) from None
    schedule = solution.arrays()
    cost = _total_cost(limits, schedule)
    if explain == "duals":
        saving_without, saving_with_open_window = _dual_savings(problem, limits, solution)
    elif explain == "exact":
        saving_without, saving_with_open_window = _exact_savings(problem, limits, solution, cost)
    else:
        saving_without = saving_with_open_window = _no_saving
    binding = binding_constraints(limits, schedule, saving_without, saving_with_open_window)
    return _result(problem, limits, solution, schedule, binding, started)


def _no_saving(_key: str) -> float | None:
    return None


def _dual_savings(
    problem: OptimisationInput, limits: Limits, solution: Solution
) -> tuple[Saving, Saving]:
    """Savings from the duals of one LP (binaries fixed), computed only when asked for."""
    relaxable = set(limits.relaxable_keys())
    options = ModelOptions(
        binary_steps=solution.binary_steps,
        stage="cost",
        import_cap_kwh=solution.import_cap_kwh,
    )
    schedule = solution.arrays()

    @cache
    def duals() -> Duals | None:
        return fixed_lp_duals(solution)

    # Re-solved, on request only: a flow ban binds through mode binaries, where the fixed-mode
    # LP's duals are degenerate (they price the data bound, not the binary rows); relaxing a
    # cycle limit removes a row, which first-order pricing cannot value.
    flow_bans: set[str] = set()
    resolved: set[str] = set()
    if limits.battery is not None:
        flow_bans = {ban.key for ban in limits.battery.bans}
        resolved = set(flow_bans)
        if limits.battery.cycle_cap is not None:
            resolved.add(limits.battery.cycle_cap.key)
    cost = _total_cost(limits, schedule)

    @cache
    def ban_saving_bound(keys: frozenset[str]) -> float | None:
        """Upper bound on what dropping the flow bans ``keys`` saves (one hot LP), if below
        the listing threshold; None otherwise."""
        found = duals()
        if found is None:
            return None
        relaxed = build_limits(problem, relax=sorted(keys))
        lowest = relaxation_cost_bound(found, relaxed, options)
        if lowest is None or cost - lowest >= WORTH_MENTIONING_EUR - BOUND_SLACK_EUR:
            return None
        return max(cost - lowest, 0.0)

    @cache
    def saving_without(key: str) -> float | None:
        if key not in relaxable:
            return None
        if key in flow_bans:
            # A ban is listed only from WORTH_MENTIONING_EUR on; an LP bound below that spares
            # the re-solve (the figure is then never shown). Dropping every ban at once saves
            # at least as much as dropping one, so one LP may settle them all.
            every = frozenset(flow_bans)
            bound = ban_saving_bound(every)
            if bound is None and len(every) > 1:
                bound = ban_saving_bound(frozenset([key]))
            if bound is not None:
                return bound
        relaxed = build_limits(problem, relax=[key])
        if key in resolved:
            return _saving(cost, relaxed, solution)
        found = duals()
        if found is None:
            return None
        return bound_saving(found, relaxed, options)

    @cache
    def saving_with_open_window(name: str) -> float | None:
        found = duals()
        return None if found is None else window_saving(found, limits, schedule, name)

    return saving_without, saving_with_open_window


def _exact_savings(
    problem: OptimisationInput, limits: Limits, solution: Solution, cost: float
) -> tuple[Saving, Saving]:
    """Savings measured by re-solving with one constraint relaxed (one MILP each)."""
    relaxable = set(limits.relaxable_keys())

    @cache
    def saving_without(key: str) -> float | None:
        if key not in relaxable:
            return None
        return _saving(cost, build_limits(problem, relax=[key]), solution)

    @cache
    def saving_with_open_window(name: str) -> float | None:
        opened = tuple(
            replace(load, first=0, end=limits.n) if load.name == name else load
            for load in limits.loads
        )
        return _saving(cost, replace(limits, loads=opened), solution)

    return saving_without, saving_with_open_window


def _is_feasible(limits: Limits) -> bool:
    try:
        solve(limits)
    except InfeasibleModelError:
        return False
    return True


def _saving(cost: float, relaxed: Limits, solution: Solution) -> float | None:
    """How much cheaper the relaxed problem is (None if even that has no schedule).

    The re-solve starts from ``solution``'s mode binaries and stops within a 0.01 % MIP gap
    (a fraction of a cent): the figure prices a relaxation, it is not a schedule."""
    if find_conflicts(relaxed):
        return None
    try:
        other = solve(relaxed, estimate=True, seed=solution.binary_steps, hint=solution)
    except InfeasibleModelError:
        return None
    return cost - _total_cost(relaxed, other.arrays())


def _total_cost(limits: Limits, schedule: ScheduleArrays) -> float:
    energy = limits.import_price @ schedule.grid_import - limits.export_price @ schedule.grid_export
    wear = limits.battery.throughput_cost_eur_kwh if limits.battery is not None else 0.0
    return float(energy + wear * schedule.discharge.sum())


def _result(
    problem: OptimisationInput,
    limits: Limits,
    solution: Solution,
    schedule: ScheduleArrays,
    binding: list[BindingConstraint],
    started: float,
) -> ScheduleResult:
    grid = limits.grid
    step_cost = (
        limits.import_price * schedule.grid_import - limits.export_price * schedule.grid_export
    )
    energy_cost = float(step_cost.sum())
    total = _total_cost(limits, schedule)
    baseline = naive_baseline(limits)
    savings = baseline.cost_eur - total
    imported = float(schedule.grid_import.sum())
    objective_value = {
        Objective.COST: total,
        Objective.PROFIT: -total,
        Objective.SELF_CONSUMPTION: imported,
    }[problem.objective]
    battery = limits.battery
    steps = [
        ScheduleStep(
            start=grid.step_start(t),
            end=grid.step_end(t),
            import_price_eur_kwh=float(limits.import_price[t]),
            export_price_eur_kwh=float(limits.export_price[t]),
            load_kwh=float(limits.load_kwh[t]),
            pv_kwh=float(limits.pv_kwh[t]),
            pv_curtailed_kwh=float(schedule.pv_curtailed[t]),
            grid_import_kwh=float(schedule.grid_import[t]),
            grid_export_kwh=float(schedule.grid_export[t]),
            battery_charge_kwh=float(schedule.charge[t]),
            battery_discharge_kwh=float(schedule.discharge[t]),
            soc_kwh=None if schedule.soc is None else float(schedule.soc[t]),
            soc_pct=(
                None
                if schedule.soc is None or battery is None
                else battery.percent(float(schedule.soc[t]))
            ),
            deferrable_kwh={name: float(kwh[t]) for name, kwh in schedule.loads.items()},
            cost_eur=float(step_cost[t]),
        )
        for t in range(grid.n_steps)
    ]
    return ScheduleResult(
        status="optimal" if solution.status == "optimal" else "time_limit",
        objective=problem.objective,
        objective_value=objective_value,
        total_cost_eur=total,
        energy_cost_eur=energy_cost,
        battery_wear_cost_eur=total - energy_cost,
        baseline_cost_eur=baseline.cost_eur,
        baseline_policy=baseline.policy,
        savings_eur=savings,
        savings_pct=(
            100.0 * savings / abs(baseline.cost_eur) if abs(baseline.cost_eur) > 1e-6 else None
        ),
        grid_import_kwh=imported,
        grid_export_kwh=float(schedule.grid_export.sum()),
        pv_curtailed_kwh=float(schedule.pv_curtailed.sum()),
        pv_self_consumed_kwh=float(
            (limits.pv_kwh - schedule.pv_curtailed - schedule.grid_export).sum()
        ),
        solver=_solver_words(solution),
        solve_time_ms=1000.0 * solution.solve_seconds,
        total_time_ms=1000.0 * (perf_counter() - started),
        solves=solution.solves,
        binaries=solution.used_binaries,
        binding_constraints=binding,
        deferrable_loads=_outcomes(limits, schedule),
        steps=steps,
    )


def _solver_words(solution: Solution) -> str:
    if solution.used_binaries:
        return f"{SOLVER} (MILP, {solution.used_binaries} binaries)"
    return f"{SOLVER} (LP)"


def _outcomes(limits: Limits, schedule: ScheduleArrays) -> list[DeferrableOutcome]:
    grid = limits.grid
    outcomes = []
    for load in limits.loads:
        energy = schedule.loads[load.name]
        running = np.flatnonzero(energy > 1e-6)
        outcomes.append(
            DeferrableOutcome(
                name=load.name,
                energy_kwh=float(energy.sum()),
                window_start=grid.boundaries[load.first],
                window_end=grid.boundaries[load.end],
                first_run=grid.step_start(int(running[0])) if len(running) else None,
                last_run_end=grid.step_end(int(running[-1])) if len(running) else None,
                energy_cost_eur=float(limits.import_price @ energy),
            )
        )
    return outcomes
