"""The own branch and bound (branching.py), the pair supply-when-on rows and the hinted
re-solves that price flow bans: each agrees with HiGHS's MILP or a plain re-solve."""

from __future__ import annotations

from typing import Any

import highspy
import numpy as np
import pytest

from luna.optimisation import OptimisationInput, optimise
from luna.optimisation.limits import build_limits
from luna.optimisation.solve import (
    MIP_RELATIVE_GAP,
    _highs_instance,
    solve,
)
from tests.evals.benchmark_modules import benchmark_module
from tests.optimisation.scenarios import known_day, make

bench = benchmark_module("bench_optimiser_vs_emhass")
SCENARIOS = {s.name: s for s in bench.scenarios()}


def _highs_milp_objective(problem: OptimisationInput) -> float:
    """HiGHS's own MILP on the final model (gap 1e-9), no Luna search."""
    model = solve(build_limits(problem)).model
    h = _highs_instance(model, 1e-9)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return float(h.getInfo().objective_function_value)


def _objective(problem: OptimisationInput) -> tuple[float, int]:
    solution = solve(build_limits(problem))
    return float(solution.model.cost @ solution.x), solution.solves


def _machines(**overrides: Any) -> OptimisationInput:
    """Two on/off machines and a single-block oven that each fit the midday PV surplus alone
    but not together, so the relaxation without the pair rows shares the same surplus."""
    data = known_day()
    data["deferrable_loads"] = [
        {"name": "compressor", "power_kw": 3.0, "energy_kwh": 3.0, "power_mode": "fixed"},
        {"name": "pump", "power_kw": 2.0, "energy_kwh": 2.0, "power_mode": "fixed"},
        {
            "name": "oven",
            "power_kw": 4.0,
            "energy_kwh": 2.0,
            "power_mode": "fixed",
            "single_block": True,
            "earliest_start": 36,
            "latest_end": 64,
        },
    ]
    return OptimisationInput(**{**data, **overrides})


@pytest.mark.parametrize("name", ["site_rules", "sme_peak_machines", "negative_prices"])
def test_search_reaches_highs_milp_optimum_on_benchmark_models(name):
    problem = SCENARIOS[name].input()
    ours, _ = _objective(problem)
    theirs = _highs_milp_objective(problem)
    assert ours <= theirs + MIP_RELATIVE_GAP * abs(theirs) + 1e-6
    assert ours >= theirs - 1e-6  # HiGHS at gap 1e-9 is the optimum


def test_search_on_a_small_machine_day_matches_highs():
    problem = _machines()
    ours, solves = _objective(problem)
    theirs = _highs_milp_objective(problem)
    assert ours == pytest.approx(theirs, rel=MIP_RELATIVE_GAP, abs=1e-6)
    assert solves < 40  # hot-started LPs, not a HiGHS MILP fallback after 80


def test_pair_supply_rows_keep_the_optimum_and_make_the_relaxation_integral():
    """The exact MILP of the benchmark (written from raw data, no pair rows) costs what Luna
    does with them; with them the relaxation of sme_peak_machines is integral (one LP), where
    without them rounding was 7 % off and HiGHS's MILP ran its root cuts."""
    scenario = SCENARIOS["sme_peak_machines"]
    result = optimise(scenario.input(), measure_constraints=False)
    exact = bench.exact_milp(scenario.problem)
    assert result.total_cost_eur == pytest.approx(exact.cost, rel=1e-4, abs=1e-6)
    assert result.total_cost_eur >= exact.cost - 1e-6
    assert solve(build_limits(scenario.input())).solves == 1


def test_hinted_resolve_of_a_relaxed_ban_equals_a_cold_resolve():
    problem = SCENARIOS["site_rules"].input()
    limits = build_limits(problem)
    solution = solve(limits)
    for key in [ban.key for ban in limits.battery.bans] + [limits.battery.cycle_cap.key]:
        relaxed = build_limits(problem, relax=[key])
        hinted = solve(relaxed, estimate=True, seed=solution.binary_steps, hint=solution)
        cold = solve(relaxed)
        hinted_cost = float(hinted.model.cost @ hinted.x)
        cold_cost = float(cold.model.cost @ cold.x)
        assert hinted_cost == pytest.approx(cold_cost, rel=1e-4, abs=1e-6)
        assert hinted.solves <= cold.solves


def test_seeded_binaries_of_a_relaxed_ban_do_not_bring_the_ban_back():
    """A flow ban's mode binaries, seeded into the re-solve without the ban, would enforce it
    again on their steps; the seed keeps only modes the relaxed problem still watches."""
    problem = make(
        rules=[{"kind": "charge_from_pv_only"}],
        deferrable_loads=[{"name": "ev", "power_kw": 11.0, "energy_kwh": 20.0}],
    )
    limits = build_limits(problem)
    with_ban = solve(limits)
    relaxed = build_limits(problem, relax=[limits.battery.bans[0].key])
    fake_seed = {**with_ban.binary_steps, "grid_charging": frozenset(range(relaxed.n))}
    seeded = solve(relaxed, seed=fake_seed)
    assert seeded.used_binaries == solve(relaxed).used_binaries
    assert float(seeded.model.cost @ seeded.x) == pytest.approx(
        float(solve(relaxed).model.cost @ solve(relaxed).x), abs=1e-6
    )


@pytest.mark.parametrize(
    "rules",
    [
        [{"kind": "charge_from_pv_only"}, {"kind": "max_cycles_per_day", "value": 0.3}],
        [{"kind": "no_battery_export"}, {"kind": "max_cycles_per_day", "value": 0.5}],
    ],
)
def test_default_explanations_of_bans_and_cycles_match_exact_resolves(rules):
    data = known_day()
    export = np.full(96, 0.08)
    export[68:80] = 0.30  # evening feed-in pays: battery export and cycles are worth money
    problem = OptimisationInput(**{**data, "rules": rules, "export_price_eur_kwh": export})
    default = optimise(problem)
    exact = optimise(problem, explain="exact")
    assert default.total_cost_eur == pytest.approx(exact.total_cost_eur, abs=1e-6)
    ours = {(b.kind, b.source): b.relax_saving_eur for b in default.binding_constraints}
    theirs = {(b.kind, b.source): b.relax_saving_eur for b in exact.binding_constraints}
    priced = [k for k in ours if k[0] in ("grid_charging", "battery_export", "cycle_limit")]
    assert priced, "the scenario must make a ban or the cycle limit bind"
    for key in priced:
        assert ours[key] is not None
        assert theirs[key] is not None
        assert ours[key] == pytest.approx(theirs[key], rel=1e-3, abs=1e-3)
