"""Compliance questions answered by code: a value one document states against the bounded
requirement another states, with the verdict and both values."""

from __future__ import annotations

from typing import Any

from luna.graphs.rag.compliance import asks_compliance, compliance_verdict
from luna.retrieval.dictionary import Dictionary, parse

POLICY = {
    "n": 1,
    "title": "Betriebsrichtlinie Wärmepumpen",
    "text": "3 Störungen\nStörungen der Wärmepumpen sind innerhalb von höchstens 24 Stunden vor "
    "Ort zu beheben. Meldungen an die Haustechnik erfolgen innerhalb von 2 Stunden.",
}
CONTRACT = {
    "n": 2,
    "title": "Service Contract Heat Pumps",
    "text": "4 Response times\nResponse class | Remote | On site\n"
    "Urgent | within 4 hours | within 48 hours\n"
    "Response class: Urgent · Remote: within 4 hours · On site: within 48 hours\n"
    "Normal | within 1 day | within 5 working days",
}
DING = "\n".join(
    [
        "dringend :: urgent",
        "Ort {m} :: site; place",
        "Servicevertrag {m} :: service contract",
        "Betriebsrichtlinie {f} :: operating policy",
        "Störung {f} :: fault",
    ]
)


def test_a_contracted_time_against_a_policy_in_the_other_language_is_a_no_with_both_values():
    question = (
        "Erfüllt die im Servicevertrag vereinbarte Zeit bis zum Einsatz vor Ort bei dringenden "
        "Störungen die Vorgabe der Betriebsrichtlinie?"
    )
    assert asks_compliance(question)
    dictionary = Dictionary(*parse(DING.splitlines()))
    verdict = compliance_verdict(question, [POLICY, CONTRACT], dictionary)
    assert verdict is not None
    assert verdict.render("de") == (
        "Nein. 48 Stunden [2] überschreitet die Vorgabe: höchstens 24 Stunden [1]."
    )


def _passages(limit: str, protocol_rows: str) -> list[dict[str, Any]]:
    letter = {"n": 1, "title": "Grid operator letter", "text": limit}
    protocol = {
        "n": 2,
        "title": "Installer protocol",
        "text": f"Settings\nParameter | Value\n{protocol_rows}\nMax. charge power | 4.0 kW",
    }
    return [letter, protocol]


def test_a_setting_within_the_grid_operators_limit_meets_it():
    question = "Does the feed-in limit set by the installer comply with the grid operator's rule?"
    passages = _passages("Feed-in must be limited to at most 6.0 kW.", "Feed-in limit | 5.5 kW")
    verdict = compliance_verdict(question, passages)
    assert verdict is not None
    assert verdict.meets
    assert verdict.render("en") == "Yes. 5.5 kW [2] meets the requirement: at most 6.0 kW [1]."
    lower = _passages("The feed-in limit must be at least 6.0 kW.", "Feed-in limit | 5.5 kW")
    verdict = compliance_verdict(question, lower)
    assert verdict is not None
    assert verdict.render("en").startswith("No. 5.5 kW [2] falls short of the requirement")


def test_no_verdict_without_a_bounded_requirement_or_with_two_candidate_values():
    question = "Does the feed-in limit set by the installer comply with the grid operator's rule?"
    unbounded = _passages("Feed-in is 6.0 kW.", "Feed-in limit | 5.5 kW")
    assert compliance_verdict(question, unbounded) is None
    two = _passages("Feed-in at most 6.0 kW.", "Feed-in limit | 5.5 kW\nFeed-in limit | 5.0 kW")
    assert compliance_verdict(question, two) is None
    assert not asks_compliance("What is the feed-in limit the grid operator requires?")
