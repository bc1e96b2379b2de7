"""Site rules of issue 18: PV-only charging, no battery export, final SoC equality, a daily
cycle limit and § 14a dimming — each violated by the free optimum and kept by the schedule."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from luna.optimisation import (
    OptimisationInfeasible,
    OptimisationInput,
    ScheduleResult,
    local_midnight,
    optimise,
    parse_rules,
)
from luna.optimisation.limits import build_limits
from luna.optimisation.model import MODES, ModelOptions, build_model
from luna.optimisation.rules import (
    ChargeFromPvOnlyRule,
    GridDimmingRule,
    MaxCyclesRule,
    NoBatteryExportRule,
)
from luna.optimisation.solve import _run, _Tally, solve
from tests.optimisation.scenarios import assert_physically_valid, known_day, local_hours, make

TOL = 1e-6
EXACT = 1e-4  # the target: cost within 0.01 % of the exact optimum
EV = {"name": "ev", "power_kw": 11.0, "energy_kwh": 20.0}
IDEAL_BATTERY: dict[str, Any] = {
    "capacity_kwh": 10.0,
    "max_charge_kw": 5.0,
    "max_discharge_kw": 5.0,
    "charge_efficiency": 1.0,
    "discharge_efficiency": 1.0,
    "soc_min_fraction": 0.0,
    "soc_max_fraction": 1.0,
    "initial_soc_fraction": 0.0,
    "throughput_cost_eur_kwh": 0.0,
}


def _hourly(n_prices: list[float], **overrides: Any) -> OptimisationInput:
    """A tiny problem of hourly steps from midnight, with a lossless, wear-free battery."""
    n = len(n_prices)
    problem: dict[str, Any] = {
        "start": local_midnight(date(2025, 6, 2)),
        "step_minutes": 60,
        "import_price_eur_kwh": n_prices,
        "export_price_eur_kwh": 0.0,
        "load_kwh": [0.0] * n,
        "pv_kwh": 0.0,
        "grid": {"max_import_kw": 20.0, "max_export_kw": 20.0},
        "battery": dict(IDEAL_BATTERY),
    }
    return OptimisationInput(**(problem | overrides))


def _frame(result: ScheduleResult) -> pd.DataFrame:
    return result.to_frame()


def _deferrable(frame: pd.DataFrame, problem: OptimisationInput) -> np.ndarray:
    total = np.zeros(len(frame))
    for load in problem.deferrable_loads:
        total += frame[f"{load.name}_kwh"].to_numpy()
    return total


def _assert_charges_only_from_pv_surplus(problem: OptimisationInput, frame: pd.DataFrame) -> None:
    charge = frame.battery_charge_kwh.to_numpy()
    surplus = (
        frame.pv_kwh.to_numpy()
        - frame.pv_curtailed_kwh.to_numpy()
        - frame.load_kwh.to_numpy()
        - _deferrable(frame, problem)
    )
    assert (charge <= np.maximum(surplus, 0.0) + TOL).all()
    assert charge[surplus <= 0].max(initial=0.0) <= TOL
    assert np.minimum(charge, frame.grid_import_kwh.to_numpy()).max() <= TOL


def _assert_no_battery_export(problem: OptimisationInput, frame: pd.DataFrame) -> None:
    discharge = frame.battery_discharge_kwh.to_numpy()
    deficit = (
        frame.load_kwh.to_numpy()
        + _deferrable(frame, problem)
        - frame.pv_kwh.to_numpy()
        + frame.pv_curtailed_kwh.to_numpy()
    )
    assert (discharge <= np.maximum(deficit, 0.0) + TOL).all()
    assert np.minimum(discharge, frame.grid_export_kwh.to_numpy()).max() <= TOL


def _all_binaries_cost(problem: OptimisationInput) -> float:
    """The exact optimum: every mode binary on every step (EMHASS style), no lazy loop."""
    limits = build_limits(problem)
    every = frozenset(range(limits.n))
    model = build_model(limits, ModelOptions(binary_steps=dict.fromkeys(MODES, every)))
    x = _run(model, _Tally())
    cols = model.columns
    assert cols.discharge is not None
    energy = limits.import_price @ x[cols.grid_import] - limits.export_price @ x[cols.grid_export]
    wear = problem.battery.throughput_cost_eur_kwh if problem.battery else 0.0
    return float(energy + wear * x[cols.discharge].sum())


# --- charge_from_pv_only ----------------------------------------------------------------------


def test_pv_only_charging_stops_night_grid_charging_on_the_known_day():
    free = optimise(make(), measure_constraints=False)
    free_frame = _frame(free)
    assert np.minimum(free_frame.battery_charge_kwh, free_frame.grid_import_kwh).max() > 0.5

    problem = make(rules=[{"kind": "charge_from_pv_only", "label": "EEG storage"}])
    result = optimise(problem)
    frame = _frame(result)
    _assert_charges_only_from_pv_surplus(problem, frame)
    assert frame.battery_charge_kwh.sum() > 1.0  # it still stores midday PV
    assert result.total_cost_eur > free.total_cost_eur + 0.05
    assert result.total_cost_eur <= _all_binaries_cost(problem) * (1 + EXACT) + TOL
    assert_physically_valid(problem, result)
    banned = [b for b in result.binding_constraints if b.kind == "grid_charging"]
    assert banned
    assert "Battery charges only from PV surplus" in banned[0].message
    assert "EEG storage (charge_from_pv_only)" in banned[0].message


def test_pv_only_charging_with_a_daytime_ev_never_imports_while_charging():
    problem = make(
        deferrable_loads=[{**EV, "earliest_start": 40, "latest_end": 64}],
        rules=[{"kind": "charge_from_pv_only"}],
    )
    result = optimise(problem, measure_constraints=False)
    _assert_charges_only_from_pv_surplus(problem, _frame(result))
    assert result.total_cost_eur <= _all_binaries_cost(problem) * (1 + EXACT) + TOL
    assert_physically_valid(problem, result)


def test_pv_only_charging_costs_the_hand_derived_optimum():
    # Night 0.10, noon 2 kWh PV (feed-in worth nothing), evening load 4 kWh at 0.40.
    overrides = {"load_kwh": [0.0, 0.0, 4.0], "pv_kwh": [0.0, 2.0, 0.0]}
    free = optimise(_hourly([0.10, 0.30, 0.40], **overrides), measure_constraints=False)
    assert free.total_cost_eur == pytest.approx(2 * 0.10, abs=TOL)  # 2 kWh grid + 2 kWh PV
    ruled = optimise(
        _hourly([0.10, 0.30, 0.40], rules=[{"kind": "charge_from_pv_only"}], **overrides),
        measure_constraints=False,
    )
    assert ruled.total_cost_eur == pytest.approx(2 * 0.40, abs=TOL)  # PV stored, 2 kWh bought late
    assert ruled.steps[0].battery_charge_kwh == pytest.approx(0, abs=TOL)


def test_pv_only_charging_that_cannot_reach_the_final_soc_names_the_rule():
    battery = {**known_day()["battery"], "final_soc_min_fraction": 0.9}
    problem = make(battery=battery, pv_kwh=0.0, rules=[{"kind": "charge_from_pv_only"}])
    with pytest.raises(OptimisationInfeasible) as caught:
        optimise(problem)
    assert "final SoC target 90 % is out of reach" in caught.value.reason
    assert "rule 0: charge_from_pv_only" in caught.value.reason
    assert caught.value.keys == ["battery.final_soc_min_fraction", "rules[0]"]


# --- no_battery_export ------------------------------------------------------------------------


def _evening_feed_in_day(**overrides: Any) -> OptimisationInput:
    hours = local_hours(known_day()["start"].date())
    feed_in = np.where((hours >= 17) & (hours < 21), 0.40, 0.08)
    return make(export_price_eur_kwh=feed_in.tolist(), **overrides)


def test_no_battery_export_keeps_battery_energy_on_site():
    free = optimise(_evening_feed_in_day(), measure_constraints=False)
    free_frame = _frame(free)
    assert np.minimum(free_frame.battery_discharge_kwh, free_frame.grid_export_kwh).max() > 0.5

    problem = _evening_feed_in_day(rules=[{"kind": "no_battery_export"}])
    result = optimise(problem)
    frame = _frame(result)
    _assert_no_battery_export(problem, frame)
    assert frame.battery_discharge_kwh.sum() > 1.0  # it still covers the evening load
    assert result.total_cost_eur > free.total_cost_eur + 0.01
    assert result.total_cost_eur <= _all_binaries_cost(problem) * (1 + EXACT) + TOL
    assert_physically_valid(problem, result)
    assert any(b.kind == "battery_export" for b in result.binding_constraints)


def test_no_battery_export_costs_the_hand_derived_optimum():
    # A full battery, 1 kWh load and feed-in at 0.50 in the middle hour.
    overrides: dict[str, Any] = {
        "export_price_eur_kwh": [0.05, 0.50, 0.05],
        "load_kwh": [0.0, 1.0, 0.0],
        "battery": {**IDEAL_BATTERY, "initial_soc_fraction": 0.5, "final_soc_min_fraction": 0.0},
    }
    free = optimise(_hourly([0.30] * 3, **overrides), measure_constraints=False)
    assert free.total_cost_eur == pytest.approx(-4 * 0.50, abs=TOL)  # 5 kW out: 1 load, 4 sold
    ruled = optimise(
        _hourly([0.30] * 3, rules=[{"kind": "no_battery_export"}], **overrides),
        measure_constraints=False,
    )
    assert ruled.total_cost_eur == pytest.approx(0.0, abs=TOL)
    assert ruled.grid_export_kwh == pytest.approx(0.0, abs=TOL)


# --- final SoC equality -----------------------------------------------------------------------


def _windy_night_day(final_soc_mode: str) -> OptimisationInput:
    """Negative prices from 21:00 (wind at night): charging then is paid, feeding in costs."""
    data = known_day()
    price = np.asarray(data["import_price_eur_kwh"])
    price[84:] = -0.02
    feed_in = np.full(len(price), 0.08)
    feed_in[84:] = -0.03
    battery = {**data["battery"], "final_soc_mode": final_soc_mode}
    return OptimisationInput(
        **data
        | {
            "import_price_eur_kwh": price.tolist(),
            "export_price_eur_kwh": feed_in.tolist(),
            "battery": battery,
        }
    )


def test_final_soc_equal_ends_where_the_battery_started():
    free = optimise(_windy_night_day("at_least"), measure_constraints=False)
    assert free.steps[-1].soc_kwh is not None
    assert free.steps[-1].soc_kwh > 5.0 + 1.0  # paid to fill it at the end of the day

    problem = _windy_night_day("equal")
    result = optimise(problem)
    assert result.steps[-1].soc_kwh == pytest.approx(5.0, abs=TOL)
    assert result.total_cost_eur > free.total_cost_eur
    assert_physically_valid(problem, result)
    final = [b for b in result.binding_constraints if b.kind == "final_soc"]
    assert final
    assert "at exactly 50 %" in final[0].message


def test_final_soc_equal_costs_the_hand_derived_optimum():
    # Paid to charge in hour 0, 2 kWh load in hour 1, feeding in costs 0.01 EUR/kWh.
    battery = {**IDEAL_BATTERY, "initial_soc_fraction": 0.5}
    overrides = {"export_price_eur_kwh": -0.01, "load_kwh": [0.0, 2.0]}
    at_least = optimise(_hourly([-0.10, 0.30], battery=battery, **overrides))
    assert at_least.total_cost_eur == pytest.approx(-0.50, abs=TOL)  # charge 5, keep 3 of them
    equal = optimise(
        _hourly([-0.10, 0.30], battery={**battery, "final_soc_mode": "equal"}, **overrides)
    )
    assert equal.total_cost_eur == pytest.approx(-0.50 + 3 * 0.01, abs=TOL)  # sell 3 at a loss
    assert equal.steps[-1].soc_kwh == pytest.approx(5.0, abs=TOL)


def test_final_soc_equal_below_a_reserve_at_the_end_is_refused():
    battery = {**known_day()["battery"], "final_soc_mode": "equal"}
    problem = make(battery=battery, rules=[{"kind": "min_soc", "value_pct": 70}])
    with pytest.raises(OptimisationInfeasible) as caught:
        optimise(problem)
    assert "final SoC target exactly 50 % is out of reach" in caught.value.reason
    assert caught.value.keys == ["battery.final_soc_min_fraction", "rules[0]"]


def test_final_soc_equal_below_the_minimum_soc_is_rejected():
    battery = {**known_day()["battery"], "final_soc_mode": "equal", "final_soc_min_fraction": 0.05}
    with pytest.raises(ValidationError, match="must not be below soc_min_fraction"):
        make(battery=battery)


# --- max_cycles_per_day -----------------------------------------------------------------------


def _two_peak_day(**overrides: Any) -> OptimisationInput:
    hours = local_hours(known_day()["start"].date())
    price = np.where(
        ((hours >= 7) & (hours < 9)) | ((hours >= 17) & (hours < 21)),
        0.45,
        np.where((hours < 6) | ((hours >= 11) & (hours < 15)), 0.12, 0.30),
    )
    load = np.where((hours >= 7) & (hours < 9), 1.0, 0.5)
    return make(
        import_price_eur_kwh=price.tolist(), load_kwh=load.tolist(), pv_kwh=0.0, **overrides
    )


def _cycles(problem: OptimisationInput, result: ScheduleResult) -> float:
    battery = problem.battery
    assert battery is not None
    cells = _frame(result).battery_discharge_kwh.sum() / battery.discharge_efficiency
    return float(cells / battery.capacity_kwh)


def test_cycle_limit_caps_daily_discharge():
    free_problem = _two_peak_day()
    free = optimise(free_problem, measure_constraints=False)
    assert _cycles(free_problem, free) > 1.2

    problem = _two_peak_day(rules=[{"kind": "max_cycles_per_day", "value": 1}])
    result = optimise(problem)
    assert _cycles(problem, result) <= 1 + TOL
    assert result.total_cost_eur > free.total_cost_eur + 0.05
    assert_physically_valid(problem, result)
    limit = [b for b in result.binding_constraints if b.kind == "cycle_limit"]
    assert limit
    assert "Battery uses all 1 full cycles allowed on 02.06.2025" in limit[0].message
    assert limit[0].relax_saving_eur is not None
    assert limit[0].relax_saving_eur > 0.05


def test_cycle_limit_costs_the_hand_derived_optimum():
    overrides = {"load_kwh": [0.0, 5.0, 0.0, 5.0]}
    prices = [0.10, 0.50, 0.10, 0.50]
    free = optimise(_hourly(prices, **overrides), measure_constraints=False)
    assert free.total_cost_eur == pytest.approx(10 * 0.10, abs=TOL)  # two cycles of half
    ruled = optimise(
        _hourly(prices, rules=[{"kind": "max_cycles_per_day", "value": 0.5}], **overrides),
        measure_constraints=False,
    )
    assert ruled.total_cost_eur == pytest.approx(5 * 0.10 + 5 * 0.50, abs=TOL)


def test_cycle_limit_counts_each_local_day_of_a_two_day_horizon():
    data = known_day()
    twice = {k: data[k] * 2 for k in ("import_price_eur_kwh", "load_kwh", "pv_kwh")}
    problem = OptimisationInput(
        **(data | twice), rules=[{"kind": "max_cycles_per_day", "value": 0.3}]
    )
    frame = optimise(problem, measure_constraints=False).to_frame()
    cells = frame.battery_discharge_kwh.to_numpy() / 0.95
    assert cells[:96].sum() <= 3.0 + TOL
    assert cells[96:].sum() <= 3.0 + TOL
    assert cells[96:].sum() > 2.0  # the second day has its own allowance


# --- grid_dimming (§ 14a) ---------------------------------------------------------------------


def test_dimming_caps_import_above_the_base_load_but_leaves_the_guaranteed_power():
    overrides = {
        "battery": None,
        "deferrable_loads": [{**EV, "energy_kwh": 30.0}],
        "rules": [{"kind": "load_deadline", "load": "ev", "by": "07:00"}],
    }
    free = optimise(make(**overrides), measure_constraints=False)
    assert free.to_frame().grid_import_kwh.max() > 2.0  # the EV at 11 kW

    dimming = {"kind": "grid_dimming", "value": 4.2, "between": ["00:00", "06:00"]}
    problem = make(**{**overrides, "rules": [*overrides["rules"], dimming]})
    result = optimise(problem)
    frame = _frame(result)
    night = local_hours(problem.start.date()) < 6
    above_load = (frame.grid_import_kwh - frame.load_kwh).to_numpy()
    assert above_load[night].max() <= 4.2 * 0.25 + TOL
    assert above_load[night].max() >= 4.2 * 0.25 - TOL  # the guaranteed 4.2 kW is used
    assert frame.ev_kwh.sum() == pytest.approx(30.0)
    assert result.total_cost_eur > free.total_cost_eur
    assert_physically_valid(problem, result)
    assert any(b.source == "rules[1]" for b in result.binding_constraints)


def test_dimming_costs_the_hand_derived_optimum():
    ev = {"name": "ev", "power_kw": 11.0, "energy_kwh": 10.0}
    overrides: dict[str, Any] = {"battery": None, "load_kwh": [1.0] * 3, "deferrable_loads": [ev]}
    free = optimise(_hourly([0.10, 0.10, 0.40], **overrides), measure_constraints=False)
    assert free.total_cost_eur == pytest.approx(10 * 0.10 + 0.6, abs=TOL)
    dimming = {"kind": "grid_dimming", "value": 4.2, "between": ["00:00", "02:00"]}
    ruled = optimise(
        _hourly([0.10, 0.10, 0.40], rules=[dimming], **overrides), measure_constraints=False
    )
    assert ruled.total_cost_eur == pytest.approx(8.4 * 0.10 + 1.6 * 0.40 + 0.6, abs=TOL)
    assert [s.grid_import_kwh for s in ruled.steps[:2]] == pytest.approx([5.2, 5.2])


# --- rules as data ----------------------------------------------------------------------------

SITE_RULES_YAML = """
rules:
  - {kind: charge_from_pv_only, label: EEG storage}
  - {kind: no_battery_export, between: ["17:00", "22:00"]}
  - {kind: max_cycles_per_day, value: 1.5}
  - {kind: grid_dimming, value: 4.2, between: ["17:00", "20:00"]}
"""


def test_site_rules_parse_from_yaml_and_read_in_words():
    rules = parse_rules(SITE_RULES_YAML)
    assert [type(r) for r in rules] == [
        ChargeFromPvOnlyRule,
        NoBatteryExportRule,
        MaxCyclesRule,
        GridDimmingRule,
    ]
    assert rules[0].describe() == "EEG storage (charge_from_pv_only)"
    assert rules[1].describe() == "no_battery_export 17:00–22:00"
    assert rules[3].describe() == "grid_dimming 4.2 kW 17:00–20:00 (§ 14a)"
    result = optimise(make(rules=rules), measure_constraints=False)
    assert result.status == "optimal"


@pytest.mark.parametrize(
    ("rule", "field", "words"),
    [
        ({"kind": "grid_dimming", "value": 3.0, "between": ["17:00", "20:00"]}, "value", "4.2 kW"),
        ({"kind": "grid_dimming", "value": 5.0}, "between", "required"),
        ({"kind": "max_cycles_per_day", "value": 0}, "value", "greater than 0"),
        ({"kind": "charge_from_pv_only", "from": "grid"}, "from", "not permitted"),
    ],
)
def test_bad_site_rules_are_rejected_naming_the_field(rule, field, words):
    with pytest.raises(ValidationError) as caught:
        parse_rules([rule])
    error = caught.value.errors()[0]
    assert field in error["loc"]
    assert words in error["msg"]


@pytest.mark.parametrize("kind", ["charge_from_pv_only", "no_battery_export", "max_cycles_per_day"])
def test_battery_rules_need_a_battery(kind):
    rule: dict[str, Any] = {"kind": kind} | ({"value": 1} if kind == "max_cycles_per_day" else {})
    with pytest.raises(ValidationError, match="there is no battery"):
        make(battery=None, rules=[rule])


def test_lazy_binaries_settle_night_steps_by_bounds_alone():
    solution = solve(build_limits(make(rules=[{"kind": "charge_from_pv_only"}])))
    night = local_hours(known_day()["start"].date()) < 5
    assert (solution.arrays().charge[night] == 0).all()
    assert solution.used_binaries <= 20
