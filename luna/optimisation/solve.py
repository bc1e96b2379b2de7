"""Solving the schedule model with HiGHS.

Two ideas keep this fast and exact:

* **Lazy mode binaries.** EMHASS puts a binary on every step to forbid importing and exporting
  (or charging and discharging) at once. With import price > export price and a wear cost on
  discharge, doing both at once only wastes money, so the LP relaxation never does it and no
  binary is needed. Binaries are added up front only where prices make it attractive
  (import price <= export price, negative prices) and afterwards on any step where the LP still
  does both; the loop ends when none does. The result is optimal for a relaxation of the full
  binary model and feasible for it, hence optimal for it.
* **Polished MILP solutions.** After a MILP, the binaries are fixed and the LP re-solved, so
  that mode exclusivity holds exactly instead of to the MIP tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from time import perf_counter

import highspy
import numpy as np

from luna.optimisation.inputs import Objective
from luna.optimisation.limits import FloatArray, Limits
from luna.optimisation.model import IntArray, LinearModel, ModelOptions, build_model

TIME_LIMIT_S = 20.0
MIP_RELATIVE_GAP = 1e-6
BOTH_AT_ONCE_KWH = 1e-7
IMPORT_CAP_SLACK_KWH = 1e-6
INTEGRAL = 1e-9


class InfeasibleModelError(Exception):
    """HiGHS found no feasible schedule (the caller turns this into words)."""


@dataclass(frozen=True)
class Solution:
    model: LinearModel
    x: FloatArray
    status: str
    solve_seconds: float
    solves: int

    def values(self, columns: IntArray | None) -> FloatArray:
        """Solution values of a variable family, clipped to the column bounds."""
        if columns is None:
            return np.zeros(0)
        m = self.model
        return np.clip(self.x[columns], m.col_lower[columns], m.col_upper[columns])

    @property
    def used_binaries(self) -> int:
        return self.model.num_binaries

    def arrays(self) -> ScheduleArrays:
        cols = self.model.columns
        n = len(cols.grid_import)
        battery = cols.soc is not None
        return ScheduleArrays(
            grid_import=self.values(cols.grid_import),
            grid_export=self.values(cols.grid_export),
            pv_curtailed=self.values(cols.pv_curtailed),
            charge=self.values(cols.charge) if battery else np.zeros(n),
            discharge=self.values(cols.discharge) if battery else np.zeros(n),
            soc=self.values(cols.soc) if battery else None,
            loads={name: self.values(index) for name, index in cols.loads.items()},
        )


@dataclass(frozen=True)
class ScheduleArrays:
    """The solution as kWh per step, one array per variable family."""

    grid_import: FloatArray
    grid_export: FloatArray
    pv_curtailed: FloatArray
    charge: FloatArray
    discharge: FloatArray
    soc: FloatArray | None
    loads: dict[str, FloatArray]


@dataclass
class _Tally:
    seconds: float = 0.0
    solves: int = 0
    status: str = "optimal"


def solve(limits: Limits) -> Solution:
    """Optimal schedule for ``limits``; raises :class:`InfeasibleModelError` if there is none."""
    grid_steps, battery_steps = _binary_steps_from_prices(limits)
    tally = _Tally()
    while True:
        options = ModelOptions(frozenset(grid_steps), frozenset(battery_steps))
        model, x = _solve_objective(limits, options, tally)
        cols = model.columns
        grid_both = _both_at_once(x, cols.grid_import, cols.grid_export) - grid_steps
        battery_both = _both_at_once(x, cols.charge, cols.discharge) - battery_steps
        if not grid_both and not battery_both:
            return Solution(model, x, tally.status, tally.seconds, tally.solves)
        grid_steps |= grid_both
        battery_steps |= battery_both


def _binary_steps_from_prices(limits: Limits) -> tuple[set[int], set[int]]:
    """Steps where prices can make doing both at once pay, so a binary is needed anyway."""
    both_possible = (limits.import_max_kwh > 0) & (limits.export_max_kwh > 0)
    grid = np.flatnonzero(both_possible & (limits.import_price <= limits.export_price))
    battery: IntArray = np.zeros(0, dtype=np.int64)
    if limits.battery is not None:
        negative = (limits.import_price < 0) | (limits.export_price < 0)
        battery = np.flatnonzero(negative)
    return {int(t) for t in grid}, {int(t) for t in battery}


def _both_at_once(x: FloatArray, first: IntArray | None, second: IntArray | None) -> set[int]:
    if first is None or second is None:
        return set()
    both = np.minimum(x[first], x[second]) > BOTH_AT_ONCE_KWH
    return {int(t) for t in np.flatnonzero(both)}


def _solve_objective(
    limits: Limits, options: ModelOptions, tally: _Tally
) -> tuple[LinearModel, FloatArray]:
    if limits.objective is not Objective.SELF_CONSUMPTION:
        model = build_model(limits, options)
        return model, _run(model, tally)
    # Lexicographic: least grid import first, then the cheapest schedule with that import.
    first = build_model(limits, replace(options, stage="min_import"))
    least_import = float(_run(first, tally)[first.columns.grid_import].sum())
    cap = least_import + max(IMPORT_CAP_SLACK_KWH, 1e-7 * least_import)
    model = build_model(limits, replace(options, import_cap_kwh=cap))
    return model, _run(model, tally)


def _run(model: LinearModel, tally: _Tally) -> FloatArray:
    if model.num_binaries == 0:
        return _highs(model, tally)
    # The block-start formulation is often integral already in its LP relaxation; if so, that
    # relaxation's optimum is the MILP's optimum and no branching is needed.
    relaxed = _highs(replace(model, integer=np.zeros_like(model.integer)), tally)
    if np.all(np.abs(relaxed[model.integer] - np.round(relaxed[model.integer])) <= INTEGRAL):
        return relaxed
    x = _highs(model, tally)
    fixed = np.where(model.integer, np.round(x), np.nan)
    polished = replace(
        model,
        col_lower=np.where(model.integer, fixed, model.col_lower),
        col_upper=np.where(model.integer, fixed, model.col_upper),
        integer=np.zeros_like(model.integer),
    )
    try:
        return _highs(polished, tally)
    except InfeasibleModelError:
        return x


def _highs(model: LinearModel, tally: _Tally) -> FloatArray:
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", TIME_LIMIT_S)
    h.setOptionValue("mip_rel_gap", MIP_RELATIVE_GAP)
    if model.num_binaries:
        # These MILPs are small and already tight; HiGHS's MIP presolve costs more than it saves
        # (measured ~4x slower on the benchmark day with a single-block load).
        h.setOptionValue("presolve", "off")
    integrality = model.integer.astype(np.int32)
    h.passModel(
        model.num_col,
        model.num_row,
        len(model.a_value),
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMinimize),
        0.0,
        model.cost,
        model.col_lower,
        model.col_upper,
        model.row_lower,
        model.row_upper,
        model.a_start,
        model.a_index,
        model.a_value,
        integrality,
    )
    started = perf_counter()
    h.run()
    tally.seconds += perf_counter() - started
    tally.solves += 1
    status = h.getModelStatus()
    has_solution = h.getInfo().primal_solution_status == int(highspy.kSolutionStatusFeasible)
    if status == highspy.HighsModelStatus.kOptimal:
        pass
    elif status == highspy.HighsModelStatus.kTimeLimit and has_solution:
        tally.status = "time_limit"
    else:
        raise InfeasibleModelError(h.modelStatusToString(status))
    return np.asarray(h.getSolution().col_value, dtype=float)
