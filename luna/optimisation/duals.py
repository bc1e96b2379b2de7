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
"""

from __future__ import annotations

import numpy as np

from luna.optimisation.limits import FloatArray, Limits
from luna.optimisation.model import LinearModel, ModelOptions, build_model
from luna.optimisation.solve import Duals, ScheduleArrays

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
    same = (
        other.num_col == model.num_col
        and other.num_row == model.num_row
        and np.array_equal(other.a_start, model.a_start)
        and np.array_equal(other.a_index, model.a_index)
    )
    if not same:
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
