"""What relaxing a constraint is worth, read off the duals of one LP (no re-solve).

The schedule's model is solved once more as an LP with every binary fixed at its optimum
(``solve.fixed_lp_duals``). A relaxation that only moves bounds — a reserve, the final SoC,
a grid limit, a flow ban's data bound, a load's energy — is priced as

    saving ≈ -Σ_j d_j Δbound_j - Σ_i y_i Δrhs_i

over the columns and rows whose active bound moves (``d``: reduced costs, ``y``: row duals).
It is the first-order (sensitivity) estimate: exact while the relaxation leaves the optimal
basis and the modes in place, and otherwise an upper bound on what the LP with these modes
would save (its value is convex in the bounds). A load window is priced by moving the load's
energy from its dearest steps to the cheapest steps outside the window, at the marginal cost
of energy per step (the duals of the energy balance). Relaxations that add or remove rows
(a cycle limit) are not priced here.

A flow ban binds through mode binaries, where these duals are degenerate; its saving is
re-solved (``optimiser.py``) unless :func:`relaxation_cost_bound` shows it too small to list:
the LP relaxation of the problem without the ban, re-solved hot on this LP's HiGHS instance,
is a lower bound on the cost without the ban, so ``cost - bound`` bounds the saving from above.
"""

from __future__ import annotations

import highspy
import numpy as np

from luna.optimisation.limits import FloatArray, Limits
from luna.optimisation.model import LinearModel, ModelOptions, build_model
from luna.optimisation.solve import Duals, ScheduleArrays, watched_steps

DUAL_TOL = 1e-9


def _active_change(
    dual: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    new_lower: FloatArray,
    new_upper: FloatArray,
) -> float:
    """``Δobjective`` for moved bounds: ``d > 0`` the lower bound is active, ``d < 0`` the upper."""
    with np.errstate(invalid="ignore"):
        d_lower = np.where(dual > DUAL_TOL, new_lower - lower, 0.0)
        d_upper = np.where(dual < -DUAL_TOL, new_upper - upper, 0.0)
    change = np.nan_to_num(d_lower, nan=0.0) + np.nan_to_num(d_upper, nan=0.0)
    if not np.all(np.isfinite(change)):
        return -np.inf
    return float(dual @ change)


def bound_saving(duals: Duals, relaxed: Limits, options: ModelOptions) -> float | None:
    """First-order saving of ``relaxed`` against the duals' model; None if the relaxation
    changes the model's structure (rows or columns added or removed)."""
    model: LinearModel = duals.model
    other = build_model(relaxed, options)
    if not _same_structure(model, other):
        return None
    # Binaries stay fixed at their optimum: the estimate keeps the schedule's modes.
    keep = other.integer
    new_lower = np.where(keep, model.col_lower, other.col_lower)
    new_upper = np.where(keep, model.col_upper, other.col_upper)
    change = _active_change(duals.col, model.col_lower, model.col_upper, new_lower, new_upper)
    change += _active_change(
        duals.row, model.row_lower, model.row_upper, other.row_lower, other.row_upper
    )
    if not np.isfinite(change):
        return None
    return max(-change, 0.0)


def _same_structure(model: LinearModel, other: LinearModel) -> bool:
    """Same columns, rows and sparsity pattern (coefficients and bounds may differ)."""
    return (
        other.num_col == model.num_col
        and other.num_row == model.num_row
        and np.array_equal(other.a_start, model.a_start)
        and np.array_equal(other.a_index, model.a_index)
    )


def relaxation_cost_bound(duals: Duals, relaxed: Limits, options: ModelOptions) -> float | None:
    """A lower bound on the cost (energy and wear, no tie-breaks) of every schedule of
    ``relaxed``, from one LP re-solved hot on the duals' HiGHS instance.

    ``relaxed`` is the schedule's problem with a constraint dropped; its model is built with
    the schedule's mode binaries (``options``), so it has the fixed LP's shape. The LP is that
    model with every binary in [0, 1], the rows of mode binaries that ``relaxed`` no longer
    watches (those of a dropped flow ban) freed, and the tie-breaks' costs set to 0. Any
    schedule of ``relaxed`` is feasible for it — the exact re-solve's included, whose lazy
    binaries only add rows — so none costs less than its optimum. The instance goes back to
    the fixed LP afterwards (its basis stays, which makes the next such LP hot too). None when
    the shapes differ, the LP has no optimum, or no instance was kept.
    """
    h, model = duals.highs, duals.model
    if h is None:
        return None
    other = build_model(relaxed, options)
    if not _same_structure(model, other):
        return None
    row_lower, row_upper = other.row_lower.copy(), other.row_upper.copy()
    watched = watched_steps(relaxed)
    for kind, (binary, first, _) in zip(other.groups.mode_kinds, other.groups.modes, strict=True):
        pair = other.columns.pair(kind)
        if pair is None:
            continue
        steps = np.searchsorted(pair[0], first)
        for j in binary[~np.isin(steps, sorted(watched[kind]))]:
            rows = other.a_index[other.a_start[j] : other.a_start[j + 1]]
            row_lower[rows], row_upper[rows] = -np.inf, np.inf
    cost = np.zeros(other.num_col)
    cols = other.columns
    for family in (cols.grid_import, cols.grid_export, cols.discharge):
        if family is not None:
            cost[family] = other.cost[family]
    changed = np.flatnonzero(other.a_value != model.a_value)
    entry_col = np.searchsorted(model.a_start, changed, side="right") - 1
    _load(h, other.col_lower, other.col_upper, cost, row_lower, row_upper)
    for k, j in zip(changed, entry_col, strict=True):
        h.changeCoeff(int(model.a_index[k]), int(j), float(other.a_value[k]))
    try:
        h.run()
        optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        return float(h.getInfo().objective_function_value) if optimal else None
    finally:
        _load(h, model.col_lower, model.col_upper, model.cost, model.row_lower, model.row_upper)
        for k, j in zip(changed, entry_col, strict=True):
            h.changeCoeff(int(model.a_index[k]), int(j), float(model.a_value[k]))


def _load(
    h: highspy.Highs,
    col_lower: FloatArray,
    col_upper: FloatArray,
    cost: FloatArray,
    row_lower: FloatArray,
    row_upper: FloatArray,
) -> None:
    """Set every bound and cost of the LP in ``h``, keeping its basis."""
    columns = np.arange(len(cost), dtype=np.int32)
    rows = np.arange(len(row_lower), dtype=np.int32)
    h.changeColsBounds(len(columns), columns, col_lower, col_upper)
    h.changeColsCost(len(columns), columns, cost)
    # In highspy's runtime module, not in its stubs (1.16).
    h.changeRowsBounds(len(rows), rows, row_lower, row_upper)  # type: ignore[attr-defined]


def window_saving(duals: Duals, limits: Limits, schedule: ScheduleArrays, name: str) -> float:
    """What running load ``name`` anywhere in the horizon would save, to first order.

    The energy balance rows are the model's first ``n`` rows (``model.build_model``); their
    duals are the marginal cost of one more kWh in each step.
    """
    spec = next(load for load in limits.loads if load.name == name)
    price = duals.row[: limits.n]
    used = schedule.loads[name].copy()
    outside = np.ones(limits.n, dtype=bool)
    outside[spec.first : spec.end] = False
    room = np.where(outside, spec.max_kwh_per_step, 0.0)
    sources = [int(t) for t in np.argsort(-price) if used[t] > 0]
    sinks = [int(t) for t in np.argsort(price) if room[t] > 0]
    saving = 0.0
    i = j = 0
    while i < len(sources) and j < len(sinks):
        src, dst = sources[i], sinks[j]
        gain = price[src] - price[dst]
        if gain <= DUAL_TOL:
            break
        moved = min(used[src], room[dst])
        saving += gain * moved
        used[src] -= moved
        room[dst] -= moved
        i += used[src] <= 1e-12
        j += room[dst] <= 1e-12
    return saving
