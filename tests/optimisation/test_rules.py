"""Operator rules: validated as data, compiled onto the step grid, and binding in the schedule."""

from __future__ import annotations

import json
from datetime import time

import numpy as np
import pytest
from pydantic import ValidationError

from luna.optimisation import load_rules, optimise, parse_rules
from luna.optimisation.rules import LoadDeadlineRule, MaxImportRule, MinSocRule, NoExportRule
from tests.optimisation.scenarios import SPRING_FORWARD, assert_physically_valid, local_hours, make

RULES_YAML = """
rules:
  - {kind: min_soc, value_pct: 20}
  - {kind: load_deadline, load: ev, by: "07:00", energy_kwh: 30}
  - {kind: max_import_kw, value: 11, between: ["17:00", "20:00"]}
  - {kind: no_export, label: zero-export connection}
"""
EV = {"name": "ev", "power_kw": 11.0, "energy_kwh": 20.0}


def test_rules_parse_from_yaml_into_typed_records():
    rules = parse_rules(RULES_YAML)
    assert [type(r) for r in rules] == [MinSocRule, LoadDeadlineRule, MaxImportRule, NoExportRule]
    assert rules[1].by == time(7, 0)
    assert rules[2].between == (time(17), time(20))
    assert rules[3].describe() == "zero-export connection (no_export)"


def test_rules_file_loads_from_json_and_yaml_alike(tmp_path):
    as_json = tmp_path / "rules.json"
    as_json.write_text(json.dumps([{"kind": "max_export_kw", "value": 4.2}]))
    as_yaml = tmp_path / "rules.yaml"
    as_yaml.write_text("- kind: max_export_kw\n  value: 4.2\n")
    assert load_rules(as_json) == load_rules(as_yaml)


def test_unknown_rule_kind_is_rejected_naming_the_kind_field():
    with pytest.raises(ValidationError) as caught:
        parse_rules([{"kind": "max_temperature", "value": 21}])
    error = caught.value.errors()[0]
    assert error["type"] == "union_tag_invalid"
    assert "kind" in error["msg"]
    assert "max_temperature" in error["msg"]


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"kind": "min_soc", "value_pct": 150}, "value_pct"),
        ({"kind": "max_import_kw", "value": -1}, "value"),
        ({"kind": "load_deadline", "load": "ev", "by": "25:00"}, "by"),
        ({"kind": "no_export", "between": ["17:00"]}, "between"),
        ({"kind": "no_export", "until": "17:00"}, "until"),
    ],
)
def test_bad_rule_values_are_rejected_naming_the_field(rule, field):
    with pytest.raises(ValidationError) as caught:
        parse_rules([rule])
    assert field in caught.value.errors()[0]["loc"]


def test_rule_for_an_unknown_load_is_rejected_by_the_problem():
    with pytest.raises(ValidationError, match="'boiler' is not among the deferrable loads"):
        make(
            deferrable_loads=[EV],
            rules=[{"kind": "load_deadline", "load": "boiler", "by": "07:00"}],
        )


def test_reserve_rule_needs_a_battery():
    with pytest.raises(ValidationError, match="there is no battery"):
        make(battery=None, rules=[{"kind": "min_soc", "value_pct": 20}])


def test_import_cap_binds_only_inside_its_clock_window_and_is_reported():
    problem = make(
        deferrable_loads=[{**EV, "energy_kwh": 40.0}],
        rules=[{"kind": "max_import_kw", "value": 3, "between": ["00:00", "06:00"]}],
    )
    result = optimise(problem)
    frame = result.to_frame()
    night = local_hours(problem.start.date()) < 6
    assert frame.grid_import_kwh[night].max() <= 0.75 + 1e-6
    assert frame.grid_import_kwh[~night].max() > 0.75
    capped = [b for b in result.binding_constraints if b.source == "rules[0]"]
    assert capped
    assert capped[0].kind == "grid_import_limit"
    assert "Grid import limit 3 kW reached" in capped[0].message
    assert_physically_valid(problem, result)


def test_no_export_rule_blocks_feed_in_and_curtails_surplus_pv():
    problem = make(rules=[{"kind": "no_export"}])
    result = optimise(problem)
    assert result.grid_export_kwh == pytest.approx(0, abs=1e-9)
    assert result.pv_curtailed_kwh > 1.0
    blocked = [b for b in result.binding_constraints if b.kind == "grid_export_limit"]
    assert blocked
    assert "Export blocked" in blocked[0].message
    assert "curtailed" in blocked[0].message


def test_reserve_rule_holds_only_between_its_hours():
    problem = make(rules=[{"kind": "min_soc", "value_pct": 60, "between": ["17:00", "20:00"]}])
    soc = optimise(problem, measure_constraints=False).to_frame().soc_pct.to_numpy()
    hours = local_hours(problem.start.date())
    assert soc[(hours >= 17) & (hours < 20)].min() >= 60 - 1e-6
    assert soc[hours >= 20].min() < 45


def test_deadline_rule_sets_window_end_and_energy_on_the_local_clock():
    problem = make(
        deferrable_loads=[EV],
        rules=[{"kind": "load_deadline", "load": "ev", "by": "07:00", "energy_kwh": 30}],
    )
    result = optimise(problem, measure_constraints=False)
    ev = result.deferrable_loads[0]
    assert ev.energy_kwh == pytest.approx(30)
    assert ev.window_end.strftime("%H:%M") == "07:00"
    assert ev.last_run_end is not None
    assert ev.last_run_end <= ev.window_end
    assert_physically_valid(problem, result)


def test_not_before_rule_opens_the_window_at_its_clock_time():
    problem = make(
        deferrable_loads=[EV], rules=[{"kind": "load_not_before", "load": "ev", "after": "09:00"}]
    )
    ev = optimise(problem, measure_constraints=False).deferrable_loads[0]
    assert ev.window_start.strftime("%H:%M") == "09:00"
    assert ev.first_run is not None
    assert ev.first_run >= ev.window_start


def test_clock_rules_follow_the_local_clock_on_the_spring_forward_day():
    problem = make(
        SPRING_FORWARD,
        deferrable_loads=[EV],
        rules=[
            {"kind": "load_deadline", "load": "ev", "by": "02:30"},  # does not exist that night
            {"kind": "max_import_kw", "value": 2, "between": ["17:00", "20:00"]},
        ],
    )
    result = optimise(problem, measure_constraints=False)
    assert result.deferrable_loads[0].window_end.strftime("%H:%M %z") == "03:00 +0200"
    frame = result.to_frame()
    evening = np.array([17 <= s.hour < 20 for s in frame.index])
    assert evening.sum() == 12
    assert frame.grid_import_kwh[evening].max() <= 0.5 + 1e-6
