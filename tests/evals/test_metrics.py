"""Metric implementations against values computed by hand."""

from __future__ import annotations

import math

import pytest

from luna.evals.datasets import Between, ContainsAny, Prefix
from luna.evals.metrics import (
    argument_accuracy,
    citation_scores,
    cosine,
    faithfulness,
    hit_at_k,
    mean_metrics,
    ndcg_at_k,
    reciprocal_rank,
    section_matches,
    token_f1,
    tokens,
)


def test_hit_at_k_and_reciprocal_rank():
    grades = [0, 0, 1, 2]
    assert hit_at_k(grades, 2) == 0.0
    assert hit_at_k(grades, 3) == 1.0
    assert reciprocal_rank(grades) == pytest.approx(1 / 3)
    assert reciprocal_rank([0, 0, 0]) == 0.0


def test_ndcg_with_graded_relevance_and_an_ideal_from_every_candidate():
    # Ranking: other doc, right doc wrong section, right section. Candidates in the corpus:
    # one chunk in the right section (2) and two more chunks of the right document (1, 1).
    grades = [0, 1, 2]
    dcg = 0 / math.log2(2) + 1 / math.log2(3) + 3 / math.log2(4)  # 0 + 0.6309 + 1.5
    ideal = 3 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)  # 3 + 0.6309 + 0.5
    assert ndcg_at_k(grades, [1, 2, 1], 3) == pytest.approx(dcg / ideal)
    assert ndcg_at_k(grades, [1, 2, 1], 3) == pytest.approx(2.1309 / 4.1309, abs=1e-4)
    assert ndcg_at_k([2, 1, 1], [1, 1, 2], 3) == pytest.approx(1.0)
    assert ndcg_at_k([0, 0], [], 2) == 0.0
    # k cuts both the ranking and the ideal: only the first result counts here.
    assert ndcg_at_k([1, 2], [2, 1], 1) == pytest.approx(1 / 3)


def test_a_parent_section_chunk_matches_when_it_contains_the_subsection_heading():
    expected = "3 Operation > 3.1 Recommended state-of-charge window"
    assert section_matches("3 Operation", "3.1 Recommended state-of-charge window\n…", expected)
    assert not section_matches("3 Operation", "3.2 Operating modes …", expected)
    assert section_matches(expected, "…", expected)
    assert section_matches(expected + " > deeper", "…", expected)
    assert not section_matches("2 Technical data", "…", expected)
    assert not section_matches(None, "…", expected)
    assert section_matches(None, "…", None)


def test_tokens_unify_decimal_marks_and_drop_stop_words_and_citations():
    assert tokens("Der Grundpreis beträgt 14,90 € [1].") == ["grundpreis", "beträgt", "14.90"]
    assert tokens("The base price is 14.90 EUR") == ["base", "price", "14.90", "eur"]


def test_token_f1_by_hand():
    # prediction tokens: grundpreis, 14.90, monat; reference: grundpreis, beträgt, 14.90,
    # monat, brutto -> common 3, precision 3/3, recall 3/5, F1 = 2*1*0.6/1.6 = 0.75
    assert token_f1(
        "Grundpreis 14,90 pro Monat", "Der Grundpreis beträgt 14,90 pro Monat brutto"
    ) == pytest.approx(0.75)
    assert token_f1("nothing shared", "Grundpreis 14,90") == 0.0


def test_cosine_by_hand():
    assert cosine([1.0, 0.0], [1.0, 1.0]) == pytest.approx(1 / math.sqrt(2))
    assert cosine([0.0, 0.0], [1.0, 1.0]) == 0.0


def test_faithfulness_counts_claims_whose_figures_are_in_the_context():
    context = "Der Grundpreis beträgt 14,90 € pro Monat brutto (12,52 € netto)."
    answer = "Der Grundpreis beträgt 14,90 € pro Monat [1]. Netto sind es 13,00 € pro Monat."
    result = faithfulness(answer, context)
    assert (result.claims, result.supported) == (2, 1)
    assert result.score == pytest.approx(0.5)
    assert result.unsupported_numbers == ["13.00"]
    assert faithfulness("", context).score is None


def test_citation_recall_and_precision():
    assert citation_scores(["a.pdf"], ["a.pdf", "b.txt"]) == (0.5, 1.0)
    assert citation_scores(["a.pdf", "c.md"], ["a.pdf"]) == (1.0, 0.5)
    assert citation_scores([], ["a.pdf"]) == (0.0, None)


def test_argument_accuracy_with_paths_words_ranges_and_prefixes():
    expected = {
        "series": "consumption",
        "loads.0.energy_kwh": 20,
        "query": ContainsAny(contains_any=["sg-ready", "sg ready"]),
        "horizon_hours": Between(between=(24, 48)),
        "start": Prefix(prefix="2025-03-01"),
    }
    actual = {
        "series": "Consumption",
        "loads": [{"energy_kwh": 20.0, "power_kw": 11}],
        "query": "SG-Ready Zustand 4",
        "horizon_hours": 72,
        "start": "2025-03-01T00:00",
    }
    assert argument_accuracy(expected, actual) == pytest.approx(4 / 5)  # horizon out of range
    assert argument_accuracy({}, actual) is None
    assert argument_accuracy({"loads.3.power_kw": 1}, actual) == 0.0


def test_mean_metrics_skips_not_applicable_values():
    rows = [{"a": 1.0, "b": None}, {"a": 0.0, "b": 0.5}]
    assert mean_metrics(rows) == {"a": 0.5, "b": 0.5}
