"""Lazy mode binaries: the LP is used where it is exact, binaries only where prices need them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from luna.optimisation import OptimisationInput
from luna.optimisation.limits import build_limits
from luna.optimisation.model import BinaryGroups
from luna.optimisation.solve import _rounded, solve
from tests.optimisation.scenarios import known_day, make


def test_no_binaries_when_import_always_costs_more_than_export_pays():
    solution = solve(build_limits(make()))
    assert solution.used_binaries == 0
    assert solution.solves == 1


def test_binaries_only_on_steps_where_feed_in_pays_at_least_the_import_price():
    data = known_day()
    export = np.full(96, 0.08)
    export[[40, 41, 70]] = 0.50
    limits = build_limits(OptimisationInput(**{**data, "export_price_eur_kwh": export.tolist()}))
    solution = solve(limits)
    arrays = solution.arrays()
    assert solution.used_binaries == 3
    assert np.minimum(arrays.grid_import, arrays.grid_export).max() == 0.0
    # where feed-in pays 0.50 the battery sells all it can
    assert arrays.discharge[70] == pytest.approx(1.25)
    assert arrays.grid_export[70] > 0.5


def test_milp_solution_is_polished_so_mode_exclusivity_holds_exactly():
    data = known_day()
    export = np.full(96, 0.08)
    export[60:64] = 0.40
    solution = solve(
        build_limits(OptimisationInput(**{**data, "export_price_eur_kwh": export.tolist()}))
    )
    arrays = solution.arrays()
    assert solution.used_binaries > 0
    assert (np.minimum(arrays.grid_import, arrays.grid_export) == 0.0).all()
    assert (np.minimum(arrays.charge, arrays.discharge) == 0.0).all()


def test_rounding_keeps_every_binary_group_feasible():
    model = solve(build_limits(make())).model
    groups = BinaryGroups(
        choices=((np.array([0, 1, 2, 3]), 2),),
        modes=((np.array([4]), np.array([5]), np.array([6])),),
    )
    x = np.zeros(model.num_col)
    x[[0, 1, 2, 3]] = [0.4, 0.9, 0.4, 0.3]  # keep the 2 largest, the earlier one on a tie
    x[[4, 5, 6]] = [0.2, 1.0, 0.5]  # first flow larger: mode 1
    rounded = _rounded(replace(model, groups=groups), x)
    assert rounded[[0, 1, 2, 3]].tolist() == [1.0, 1.0, 0.0, 0.0]
    assert rounded[4] == 1.0
