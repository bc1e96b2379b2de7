"""The gate's decision: a margin on the primary metric, a tolerance on every other one."""

from __future__ import annotations

from luna.learning.gate import decide

BEFORE = {
    "retrieval": {"mrr": 0.80, "hit@1": 0.70, "hit@5": 0.95, "cases": 50},
    "heldout": {"mrr": 0.60, "hit@1": 0.50, "hit@5": 0.80, "queries": 40},
}


def after(**changes: float) -> dict:
    out = {part: dict(values) for part, values in BEFORE.items()}
    for key, value in changes.items():
        part, metric = key.split("__")
        out[part][metric.replace("_at_", "@")] = value
    return out


def test_a_candidate_that_gains_the_margin_is_activated():
    decision = decide(BEFORE, after(heldout__mrr=0.65), min_gain=0.01, tolerance=0.02)
    assert decision.activate
    assert decision.primary == "heldout.mrr"
    assert abs(decision.gain - 0.05) < 1e-9


def test_a_gain_below_the_margin_is_rejected_with_the_numbers():
    decision = decide(BEFORE, after(heldout__mrr=0.605), min_gain=0.01, tolerance=0.02)
    assert not decision.activate
    assert "+0.0050" in decision.reason


def test_a_gain_that_degrades_another_metric_beyond_tolerance_is_rejected():
    decision = decide(
        BEFORE, after(heldout__mrr=0.70, retrieval__hit_at_1=0.60), min_gain=0.01, tolerance=0.02
    )
    assert not decision.activate
    assert "retrieval.hit@1" in decision.reason


def test_without_enough_held_out_queries_the_suite_mrr_decides():
    before = after(heldout__queries=2)
    decision = decide(
        before, after(heldout__queries=2, retrieval__mrr=0.85), min_gain=0.01, tolerance=0.02
    )
    assert decision.primary == "retrieval.mrr"
    assert decision.activate
