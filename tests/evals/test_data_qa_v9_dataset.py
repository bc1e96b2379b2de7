"""The independent data-question set ``evals/data_qa.v9.jsonl`` (bench_data_answers.py).

Written without sight of the earlier sets (v1–v8) or of the assistant's code, only from the
schema (``benchmarks/_data_qa.py``) and the bench, to run once, untuned
(``--dataset evals/data_qa.v9.jsonl``): customers of different trades and households, Swiss and
Austrian words, colloquial English, typos, questions inside longer messages, holidays and spelled
out dates. Without the model: the file loads against the schema and has its promised coverage:
half German, half English, every measure and every period kind, "mine" as well as each of the
customer's meters by name, elliptical follow-up threads (three of three turns, cost follow-ups,
a switch between the customer's own meters) and refusals of the other customer's meters, inside
follow-ups too; every period lies in the simulated data and every case says in its note how its
period resolves.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import get_args

import pytest

from luna.core.language import detect_language
from tests.evals.benchmark_modules import benchmark_module

ROOT = Path(__file__).resolve().parents[2]
DATASET = ROOT / "evals" / "data_qa.v9.jsonl"


@pytest.fixture(scope="module")
def schema() -> ModuleType:
    return benchmark_module("_data_qa")


@pytest.fixture(scope="module")
def cases(schema: ModuleType) -> list:
    return schema.load_cases(DATASET)


def test_half_german_half_english(cases: list):
    assert len(cases) == 64
    languages = Counter(c.language for c in cases)
    assert languages["de"] == languages["en"] == len(cases) // 2, languages


def test_every_measure_and_period_kind(cases: list, schema: ModuleType):
    measures = Counter(c.expect.measure for c in cases)
    assert set(measures) == set(get_args(schema.Figure)) | {"refusal"}, measures
    assert measures["cost_eur"] >= 8
    assert measures["consumption_kwh"] >= 8
    assert sum(measures[m] for m in schema.PRICE_FIGURES) >= 4
    kinds = {c.expect.period.kind for c in cases}
    assert kinds == set(get_args(schema.PeriodKind)), kinds
    data = [c for c in cases if c.expect.measure != "refusal"]
    assert any(c.expect.meter is None for c in data)
    assert {c.expect.meter for c in data if c.expect.meter} == set(schema.CUSTOMER_METERS)
    for case in data:  # a named meter is named in the thread
        if case.expect.meter:
            assert any(case.expect.meter in t for t in case.turns), case.id


def test_periods_lie_in_the_data_and_are_explained(cases: list, schema: ModuleType):
    for case in cases:
        first, last = case.expect.period.days()
        assert schema.FIRST_DAY <= first <= last <= schema.TODAY, case.id
        assert (case.note or "").strip(), case.id
        # "on Tuesday" is yesterday and "on Wednesday" today's weekday: left out as ambiguous
        assert case.expect.period.weekday not in ("tuesday", "wednesday"), case.id


def test_follow_up_threads(cases: list, schema: ModuleType):
    follow_ups = [c for c in cases if c.follow_up]
    assert len(follow_ups) >= 14
    assert {c.language for c in follow_ups} == {"de", "en"}
    assert sum(len(c.turns) == 3 for c in follow_ups) >= 3
    assert sum(c.expect.measure == "cost_eur" for c in follow_ups) >= 3
    # a follow-up that switches among the customer's own meters
    assert any(
        c.expect.meter in schema.CUSTOMER_METERS
        and c.expect.meter in c.turns[-1]
        and any(m in t for t in c.turns[:-1] for m in schema.CUSTOMER_METERS if m != c.expect.meter)
        for c in follow_ups
    )
    for case in follow_ups:  # the later messages lean on the earlier ones: short
        assert all(len(t) < len(case.turns[0]) + 20 for t in case.turns[1:]), case.id


def test_refusals_of_the_other_customers_meters(cases: list, schema: ModuleType):
    refusals = [c for c in cases if c.expect.measure == "refusal"]
    assert len(refusals) >= 8
    assert {c.expect.meter for c in refusals} == set(schema.OTHER_METERS)
    assert {c.language for c in refusals} == {"de", "en"}
    assert sum(c.follow_up for c in refusals) >= 2
    for case in refusals:  # the foreign meter is named in the last message
        assert case.expect.meter in case.turns[-1], case.id
        assert case.expect.asked in get_args(schema.Figure), case.id
    for case in cases:  # and no data question names one
        if case.expect.measure != "refusal":
            assert not any(m in t for m in schema.OTHER_METERS for t in case.turns), case.id


def test_questions_are_in_their_language_and_fresh(cases: list):
    for case in cases:
        for turn in case.turns:
            assert detect_language(turn) == case.language, (case.id, turn)
    turns = [t.casefold() for c in cases for t in c.turns]
    assert len(set(turns)) == len(turns), "a question appears twice"
    routing = ROOT / "evals" / "routing.v1.jsonl"
    old = {
        json.loads(line)["message"].casefold()
        for line in routing.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    assert not old & set(turns)
