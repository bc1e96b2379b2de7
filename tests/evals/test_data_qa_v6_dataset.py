"""The independent data-question set ``evals/data_qa.v6.jsonl`` (bench_data_answers.py).

Written without sight of the v1–v5 sets or of the assistant's code, to run once, untuned
(``--dataset evals/data_qa.v6.jsonl``). Without the model: the file loads against the schema of
``benchmarks/_data_qa.py`` and has its promised coverage: 64 cases, half German, half English,
every measure and every period kind, "mine" as well as each of the customer's meters by name,
about 18 elliptical follow-up threads (some of three turns) that change the meter, the period or
the measure, eight refusals of the other customer's meters (inside follow-ups too) and about ten
cost and price questions; every period lies in the simulated data and every case says in its
note how its period resolves.
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
DATASET = ROOT / "evals" / "data_qa.v6.jsonl"
EARLIER = [ROOT / "evals" / f"data_qa.v{n}.jsonl" for n in range(1, 6)]


@pytest.fixture(scope="module")
def schema() -> ModuleType:
    return benchmark_module("_data_qa")


@pytest.fixture(scope="module")
def cases(schema: ModuleType) -> list:
    return schema.load_cases(DATASET)


def test_ids_are_unique_and_numbered(cases: list):
    ids = [c.id for c in cases]
    assert len(set(ids)) == len(ids) == 64
    assert ids == [f"data-{n:03d}" for n in range(1, 65)]


def test_half_german_half_english(cases: list):
    languages = Counter(c.language for c in cases)
    assert languages == {"de": 32, "en": 32}, languages


def test_every_measure_and_period_kind(cases: list, schema: ModuleType):
    measures = Counter(c.expect.measure for c in cases)
    assert set(measures) == set(get_args(schema.Figure)) | {"refusal"}, measures
    assert measures["consumption_kwh"] >= 8
    assert measures["cost_eur"] >= 5
    assert all(measures[m] >= 1 for m in schema.PRICE_FIGURES)
    money = measures["cost_eur"] + sum(measures[m] for m in schema.PRICE_FIGURES)
    assert 8 <= money <= 14, money
    kinds = Counter(c.expect.period.kind for c in cases)
    assert set(kinds) == set(get_args(schema.PeriodKind)), kinds
    assert kinds["range"] >= 8
    assert kinds["day"] >= 8
    weekdays = {c.expect.period.weekday for c in cases if c.expect.period.weekday}
    assert len(weekdays) >= 4, weekdays
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
    assert 16 <= len(follow_ups) <= 20, len(follow_ups)
    assert {c.language for c in follow_ups} == {"de", "en"}
    assert sum(len(c.turns) == 3 for c in follow_ups) >= 4
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
    assert len(refusals) == 8
    assert Counter(c.expect.meter for c in refusals) == dict.fromkeys(schema.OTHER_METERS, 4)
    assert Counter(c.language for c in refusals) == {"de": 4, "en": 4}
    assert sum(c.follow_up for c in refusals) >= 3
    assert len({c.expect.asked for c in refusals}) >= 4
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


def test_no_question_is_copied_from_the_earlier_sets(cases: list):
    turns = {t.casefold() for c in cases for t in c.turns}
    earlier = set()
    for path in EARLIER:
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    earlier |= {t.casefold() for t in json.loads(line)["turns"]}
    copied = len(turns & earlier)  # only the count: the earlier sets stay unseen
    assert copied == 0
