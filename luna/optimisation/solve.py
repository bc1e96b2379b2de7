"""Solving the schedule model with HiGHS.

Two ideas keep this fast and exact:

* **Lazy mode binaries.** EMHASS puts a binary on every step to forbid importing and exporting
  (or charging and discharging) at once. With import price > export price and a wear cost on
  discharge, doing both at once only wastes money, so the LP relaxation never does it and no
  binary is needed. Binaries are added up front only where prices make it attractive
  (import price <= export price, negative prices) and afterwards on any step where the LP still
  does both; the loop ends when none does. The result is optimal for a relaxation of the full
  binary model and feasible for it, hence optimal for it. The flow bans of the rules
  (``charge_from_pv_only``: no charging while importing; ``no_battery_export``: no discharging
  while exporting) are mode pairs of the same kind, checked only on the steps they cover; their
  data bounds (``limits.py``) already settle most steps, e.g. every step without PV surplus.
* **Own branch and bound before HiGHS's MILP.** A model with binaries is first solved as its
  LP relaxation; if that is not integral, ``branching.py`` searches it on one hot-started
  HiGHS LP (hint, dive, best bound) until a schedule is within the MIP gap of the bound (see
  :func:`_run`). HiGHS's MILP runs only when that fails, starting from the best schedule.
* **Polished MILP solutions.** After a MILP, the binaries are fixed and the LP re-solved, so
  that mode exclusivity holds exactly instead of to the MIP tolerance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from time import perf_counter

import highspy
import numpy as np

from luna.optimisation.branching import INTEGRAL, LpRun, branch_and_bound
from luna.optimisation.horizon import BoolArray
from luna.optimisation.inputs import Objective
from luna.optimisation.limits import FloatArray, Limits
from luna.optimisation.model import MODES, IntArray, LinearModel, Mode, ModelOptions, build_model

TIME_LIMIT_S = 20.0
MIP_RELATIVE_GAP = 1e-5
"""A tenth of the exactness target (0.01 % above the optimum): a fraction of a cent a day. At
1e-6 HiGHS spent most of a MILP in sub-MIP heuristics chasing the last millionth."""
ESTIMATE_MIP_RELATIVE_GAP = 1e-4
"""Gap for the re-solves that only price a relaxation (explanations): their figures are shown
to the cent, and a 0.01 % gap costs well under a cent on a day's bill."""
BOTH_AT_ONCE_KWH = 1e-7
IMPORT_CAP_SLACK_KWH = 1e-6
MIP_ABSOLUTE_GAP = 1e-6
"""HiGHS's default ``mip_abs_gap`` (EUR), also used when a rounded relaxation is accepted."""
MIP_PRESOLVE = False
SEARCH_MAX_LPS = 80
"""LPs the own branch and bound may spend before HiGHS's MILP takes over (see branching.py)."""


class InfeasibleModelError(Exception):
    """HiGHS found no feasible schedule (the caller turns this into words)."""


@dataclass(frozen=True)
class Solution:
    model: LinearModel
    x: FloatArray
    status: str
    solve_seconds: float
    solves: int
    binary_steps: dict[Mode, frozenset[int]] = field(default_factory=dict)
    import_cap_kwh: float | None = None
    lp: highspy.Highs | None = field(default=None, compare=False, repr=False)
    """The HiGHS instance holding ``model``'s LP (its relaxation, if it has binaries) solved
    last, kept so the fixed-mode LP of :func:`fixed_lp_duals` starts hot from its basis."""

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
    mip_gap: float = MIP_RELATIVE_GAP
    polish: bool = True
    lp: highspy.Highs | None = None
    """The HiGHS instance holding the last model's LP (or LP relaxation) at the solution found,
    None when HiGHS's MILP decided (see :attr:`Solution.lp`)."""


def solve(
    limits: Limits,
    *,
    estimate: bool = False,
    seed: Mapping[Mode, frozenset[int]] | None = None,
    hint: Solution | None = None,
) -> Solution:
    """Optimal schedule for ``limits``; raises :class:`InfeasibleModelError` if there is none.

    ``estimate`` is for re-solves that only price a relaxed problem (explanations): a MIP gap
    of :data:`ESTIMATE_MIP_RELATIVE_GAP` and no polishing LP. ``seed`` starts the lazy mode
    binaries from another solution's (e.g. the unrelaxed problem's), which saves rounds of the
    lazy loop; binaries on more steps never change the optimum, only the work. ``hint``: a
    schedule whose loads' on/start pattern is tried first as the incumbent (see
    :func:`_hint_for`), so pricing a relaxation rarely branches.
    """
    binary_steps = _binary_steps_from_prices(limits)
    watched = watched_steps(limits)
    for mode, steps in (seed or {}).items():
        # Only where the mode still applies: a relaxed flow ban must not come back as binaries.
        binary_steps[mode] |= set(steps) & watched[mode]
    tally = _Tally()
    if estimate:
        tally.mip_gap, tally.polish = ESTIMATE_MIP_RELATIVE_GAP, False
    options = ModelOptions()
    if limits.objective is Objective.SELF_CONSUMPTION:
        # Lexicographic: least grid import first, then the cheapest schedule with that import.
        first, x = _solve_lazily(
            limits, ModelOptions(stage="min_import"), binary_steps, tally, hint
        )
        least_import = float(x[first.columns.grid_import].sum())
        cap = least_import + max(IMPORT_CAP_SLACK_KWH, 1e-7 * least_import)
        options = ModelOptions(import_cap_kwh=cap)
    model, x = _solve_lazily(limits, options, binary_steps, tally, hint)
    used = {mode: frozenset(steps) for mode, steps in binary_steps.items()}
    return Solution(
        model, x, tally.status, tally.seconds, tally.solves, used, options.import_cap_kwh, tally.lp
    )


def _solve_lazily(
    limits: Limits,
    options: ModelOptions,
    binary_steps: dict[Mode, set[int]],
    tally: _Tally,
    hint: Solution | None = None,
) -> tuple[LinearModel, FloatArray]:
    """Solve, add mode binaries where a pair of flows is positive at once, repeat until none is.

    ``binary_steps`` grows in place, so a later stage starts from what an earlier one needed.
    """
    watched = watched_steps(limits)
    while True:
        steps = {mode: frozenset(at) for mode, at in binary_steps.items()}
        model = build_model(limits, replace(options, binary_steps=steps))
        x = _run(model, tally, None if hint is None else _hint_for(model, hint))
        added = False
        for mode in MODES:
            pair = model.columns.pair(mode)
            if pair is None:
                continue
            both = _both_at_once(x, *pair) & watched[mode]
            added |= bool(both - binary_steps[mode])
            binary_steps[mode] |= both
        if not added:
            return model, x


def watched_steps(limits: Limits) -> dict[Mode, set[int]]:
    """Steps on which each mode pair must not be positive at once."""
    every = set(range(limits.n))
    battery = limits.battery
    if battery is None:
        return {"grid": every, "battery": set(), "grid_charging": set(), "battery_export": set()}
    return {
        "grid": every,
        "battery": every,
        "grid_charging": _indices(battery.banned("grid_charging")),
        "battery_export": _indices(battery.banned("battery_export")),
    }


def _indices(mask: BoolArray) -> set[int]:
    return {int(t) for t in np.flatnonzero(mask)}


def _binary_steps_from_prices(limits: Limits) -> dict[Mode, set[int]]:
    """Steps where prices can make doing both at once pay, so a binary is needed anyway."""
    both_possible = (limits.import_max_kwh > 0) & (limits.export_max_kwh > 0)
    grid = both_possible & (limits.import_price <= limits.export_price)
    negative = (limits.import_price < 0) | (limits.export_price < 0)
    battery = negative if limits.battery is not None else np.zeros(limits.n, dtype=bool)
    return {
        "grid": _indices(grid),
        "battery": _indices(battery),
        "grid_charging": set(),
        "battery_export": set(),
    }


def _both_at_once(x: FloatArray, first: IntArray, second: IntArray) -> set[int]:
    both = np.minimum(x[first], x[second]) > BOTH_AT_ONCE_KWH
    return _indices(both)


def _hint_for(model: LinearModel, other: Solution) -> FloatArray | None:
    """``other``'s flows and load binaries as a solution vector of ``model``, or None when the
    two models' loads differ (another window, another length)."""
    mine, theirs = model.groups.choices, other.model.groups.choices
    if len(mine) != len(theirs) or not all(
        np.array_equal(a, b) for (a, _), (b, _) in zip(mine, theirs, strict=True)
    ):
        return None
    x = np.zeros(model.num_col)
    for columns, _ in mine:
        x[columns] = other.x[columns]
    for family in ("grid_import", "grid_export", "pv_curtailed", "charge", "discharge"):
        at, was = getattr(model.columns, family), getattr(other.model.columns, family)
        if at is not None and was is not None:
            x[at] = other.x[was]
    return x


def _run(model: LinearModel, tally: _Tally, hint: FloatArray | None = None) -> FloatArray:
    """Solve ``model``; with binaries, by the own search first (``branching.py``).

    A HiGHS MILP costs tens of milliseconds even when it closes at the root node (cuts,
    heuristics, sub-MIPs), several times an LP. The relaxation's objective is a lower bound and
    any integer schedule's an upper one, so: solve the relaxation; if it is integral, it is the
    optimum; else search on the same HiGHS instance, changing only the binaries' bounds, and
    accept the best schedule once it is within the MIP gap of the lowest open bound. Only
    otherwise does HiGHS's MILP run, from that schedule. ``hint``: a solution vector whose
    binaries are tried first.
    """
    if model.num_binaries == 0:
        tally.lp = _highs_instance(model, tally.mip_gap)
        return _run_instance(tally.lp, tally).x
    h = tally.lp = _highs_instance(_relaxation(model), tally.mip_gap)
    relaxed = _run_instance(h, tally)
    if _integral(model, relaxed.x):
        return relaxed.x
    search = branch_and_bound(
        model,
        h,
        relaxed,
        rounded=lambda x: _rounded(model, x),
        within_gap=lambda upper, lower: _within_gap(upper, lower, tally),
        max_lps=SEARCH_MAX_LPS,
        hint=hint,
    )
    tally.seconds += search.seconds
    tally.solves += search.lps
    if search.proved and search.best is not None:
        return search.best.x
    tally.lp = None  # HiGHS's MILP decides; its instance holds no LP of the solution
    start = None if search.best is None else search.best.x
    x = _highs(model, tally, start=start).x
    if not tally.polish:
        return x
    # Polish: binaries fixed, LP re-solved, so mode exclusivity holds exactly.
    polished = _with_binaries_fixed(model, x, tally)
    return x if polished is None else polished.x


def _relaxation(model: LinearModel) -> LinearModel:
    return replace(model, integer=np.zeros_like(model.integer))


def _integral(model: LinearModel, x: FloatArray) -> bool:
    values = x[model.integer]
    return bool(np.all(np.abs(values - np.round(values)) <= INTEGRAL))


def _within_gap(upper: float, lower: float, tally: _Tally) -> bool:
    """HiGHS's own stopping rule (relative gap, or the absolute one near zero)."""
    return upper - lower <= tally.mip_gap * abs(upper) + MIP_ABSOLUTE_GAP


def _rounded(model: LinearModel, x: FloatArray) -> FloatArray:
    """``x`` with its binaries set to 0/1 so that every binary group stays feasible.

    A group "exactly k of these" keeps its k largest values (the earlier step on ties, like the
    tie-break); a mode binary follows the larger of its two flows, and its own value on a tie.
    The continuous part is left to the LP that fixes these binaries.
    """
    out = x.copy()
    for columns, count in model.groups.choices:
        order = np.argsort(-x[columns], kind="stable")
        out[columns] = 0.0
        out[columns[order[:count]]] = 1.0
    for binary, first, second in model.groups.modes:
        tie = np.abs(x[first] - x[second]) <= BOTH_AT_ONCE_KWH
        out[binary] = np.where(tie, np.round(x[binary]), x[first] > x[second])
    return out


def _with_binaries_fixed(model: LinearModel, x: FloatArray, tally: _Tally) -> LpRun | None:
    """The LP with every binary fixed at ``x``'s rounded value; None if that is infeasible."""
    fixed = np.round(x)
    lp = replace(
        model,
        col_lower=np.where(model.integer, fixed, model.col_lower),
        col_upper=np.where(model.integer, fixed, model.col_upper),
        integer=np.zeros_like(model.integer),
    )
    try:
        return _highs(lp, tally)
    except InfeasibleModelError:
        return None


def _highs(model: LinearModel, tally: _Tally, start: FloatArray | None = None) -> LpRun:
    """Run HiGHS on ``model`` (``start``: a feasible solution to begin a MILP from)."""
    h = _highs_instance(model, tally.mip_gap)
    if start is not None:
        columns = np.arange(model.num_col, dtype=np.int32)
        h.setSolution(model.num_col, columns, np.asarray(start, dtype=float))
    return _run_instance(h, tally)


def _run_instance(h: highspy.Highs, tally: _Tally) -> LpRun:
    """Run the model loaded in ``h``; raise :class:`InfeasibleModelError` without a schedule."""
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
    x = np.asarray(h.getSolution().col_value, dtype=float)
    return LpRun(x, float(h.getInfo().objective_function_value))


def _highs_instance(model: LinearModel, mip_gap: float) -> highspy.Highs:
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", TIME_LIMIT_S)
    h.setOptionValue("mip_rel_gap", mip_gap)
    if model.num_binaries and not MIP_PRESOLVE:
        # Measured on benchmarks/bench_optimiser_vs_emhass.py (HiGHS 1.16): MIP presolve on is
        # faster on some scenarios (SME machines 59 -> 47 ms, EV on/off 9 -> 7 ms) and slower on
        # others (household appliances 28 -> 36 ms, site rules 36 -> 42 ms); no clear win.
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
    return h


@dataclass(frozen=True)
class Duals:
    """Row duals and column reduced costs of ``solution``'s model with its integers fixed.

    HiGHS's convention for a minimisation: reduced cost ``d = c - A^T y``; raising an active
    lower bound by ``δ`` raises the objective by ``d·δ`` (``d > 0``), lowering an active upper
    bound by ``δ`` raises it by ``-d·δ`` (``d < 0``); the same holds for rows with ``y``.
    """

    model: LinearModel
    row: FloatArray
    col: FloatArray
    highs: highspy.Highs | None = field(default=None, compare=False, repr=False)
    """The solved LP, kept so that a relaxation of it re-solves hot from its optimal basis
    (``duals.relaxation_cost_bound``)."""


def fixed_lp_duals(solution: Solution) -> Duals | None:
    """One LP: the final model with every binary fixed at its optimum, for its duals.

    Re-solved hot on the solution's own HiGHS instance where it kept one (only the binaries'
    bounds change; a pure LP is already solved), else built and solved cold. None if HiGHS
    reports no dual solution (it then stays silent rather than guessing)."""
    model = solution.model
    h = solution.lp
    if model.num_binaries:
        fixed = np.round(solution.x)
        model = replace(
            model,
            col_lower=np.where(model.integer, fixed, model.col_lower),
            col_upper=np.where(model.integer, fixed, model.col_upper),
            integer=np.zeros_like(model.integer),
        )
        if h is not None:
            ints = np.flatnonzero(solution.model.integer).astype(np.int32)
            h.changeColsBounds(len(ints), ints, fixed[ints], fixed[ints])
    if h is None:
        h = _highs_instance(model, MIP_RELATIVE_GAP)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    if h.getInfo().dual_solution_status != int(highspy.kSolutionStatusFeasible):
        return None
    sol = h.getSolution()
    return Duals(
        model,
        np.asarray(sol.row_dual, dtype=float),
        np.asarray(sol.col_dual, dtype=float),
        h,
    )
