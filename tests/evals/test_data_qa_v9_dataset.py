"""The independent data-question set ``evals/data_qa.v9.jsonl`` (bench_data_answers.py).

Written without sight of the earlier sets (v1–v8) or of the assistant's code, only from the
schema (``benchmarks/_data_qa.py``) and the bench, to run once, untuned
(``--dataset evals/data_qa.v9.jsonl``): customers of different trades and households, Swiss and
Austrian words, colloquial English, typos, questions inside longer messages, holidays and spelled
out dates. Without the model: the file loads against the schema and has the coverage v5 promised
(the checks of ``test_data_qa_v5_dataset``, run here on v9), with exactly 64 cases and at least
8 refusals of the other customer's meters.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests.evals.test_data_qa_v5_dataset import (  # noqa: F401 (collected here, on v9's cases)
    schema,
    test_every_measure_and_period_kind,
    test_follow_up_threads,
    test_half_german_half_english,
    test_periods_lie_in_the_data_and_are_explained,
    test_questions_are_in_their_language_and_fresh,
    test_refusals_of_the_other_customers_meters,
)

DATASET = Path(__file__).resolve().parents[2] / "evals" / "data_qa.v9.jsonl"


@pytest.fixture(scope="module")
def cases(schema: ModuleType) -> list:  # noqa: F811 (v9's cases for v5's checks)
    return schema.load_cases(DATASET)


def test_sixty_four_cases_and_at_least_eight_refusals(cases: list):
    assert len(cases) == 64
    assert sum(c.expect.measure == "refusal" for c in cases) >= 8
