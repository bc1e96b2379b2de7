"""Impossible requests end in a reason naming the conflicting constraints, never a traceback."""

from __future__ import annotations

import pytest

from luna.optimisation import OptimisationInfeasible, optimise
from tests.optimisation.scenarios import known_day, make

EV = {"name": "ev", "power_kw": 11.0, "energy_kwh": 30.0}


def test_deadline_the_charger_cannot_meet_is_refused_before_solving():
    problem = make(
        deferrable_loads=[EV], rules=[{"kind": "load_deadline", "load": "ev", "by": "02:00"}]
    )
    with pytest.raises(OptimisationInfeasible) as caught:
        optimise(problem)
    reason = caught.value.reason
    assert "ev needs 30 kWh" in reason
    assert "at 11 kW the window 00:00–02:00" in reason
    assert "at most 22 kWh" in reason
    assert "rule 0: load_deadline ev by 02:00" in reason
    assert caught.value.keys == ["loads.ev.energy_kwh", "rules[0]"]


def test_unreachable_final_soc_names_the_target_and_the_reach():
    battery = {**known_day()["battery"], "max_charge_kw": 1.0, "initial_soc_fraction": 0.1}
    problem = make(
        battery={**battery, "final_soc_min_fraction": 0.9},
        import_price_eur_kwh=[0.3] * 8,
        load_kwh=[0.1] * 8,
        pv_kwh=0.0,
    )
    with pytest.raises(OptimisationInfeasible, match=r"final SoC target 90 % is out of reach"):
        optimise(problem)


def test_reserve_above_the_battery_maximum_is_refused():
    problem = make(rules=[{"kind": "min_soc", "value_pct": 95}])
    with pytest.raises(OptimisationInfeasible) as caught:
        optimise(problem)
    assert "rule 0: min_soc 95 % is above the battery maximum SoC 90 %" in caught.value.reason
    assert caught.value.keys == ["rules[0]", "battery.soc_max_fraction"]


def test_import_cap_and_deadline_conflict_is_diagnosed_by_relaxing_one_at_a_time():
    problem = make(
        deferrable_loads=[EV],
        rules=[
            {"kind": "load_deadline", "load": "ev", "by": "05:00"},
            {"kind": "max_import_kw", "value": 4, "between": ["00:00", "06:00"]},
        ],
    )
    with pytest.raises(OptimisationInfeasible) as caught:
        optimise(problem)
    error = caught.value
    assert "relaxing any one of them would make the problem feasible" in error.reason
    assert {"rules[0]", "rules[1]", "loads.ev.energy_kwh"} <= set(error.keys)
    assert "rule 1: max_import_kw 4 kW 00:00–06:00" in error.conflicts


def test_base_load_above_every_supply_names_the_import_cap():
    problem = make(
        battery=None, rules=[{"kind": "max_import_kw", "value": 0.4, "between": ["18:00", "19:00"]}]
    )
    with pytest.raises(OptimisationInfeasible) as caught:
        optimise(problem)
    assert caught.value.reason.startswith("No feasible schedule: from 18:00 to 19:00 the base load")
    assert caught.value.keys == ["rules[0]"]


def test_surplus_pv_with_no_export_and_no_curtailment_is_refused():
    problem = make(allow_pv_curtailment=False, rules=[{"kind": "no_export"}])
    with pytest.raises(OptimisationInfeasible) as caught:
        optimise(problem)
    assert "PV production exceeds what the site can use" in caught.value.reason
    assert {"rules[0]", "allow_pv_curtailment"} <= set(caught.value.keys)
