"""The data-question set ``evals/data_qa.v1.jsonl`` of ``benchmarks/bench_data_answers.py``.

Without the model: the file loads against its schema (``benchmarks/_data_qa.py``), has the
promised mix (measures, languages, follow-ups, refusals of foreign meters, named dates), its
questions are not the routing set's, and the bench reads German and English numbers and finds
leaked brackets and prompt words as documented.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest
from pydantic import ValidationError

from luna.core.language import detect_language
from tests.evals.benchmark_modules import benchmark_module

ROOT = Path(__file__).resolve().parents[2]
MIX = {
    "consumption_kwh": 11,
    "production_kwh": 6,
    "self_consumed_kwh": 2,
    "cost_eur": 10,
    "mean_price_ct_kwh": 3,
    "max_price_ct_kwh": 3,
    "min_price_ct_kwh": 2,
    "peak_kw": 2,
    "peak_hour_kwh": 3,
    "refusal": 6,
}


@pytest.fixture(scope="module")
def schema() -> ModuleType:
    return benchmark_module("_data_qa")


@pytest.fixture(scope="module")
def cases(schema: ModuleType) -> list:
    return schema.load_cases()


def test_the_set_has_its_measure_and_language_mix(cases: list):
    assert len(cases) >= 44
    measures = Counter(c.expect.measure for c in cases)
    assert measures == MIX
    assert measures["cost_eur"] >= 8
    assert measures["refusal"] >= 4
    assert sum(measures[m] for m in MIX if "price" in m) >= 4
    assert measures["production_kwh"] >= 4
    assert measures["peak_kw"] + measures["peak_hour_kwh"] >= 4
    languages = Counter(c.language for c in cases)
    assert languages["de"] == languages["en"] == len(cases) // 2, languages


def test_follow_ups_refusals_and_named_dates(cases: list, schema: ModuleType):
    follow_ups = [c for c in cases if c.follow_up]
    assert len(follow_ups) >= 8
    assert any(c.expect.measure == "cost_eur" for c in follow_ups)
    assert any(c.expect.measure == "refusal" for c in follow_ups)
    assert any(len(c.turns) == 3 for c in follow_ups)
    assert {c.language for c in follow_ups} == {"de", "en"}
    refusals = [c for c in cases if c.expect.measure == "refusal"]
    assert len(refusals) >= 4
    assert {c.expect.meter for c in refusals} == set(schema.OTHER_METERS)
    for case in refusals:  # the foreign meter is named in the last message
        assert case.expect.meter in case.turns[-1], case.id
    named = [c for c in cases if c.expect.period.kind in ("day", "weekday", "range")]
    assert len(named) >= 8
    assert {c.expect.period.kind for c in named} == {"day", "weekday", "range"}


def test_questions_are_in_their_language_and_fresh(cases: list):
    for case in cases:
        assert detect_language(case.turns[0]) == case.language, case.id
        for turn in case.turns[1:]:
            assert detect_language(turn) in (case.language, None), (case.id, turn)
    routing = ROOT / "evals" / "routing.v1.jsonl"
    old = {
        json.loads(line)["message"].casefold()
        for line in routing.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    turns = [t.casefold() for c in cases for t in c.turns]
    assert not old & set(turns)
    assert len(set(turns)) == len(turns), "a question appears twice"


def test_periods_resolve_against_the_fixed_today(schema: ModuleType):
    period = schema.PeriodSpec.model_validate
    today = schema.TODAY
    assert today == date(2025, 6, 11)
    assert period({"kind": "yesterday"}).days() == (date(2025, 6, 10),) * 2
    assert period({"kind": "last_week"}).days() == (date(2025, 6, 2), date(2025, 6, 8))
    assert period({"kind": "last_month"}).days() == (date(2025, 5, 1), date(2025, 5, 31))
    assert period({"kind": "weekday", "weekday": "monday"}).days() == (date(2025, 6, 9),) * 2
    assert period({"kind": "weekday", "weekday": "wednesday"}).days() == (date(2025, 6, 4),) * 2
    start, end = period({"kind": "day", "start": "2025-06-03"}).utc_range()
    assert (end - start).total_seconds() == 24 * 3600


@pytest.mark.parametrize(
    "expect",
    [
        {"measure": "refusal", "meter": "M-001", "asked": "cost_eur", "period": {"kind": "today"}},
        {"measure": "refusal", "meter": "M-002", "period": {"kind": "today"}},
        {"measure": "cost_eur", "meter": "M-002", "period": {"kind": "today"}},
        {"measure": "mean_price_ct_kwh", "meter": "M-001", "period": {"kind": "today"}},
        {"measure": "cost_eur", "meter": None, "asked": "cost_eur", "period": {"kind": "today"}},
        {"measure": "cost_eur", "period": {"kind": "day"}},
        {"measure": "cost_eur", "period": {"kind": "today", "start": "2025-06-11"}},
        {"measure": "cost_eur", "period": {"kind": "day", "start": "2025-06-12"}},
        {"measure": "cost_eur", "period": {"kind": "day", "start": "2025-01-02"}},
        {
            "measure": "cost_eur",
            "period": {"kind": "range", "start": "2025-06-05", "end": "2025-06-01"},
        },
        {"measure": "energy", "period": {"kind": "today"}},
    ],
)
def test_the_schema_rejects_inconsistent_expectations(schema: ModuleType, expect: dict):
    with pytest.raises(ValidationError):
        schema.Expect.model_validate(expect)


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return benchmark_module("bench_data_answers")


def test_numbers_are_read_in_german_and_english_notation(bench: ModuleType):
    assert 18.62 in bench.numbers("Der Verbrauch betrug 18,62 kWh [1].")
    assert 18.62 in bench.numbers("Consumption was 18.62 kWh [1].")
    assert 1234.5 in bench.numbers("1.234,5 kWh")
    assert 1234.5 in bench.numbers("1,234.5 kWh")
    assert -0.52 in bench.numbers("am niedrigsten −0,52 ct/kWh")
    assert bench.numbers("am 02.06.2025 um 18:00 von M-001 [1]") == []
    target = bench.Accepted(18.62, "kWh", 0.006)
    assert bench.matches("rund 18,6 kWh", [target], 1.0) == [target]
    assert bench.matches("19,2 kWh", [target], 1.0) == []


def test_leaks_are_brackets_braces_and_prompt_words_not_citations(bench: ModuleType):
    assert bench.leaks("Der Verbrauch betrug 18,62 kWh [1].", {1}) == []
    assert bench.leaks("It was [18.62 kWh] kWh [1].", {1}) == ["[", "]"]
    assert bench.leaks("Consumption was 3 kWh [2].", {1}) == ["[", "]"]
    assert bench.leaks("According to the RESULTS, {total} kWh", set()) == [
        "{",
        "}",
        "According to the",
        "RESULTS",
    ]
    assert bench.leaks("The user asked about results.", set()) == ["The user"]
