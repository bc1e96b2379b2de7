"""Branch and bound on one HiGHS LP, for the few binaries a schedule model has.

A HiGHS MILP spends tens of milliseconds in root cuts, probing and heuristics even when its
relaxation is within the MIP gap of the optimum, as it is on the schedule models here (the
"supply when on" rows and the start-indicator form of single blocks make it tight). The
search below keeps one HiGHS instance holding the LP relaxation and only changes the binaries'
bounds between nodes, so each node is a hot-started dual simplex of a few iterations (well
under a millisecond on 96 steps) instead of a model built and solved from scratch:

* a hint (another schedule's binaries) is tried first, then a dive rounds one load's
  binaries at a time, the largest load first, re-solving after each;
* a candidate is rounded along the binaries' structure (the caller's ``rounded``) and
  re-solved with those binaries fixed; leaves whose LP is integral are candidates too (a
  rounding at every node cost more LPs than it saved on the benchmark);
* nodes are explored best bound first, branching on the most fractional binary (1 first);
* the search stops when the best schedule is within the MIP gap of the lowest open bound
  (``proved``), or after ``max_lps`` LPs, leaving the rest to HiGHS's MILP.

Every schedule it returns has its binaries fixed (or integral) and is the LP optimum for them,
so it needs no polishing.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter

import highspy
import numpy as np

from luna.optimisation.limits import FloatArray
from luna.optimisation.model import LinearModel

INTEGRAL = 1e-9


@dataclass(frozen=True)
class LpRun:
    """One LP's primal solution and objective value."""

    x: FloatArray
    objective: float


@dataclass(frozen=True)
class Search:
    """What the search found: its best integer schedule and the lower bound it proved."""

    best: LpRun | None
    bound: float
    proved: bool
    lps: int
    seconds: float


class _UnsettledError(Exception):
    """HiGHS ended a node neither optimal nor infeasible; the search gives up, proving nothing."""


class _NodeLp:
    """The relaxation in one HiGHS instance; a node is a set of bounds on the binaries."""

    def __init__(self, h: highspy.Highs, model: LinearModel) -> None:
        self.h = h
        self.ints = np.flatnonzero(model.integer).astype(np.int32)
        self.lps = 0
        self.seconds = 0.0

    def solve(self, lower: FloatArray, upper: FloatArray) -> LpRun | None:
        """The LP with the binaries in ``[lower, upper]``; None if it is infeasible."""
        h = self.h
        h.changeColsBounds(len(self.ints), self.ints, lower, upper)
        started = perf_counter()
        h.run()
        self.seconds += perf_counter() - started
        self.lps += 1
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            x = np.asarray(h.getSolution().col_value, dtype=float)
            return LpRun(x, float(h.getInfo().objective_function_value))
        if status == highspy.HighsModelStatus.kInfeasible:
            return None
        raise _UnsettledError(h.modelStatusToString(status))


def _fractional(values: FloatArray) -> FloatArray:
    return np.abs(values - np.round(values))


def branch_and_bound(
    model: LinearModel,
    h: highspy.Highs,
    root: LpRun,
    *,
    rounded: Callable[[FloatArray], FloatArray],
    within_gap: Callable[[float, float], bool],
    max_lps: int,
    hint: FloatArray | None = None,
) -> Search:
    """Search ``model``'s binaries from ``root``, the relaxation already solved in ``h``.

    ``rounded(x)`` sets ``x``'s binaries to a feasible 0/1 pattern; ``within_gap(upper,
    lower)`` is the MIP stopping rule. Nodes whose bound is within the gap of the best
    schedule are pruned; their bounds still count towards the proven ``bound``.
    """
    lp = _NodeLp(h, model)
    ints = lp.ints
    best: LpRun | None = None
    pruned = np.inf

    def try_rounding(x: FloatArray) -> None:
        nonlocal best
        fixed = np.round(rounded(x)[ints])
        run = lp.solve(fixed, fixed)
        if run is not None and (best is None or run.objective < best.objective):
            best = run

    order = sorted(
        range(len(model.groups.choices)),
        key=lambda g: -(model.groups.choice_kwh[g] if g < len(model.groups.choice_kwh) else 0.0),
    )

    def dive(lower: FloatArray, upper: FloatArray, x: FloatArray) -> None:
        """Round one choice group at a time, the largest loads first, re-solving after each:
        the smaller loads and the battery then adapt to where the big ones landed, which a
        one-shot rounding of all groups cannot. The mode binaries are rounded last."""
        lower, upper = lower.copy(), upper.copy()
        for g in order:
            columns, k = model.groups.choices[g]
            at = np.searchsorted(ints, columns)
            if np.all(_fractional(x[columns]) <= INTEGRAL):
                continue
            on = np.zeros(len(columns))
            on[np.argsort(-x[columns], kind="stable")[:k]] = 1.0
            lower[at] = upper[at] = on
            run = lp.solve(lower, upper)
            if run is None:
                return
            x = run.x
        try_rounding(x)

    heap: list[tuple[float, int, FloatArray, FloatArray, FloatArray]] = [
        (root.objective, 0, model.col_lower[ints].copy(), model.col_upper[ints].copy(), root.x)
    ]
    count = 1
    try:
        if hint is not None:
            try_rounding(hint)
        if best is None or not within_gap(best.objective, root.objective):
            dive(heap[0][2], heap[0][3], root.x)
        while heap:
            bound = heap[0][0]
            if best is not None and within_gap(best.objective, bound):
                break
            if lp.lps >= max_lps:
                break
            objective, _, lower, upper, x = heapq.heappop(heap)
            if best is not None and within_gap(best.objective, objective):
                pruned = min(pruned, objective)
                continue
            j = int(np.argmax(_fractional(x[ints])))
            for value in (1.0, 0.0):
                child_lower, child_upper = lower.copy(), upper.copy()
                child_lower[j] = child_upper[j] = value
                run = lp.solve(child_lower, child_upper)
                if run is None:
                    continue
                if np.all(_fractional(run.x[ints]) <= INTEGRAL):
                    if best is None or run.objective < best.objective:
                        best = run
                    continue
                heapq.heappush(heap, (run.objective, count, child_lower, child_upper, run.x))
                count += 1
    except _UnsettledError:
        return Search(best, -np.inf, False, lp.lps, lp.seconds)
    open_bound = heap[0][0] if heap else np.inf
    bound = min(open_bound, pruned, np.inf if best is None else best.objective)
    proved = best is not None and within_gap(best.objective, bound)
    return Search(best, bound, proved, lp.lps, lp.seconds)
