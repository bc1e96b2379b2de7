"""The independent data-question set ``evals/data_qa.v2.jsonl`` of ``bench_data_answers.py``.

Written without looking at v1 or at the assistant's code, to check that v1's scores are not
tuned to v1's wording. Without the model: the file loads against the same schema
(``benchmarks/_data_qa.py``), has every measure, both languages, follow-ups and refusals of
foreign meters, and its questions are in their language and not v1's.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from luna.core.language import detect_language
from tests.evals.benchmark_modules import benchmark_module

ROOT = Path(__file__).resolve().parents[2]
V2 = ROOT / "evals" / "data_qa.v2.jsonl"


@pytest.fixture(scope="module")
def schema() -> ModuleType:
    return benchmark_module("_data_qa")


@pytest.fixture(scope="module")
def cases(schema: ModuleType) -> list:
    return schema.load_cases(V2)


def test_v2_covers_every_measure_both_languages_and_periods(cases: list, schema: ModuleType):
    assert len(cases) >= 48
    measures = Counter(c.expect.measure for c in cases)
    assert set(measures) == set(schema.Figure.__args__) | {"refusal"}, measures
    assert measures["refusal"] >= 6
    languages = Counter(c.language for c in cases)
    assert abs(languages["de"] - languages["en"]) <= 2, languages
    kinds = {c.expect.period.kind for c in cases}
    assert kinds == set(schema.PeriodKind.__args__), kinds
    assert any(c.expect.meter in schema.CUSTOMER_METERS for c in cases)


def test_v2_follow_ups_and_refusals(cases: list, schema: ModuleType):
    follow_ups = [c for c in cases if c.follow_up]
    assert len(follow_ups) >= 10
    assert {c.language for c in follow_ups} == {"de", "en"}
    assert any(len(c.turns) == 3 for c in follow_ups)
    refusals = [c for c in cases if c.expect.measure == "refusal"]
    assert {c.expect.meter for c in refusals} == set(schema.OTHER_METERS)
    for case in refusals:  # the foreign meter is named in the last message
        assert case.expect.meter in case.turns[-1], case.id


def test_v2_questions_are_in_their_language_and_not_v1s(cases: list, schema: ModuleType):
    for case in cases:
        assert detect_language(case.turns[0]) == case.language, case.id
        for turn in case.turns[1:]:
            assert detect_language(turn) in (case.language, None), (case.id, turn)
    turns = [t.casefold() for c in cases for t in c.turns]
    assert len(set(turns)) == len(turns), "a question appears twice"
    v1 = {t.casefold() for c in schema.load_cases() for t in c.turns}
    assert not v1 & set(turns)
