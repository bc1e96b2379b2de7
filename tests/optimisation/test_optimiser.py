"""optimise(): saves money, respects every constraint, stays calm, and handles DST days."""

from __future__ import annotations

from datetime import UTC

import numpy as np
import pytest

from luna.optimisation import Objective, OptimisationInput, optimise
from tests.optimisation.scenarios import (
    FALL_BACK,
    SPRING_FORWARD,
    assert_physically_valid,
    known_day,
    local_hours,
    make,
)

EV = {"name": "ev", "power_kw": 11.0, "energy_kwh": 20.0, "latest_end": 28}
DISHWASHER = {
    "name": "dishwasher",
    "power_kw": 2.0,
    "energy_kwh": 1.5,
    "power_mode": "fixed",
    "single_block": True,
}


def test_battery_charges_at_night_discharges_in_the_evening_and_beats_the_idle_baseline():
    n = len(local_hours(known_day()["start"].date()))
    problem = make(pv_kwh=[0.0] * n)
    result = optimise(problem)
    frame = result.to_frame()
    hours = local_hours(problem.start.date())
    evening = (hours >= 17) & (hours < 21)
    assert result.savings_eur > 1.0
    assert result.savings_eur == pytest.approx(result.baseline_cost_eur - result.total_cost_eur)
    assert frame.battery_discharge_kwh[evening].sum() > 5.0
    assert frame.battery_charge_kwh[evening].sum() == pytest.approx(0)
    assert frame.battery_charge_kwh[hours < 6].sum() > 4.0
    assert_physically_valid(problem, result)


def test_every_constraint_holds_with_battery_ev_and_single_block_dishwasher():
    problem = make(deferrable_loads=[EV, DISHWASHER])
    result = optimise(problem)
    assert result.status == "optimal"
    assert_physically_valid(problem, result)
    assert [d.energy_kwh for d in result.deferrable_loads] == pytest.approx([20.0, 1.5])


def test_single_block_load_runs_once_at_its_fixed_power():
    result = optimise(make(deferrable_loads=[DISHWASHER]), measure_constraints=False)
    energy = result.to_frame()["dishwasher_kwh"].to_numpy()
    on = np.flatnonzero(energy > 1e-9)
    assert np.allclose(energy[on], 0.5)
    assert len(on) == 3
    assert (np.diff(on) == 1).all()


def test_fixed_power_load_delivers_whole_steps_rounding_energy_up():
    washer = {"name": "washer", "power_kw": 2.0, "energy_kwh": 1.2, "power_mode": "fixed"}
    result = optimise(make(deferrable_loads=[washer]), measure_constraints=False)
    energy = result.to_frame()["washer_kwh"].to_numpy()
    assert energy.sum() == pytest.approx(1.5)
    assert set(np.round(energy[energy > 1e-9], 9)) == {0.5}


def _hourly_zigzag(throughput_cost: float) -> tuple[float, int]:
    """Total discharge and charge/discharge switches on a day alternating 0.20/0.30 hourly."""
    hours = np.arange(96) / 4
    price = np.where(hours.astype(int) % 2 == 0, 0.20, 0.30)
    problem = make(
        import_price_eur_kwh=price.tolist(),
        pv_kwh=0.0,
        battery={**known_day()["battery"], "throughput_cost_eur_kwh": throughput_cost},
    )
    frame = optimise(problem, measure_constraints=False).to_frame()
    mode = np.sign(frame.battery_charge_kwh.round(6) - frame.battery_discharge_kwh.round(6))
    active = mode[mode != 0].to_numpy()
    return float(frame.battery_discharge_kwh.sum()), int((np.diff(active) != 0).sum())


def test_throughput_cost_stops_cycling_on_small_price_spreads():
    free_discharge, free_switches = _hourly_zigzag(0.0)
    worn_discharge, worn_switches = _hourly_zigzag(0.10)
    assert free_discharge > 10.0
    assert free_switches >= 10
    assert worn_discharge < 0.5
    assert worn_switches <= 1


@pytest.mark.parametrize(("day", "steps"), [(SPRING_FORWARD, 92), (FALL_BACK, 100)])
def test_dst_days_have_their_true_number_of_steps_and_local_timestamps(day, steps):
    problem = make(day, deferrable_loads=[EV])
    result = optimise(problem, measure_constraints=False)
    assert len(result.steps) == steps
    assert result.steps[-1].end == problem.end
    # Same-zone aware datetimes subtract on the wall clock; elapsed time needs UTC.
    elapsed = result.steps[-1].end.astimezone(UTC) - result.steps[0].start.astimezone(UTC)
    assert elapsed.total_seconds() == steps * 900
    assert_physically_valid(problem, result)


def test_spring_forward_day_skips_the_missing_hour_in_step_timestamps():
    result = optimise(make(SPRING_FORWARD), measure_constraints=False)
    assert result.steps[7].start.strftime("%H:%M %z") == "01:45 +0100"
    assert result.steps[8].start.strftime("%H:%M %z") == "03:00 +0200"


def test_self_consumption_imports_less_than_cost_when_feed_in_pays_well():
    overrides = {"export_price_eur_kwh": 0.28, "deferrable_loads": [EV]}
    by_cost = optimise(make(**overrides), measure_constraints=False)
    by_import = optimise(
        make(objective=Objective.SELF_CONSUMPTION, **overrides), measure_constraints=False
    )
    assert by_import.grid_import_kwh < by_cost.grid_import_kwh - 1.0
    assert by_import.total_cost_eur >= by_cost.total_cost_eur - 1e-6
    assert by_import.objective_value == pytest.approx(by_import.grid_import_kwh)


def test_profit_objective_gives_the_cost_schedule_with_the_sign_flipped():
    by_cost = optimise(make(deferrable_loads=[EV]), measure_constraints=False)
    by_profit = optimise(
        make(objective=Objective.PROFIT, deferrable_loads=[EV]), measure_constraints=False
    )
    assert by_profit.total_cost_eur == pytest.approx(by_cost.total_cost_eur, abs=1e-6)
    assert by_profit.objective_value == pytest.approx(-by_profit.total_cost_eur)


def test_negative_prices_add_binaries_yet_never_import_and_export_at_once():
    data = known_day(deferrable_loads=[EV])
    price = np.asarray(data["import_price_eur_kwh"])
    price[44:52] = -0.05
    export = np.full(len(price), 0.08)
    export[44:52] = -0.10
    export[60:64] = 0.40  # feed-in above the import price: the LP alone would do both
    problem = OptimisationInput(
        **{**data, "import_price_eur_kwh": price.tolist(), "export_price_eur_kwh": export.tolist()}
    )
    result = optimise(problem, measure_constraints=False)
    assert result.binaries > 0
    assert_physically_valid(problem, result)


def test_plain_tariff_day_solves_as_a_pure_lp():
    result = optimise(make(deferrable_loads=[EV]), measure_constraints=False)
    assert result.binaries == 0
    assert result.solver.endswith("(LP)")
    assert result.solve_time_ms > 0


def test_explanations_quote_the_binding_reserve_rule_with_its_cost():
    problem = make(rules=[{"kind": "min_soc", "value_pct": 30}])
    result = optimise(problem)
    reserve = [b for b in result.binding_constraints if b.source == "rules[0]"]
    assert reserve, result.summary()
    assert reserve[0].kind == "soc_min"
    assert reserve[0].message.startswith("Battery at minimum SoC 30 %")
    assert reserve[0].relax_saving_eur is not None
    assert reserve[0].relax_saving_eur > 0
    assert "min_soc 30 %" in result.summary()


def test_deadline_that_forces_dear_charging_is_explained_with_its_price():
    problem = make(
        deferrable_loads=[{"name": "ev", "power_kw": 11.0, "energy_kwh": 20.0}],
        rules=[{"kind": "load_deadline", "load": "ev", "by": "07:00"}],
    )
    result = optimise(problem)
    window = [b for b in result.binding_constraints if b.kind == "load_window"]
    assert len(window) == 1
    assert "ev must finish by 07:00" in window[0].message
    assert "window limits shifting" in window[0].message
    assert window[0].relax_saving_eur is not None
    assert window[0].relax_saving_eur > 0.5
