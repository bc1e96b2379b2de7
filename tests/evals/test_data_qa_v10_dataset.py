"""The independent data-question set ``evals/data_qa.v10.jsonl`` (bench_data_answers.py).

Written in session 38 without sight of the earlier sets or of the assistant's code, only from
the schema (``benchmarks/_data_qa.py``) and the bench, to run once, untuned
(``--dataset evals/data_qa.v10.jsonl``). Its brief differed from v5's: every figure equally
often, dialect and elliptical follow-ups ("Und M-003 in derselben Zeit?", too short for the
language detector), so only v5's checks that apply are reused; the rest are v10's own promises.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import get_args

import pytest

from tests.evals.test_data_qa_v5_dataset import (  # noqa: F401 (collected here, on v10's cases)
    schema,
    test_half_german_half_english,
    test_periods_lie_in_the_data_and_are_explained,
    test_refusals_of_the_other_customers_meters,
)

DATASET = Path(__file__).resolve().parents[2] / "evals" / "data_qa.v10.jsonl"


@pytest.fixture(scope="module")
def cases(schema: ModuleType) -> list:  # noqa: F811 (v10's cases for v5's checks)
    return schema.load_cases(DATASET)


def test_every_figure_six_times_and_every_period_kind(
    cases: list,
    schema: ModuleType,  # noqa: F811 (the imported fixture)
):
    assert len(cases) == 64
    measures = Counter(c.expect.measure for c in cases)
    assert set(measures) == set(get_args(schema.Figure)) | {"refusal"}, measures
    assert min(n for m, n in measures.items() if m != "refusal") >= 6, measures
    assert measures["refusal"] >= 8
    kinds = {c.expect.period.kind for c in cases}
    assert kinds == set(get_args(schema.PeriodKind)), kinds


def test_follow_ups_change_one_thing_in_both_languages(cases: list):
    follow_ups = [c for c in cases if c.follow_up]
    assert len(follow_ups) >= 12
    assert Counter(c.language for c in follow_ups)["de"] >= 6
    assert Counter(c.language for c in follow_ups)["en"] >= 6
    turns = [t.casefold() for c in cases for t in c.turns]
    assert len(set(turns)) == len(turns), "a question appears twice"
