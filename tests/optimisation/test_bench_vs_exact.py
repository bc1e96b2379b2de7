"""The optimiser benchmark's scenarios are valid inputs, and Luna matches an independent exact
MILP on small ones (no EMHASS needed)."""

from __future__ import annotations

import pytest

from luna.optimisation import optimise
from tests.evals.benchmark_modules import benchmark_module

bench = benchmark_module("bench_optimiser_vs_emhass")
SCENARIOS = {s.name: s for s in bench.scenarios()}


def test_scenarios_cover_the_issue_and_validate():
    assert len(SCENARIOS) >= 10
    steps = set()
    for scenario in SCENARIOS.values():
        problem = scenario.input()  # pydantic validation of every scenario
        steps.add(len(problem.import_price_eur_kwh))
        request, _ = bench.emhass_request(scenario.problem)
        assert len(request["load_w"]) == len(problem.load_kwh)
    assert {92, 96, 100} <= steps  # both DST days
    assert any(s.expect_binaries for s in SCENARIOS.values())
    assert any(not s.expect_binaries for s in SCENARIOS.values())
    names = " ".join(SCENARIOS)
    for kind in ("household", "heat_pump", "ev", "sme_peak"):
        assert kind in names


@pytest.mark.parametrize("name", ["household_lp", "ev_fixed_evening", "dst_spring_household"])
def test_luna_matches_the_exact_milp_and_breaks_no_constraint(name):
    scenario = SCENARIOS[name]
    result = optimise(scenario.input(), measure_constraints=False)
    exact = bench.exact_milp(scenario.problem)
    assert exact.status == "optimal"
    assert result.total_cost_eur <= exact.cost + 1e-4 * abs(exact.cost) + 1e-6
    assert result.total_cost_eur >= exact.cost - 1e-6  # the exact MILP is a true lower bound
    assert bench.violations(scenario.problem, result) == []
    assert (result.binaries > 0) == scenario.expect_binaries


@pytest.mark.parametrize("name", ["heat_pump_onoff", "household_3_appliances", "negative_prices"])
def test_binaries_settled_without_branching_and_still_exact(name):
    """Supply-when-on rows make fixed loads' relaxation integral (heat pump, appliances); where
    it is not (mode binaries at negative prices), the rounded schedule is proven within the MIP
    gap by the relaxation's bound. Either way no HiGHS MILP runs: at most relaxation, rounded
    LP (and the lazy loop's rounds), and the cost still matches the exact MILP."""
    scenario = SCENARIOS[name]
    result = optimise(scenario.input(), measure_constraints=False)
    exact = bench.exact_milp(scenario.problem)
    assert result.total_cost_eur <= exact.cost + 1e-4 * abs(exact.cost) + 1e-6
    assert bench.violations(scenario.problem, result) == []
    assert result.binaries > 0


def test_milp_fallback_from_a_rounded_start_is_exact():
    """site_rules: the rounded relaxation is 3.5 % off its bound, so the search branches (its
    own branch and bound; HiGHS's MILP would take over after 80 LPs) and is still exact."""
    scenario = SCENARIOS["site_rules"]
    result = optimise(scenario.input(), measure_constraints=False)
    exact = bench.exact_milp(scenario.problem)
    assert result.total_cost_eur <= exact.cost + 1e-4 * abs(exact.cost) + 1e-6
    assert bench.violations(scenario.problem, result) == []
