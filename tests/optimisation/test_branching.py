"""The own branch and bound (branching.py), the pair supply-when-on rows, the hinted
re-solves that price flow bans, the LP bound that spares them and the hot fixed-mode LP: each
agrees with HiGHS's MILP, a plain re-solve or a cold LP."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import highspy
import numpy as np
import pytest

import luna.optimisation.optimiser as optimiser_module
from luna.optimisation import OptimisationInput, optimise
from luna.optimisation.duals import relaxation_cost_bound
from luna.optimisation.explain import WORTH_MENTIONING_EUR
from luna.optimisation.limits import build_limits
from luna.optimisation.model import ModelOptions, build_model
from luna.optimisation.optimiser import _total_cost
from luna.optimisation.solve import (
    MIP_RELATIVE_GAP,
    _highs_instance,
    fixed_lp_duals,
    solve,
    watched_steps,
)
from tests.evals.benchmark_modules import benchmark_module
from tests.optimisation.scenarios import BATTERY, known_day, make

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


def _evening_export(rules: list[dict[str, Any]], **overrides: Any) -> OptimisationInput:
    """known_day with a dear evening feed-in: battery export is worth money."""
    data = known_day()
    export = np.full(96, 0.08)
    export[68:80] = 0.40
    return OptimisationInput(
        **{**data, "rules": rules, "export_price_eur_kwh": export, **overrides}
    )


BAN_PROBLEMS = {
    "site_rules": lambda: SCENARIOS["site_rules"].input(),
    "pv_only_evening_export": lambda: _evening_export([{"kind": "charge_from_pv_only"}]),
    "no_battery_export_evening": lambda: _evening_export([{"kind": "no_battery_export"}]),
    "both_bans_evening": lambda: _evening_export(
        [
            {"kind": "charge_from_pv_only"},
            {"kind": "no_battery_export", "between": ["17:00", "22:00"]},
        ]
    ),
    # Little PV, a big empty battery and a dear evening feed-in: PV would rather go into the
    # battery while a daytime EV draws from the grid, so the ban binds through grid_charging
    # mode binaries, whose rows the bound must free.
    "pv_only_daytime_ev": lambda: _evening_export(
        [{"kind": "charge_from_pv_only"}],
        pv_kwh=(0.4 * np.asarray(known_day()["pv_kwh"])).tolist(),
        battery={**BATTERY, "capacity_kwh": 30, "initial_soc_fraction": 0.1},
        deferrable_loads=[
            {"name": "ev", "power_kw": 11, "energy_kwh": 20, "earliest_start": 40, "latest_end": 64}
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(BAN_PROBLEMS))
def test_ban_bound_is_never_below_the_exact_saving(name):
    """``cost - relaxation_cost_bound`` bounds a flow ban's saving from above: the saving a
    cold re-solve without the ban measures never exceeds it, nor does it exceed the bound
    with every ban dropped at once (which the default call tries first)."""
    problem = BAN_PROBLEMS[name]()
    limits = build_limits(problem)
    solution = solve(limits)
    duals = fixed_lp_duals(solution)
    assert duals is not None
    options = ModelOptions(binary_steps=solution.binary_steps, import_cap_kwh=None)
    cost = _total_cost(limits, solution.arrays())
    keys = [ban.key for ban in limits.battery.bans]
    every = relaxation_cost_bound(duals, build_limits(problem, relax=keys), options)
    assert every is not None
    tolerance = MIP_RELATIVE_GAP * abs(cost) + 1e-6
    for key in keys:
        relaxed = build_limits(problem, relax=[key])
        lowest = relaxation_cost_bound(duals, relaxed, options)
        assert lowest is not None
        exact = cost - _total_cost(relaxed, solve(relaxed).arrays())
        assert cost - lowest >= exact - tolerance, (key, cost - lowest, exact)
        assert cost - every >= exact - tolerance, (key, cost - every, exact)
        assert every <= lowest + 1e-9
        # The LP of the model without the ban is a relaxation of it: never above its optimum.
        assert lowest <= cost - exact + tolerance


def _cold_relaxation_cost(relaxed, binary_steps) -> float:
    """The LP relaxation of ``relaxed``'s model, built from scratch with the mode binaries it
    still watches, priced at energy cost and wear only (no tie-breaks)."""
    watched = watched_steps(relaxed)
    steps = {mode: frozenset(at & watched[mode]) for mode, at in binary_steps.items()}
    model = build_model(relaxed, ModelOptions(binary_steps=steps))
    cost = np.zeros(model.num_col)
    for family in (model.columns.grid_import, model.columns.grid_export, model.columns.discharge):
        cost[family] = model.cost[family]
    lp = replace(model, cost=cost, integer=np.zeros_like(model.integer))
    h = _highs_instance(lp, MIP_RELATIVE_GAP)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return float(h.getInfo().objective_function_value)


@pytest.mark.parametrize("kind", ["charge_from_pv_only", "no_battery_export"])
def test_ban_bound_is_the_relaxation_without_the_bans_binaries(kind):
    """Seeded with the ban's mode binaries on every step it covers, the schedule's model
    enforces the ban by rows; the hot-started bound must drop exactly those rows (else night
    grid charging or evening battery export would stay forbidden and the bound too high) and
    leave the instance as it found it. A 30 kWh battery makes those rows cost money."""
    big = {**BATTERY, "capacity_kwh": 30, "initial_soc_fraction": 0.1}
    problem = _evening_export([{"kind": kind}], battery=big)
    limits = build_limits(problem)
    ban = limits.battery.bans[0]
    everywhere = {ban.flow: frozenset(watched_steps(limits)[ban.flow])}
    solution = solve(limits, seed=everywhere)
    assert len(solution.binary_steps[ban.flow]) == int(ban.steps.sum())
    duals = fixed_lp_duals(solution)
    options = ModelOptions(binary_steps=solution.binary_steps)
    relaxed = build_limits(problem, relax=[ban.key])
    lowest = relaxation_cost_bound(duals, relaxed, options)
    assert lowest == pytest.approx(_cold_relaxation_cost(relaxed, solution.binary_steps), abs=1e-6)
    exact = _total_cost(relaxed, solve(relaxed).arrays())
    assert lowest <= exact + 1e-6
    assert _total_cost(limits, solution.arrays()) - lowest > WORTH_MENTIONING_EUR
    # The instance is back at the fixed LP: it re-solves to the schedule's objective.
    duals.highs.run()
    assert duals.highs.getInfo().objective_function_value == pytest.approx(
        float(duals.model.cost @ solution.x), abs=1e-6
    )


@pytest.mark.parametrize("name", sorted(BAN_PROBLEMS))
def test_default_lists_the_bans_exact_lists_with_exact_figures(name):
    problem = BAN_PROBLEMS[name]()
    default = optimise(problem)
    exact = optimise(problem, explain="exact")
    bans = ("grid_charging", "battery_export")

    def listed(result):
        return {
            (b.kind, b.source, b.start): b.relax_saving_eur
            for b in result.binding_constraints
            if b.kind in bans
        }

    ours, theirs = listed(default), listed(exact)
    assert ours.keys() == theirs.keys()
    for key, value in ours.items():
        assert value == pytest.approx(theirs[key], rel=1e-3, abs=1e-3)
        assert value >= WORTH_MENTIONING_EUR


def test_bans_below_the_listing_threshold_are_not_resolved(monkeypatch):
    """site_rules' two bans save nothing; the LP bound shows it, so the default call solves
    the schedule once and re-solves nothing for them."""
    calls: list[object] = []
    real = optimiser_module.solve

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(optimiser_module, "solve", counting)
    problem = SCENARIOS["site_rules"].input()
    result = optimise(problem)
    assert not [
        b for b in result.binding_constraints if b.kind in ("grid_charging", "battery_export")
    ]
    assert len(calls) == 1
    calls.clear()
    optimise(problem, explain="exact")
    assert len(calls) >= 3  # the exact mode still re-solves each ban


@pytest.mark.parametrize(
    "name", ["household_lp", "site_rules", "sme_peak_machines", "ev_fixed_evening"]
)
def test_fixed_mode_lp_starts_hot_from_the_solutions_instance(name):
    """The duals' LP (binaries fixed at the optimum) re-solves on the instance the schedule
    was found on: the same optimum as a cold solve, from a basis that is already (nearly)
    optimal."""
    solution = solve(build_limits(SCENARIOS[name].input()))
    assert solution.lp is not None
    hot = fixed_lp_duals(solution)
    hot_info = hot.highs.getInfo()
    cold = fixed_lp_duals(replace(solution, lp=None))
    cold_info = cold.highs.getInfo()
    assert hot_info.objective_function_value == pytest.approx(
        cold_info.objective_function_value, abs=1e-7
    )
    assert hot_info.objective_function_value == pytest.approx(
        float(solution.model.cost @ solution.x), abs=1e-6
    )
    assert hot_info.simplex_iteration_count < max(cold_info.simplex_iteration_count, 1)
