"""A quantity split between two rates by a share, by code: "180.000 kWh, 60 % davon im HT,
der Rest im NT – was kostet das?".

The question gives one energy and the share of it one rate applies to ("60% in peak (HT) and
the rest off-peak", "zu 70 % im Hochtarif, der Rest im Niedertarif"), or two shares that add
up to 100 ("40 % HT, 60 % NT"). Each side's rate per kWh is the passages' rate whose words
share most with that side's words (through the lexicon: "peak (HT)" ~ "Hochtarif", "off-peak"
~ "Niedertarif"), net or gross as the question asks, of the current price sheet
(:func:`luna.graphs.rag.rate_plans.scored_rates`). A question that includes a monthly amount
("incl. the monthly base price") adds the passages' figure that names it
(:func:`luna.graphs.rag.stated_formulas.included_fee`), once: the quantity is a month's.

    quantity × (share / 100 × rate_a + (1 − share / 100) × rate_b) [+ fee]

The 1.5B model, given the numbers by id, wrote runaway numbered plans for this. When a side's
rate is not unambiguous, or both sides take the same rate, there is no plan.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from luna.core.arithmetic import parse_number
from luna.core.units import parse_unit
from luna.graphs.rag.calculation_cues import asks_money
from luna.graphs.rag.calculation_plan import CalculationPlan, ListedNumber, listed_numbers
from luna.graphs.rag.compress import question_terms, term_score, term_weights
from luna.graphs.rag.rate_plans import (
    INCLUDES,
    UNDISTINCTIVE,
    asked_net,
    best_rate,
    operand,
    scored_rates,
)
from luna.graphs.rag.stated_formulas import included_fee

# The other side of a share: "the rest off-peak", "der Rest im NT", "die übrigen 40 %".
_REST = re.compile(
    r"\b(rest|remainder|remaining|others?|übrig\w*|restlich\w*|verbleibend\w*)\b", re.IGNORECASE
)
# Where a side's words end: the next clause.
_SIDE_END = re.compile(r"[.;?!]|,\s|\b(und|and|what|was|wie|how|bei|at)\b", re.IGNORECASE)
_ENERGY = parse_unit("kWh").dimension


def _side(question: str, start: int) -> str:
    """The words from ``start`` to the end of their clause."""
    end = _SIDE_END.search(question, start + 1)
    return question[start : end.start() if end else len(question)]


def _sides(question: str, shares: Sequence[ListedNumber]) -> tuple[ListedNumber, str, str] | None:
    """The share the first side takes and the words naming each side, or None."""
    positions = [_position(question, n) for n in shares]
    if len(shares) == 1:
        rest = _REST.search(question, positions[0])
        if rest is None:
            return None
        return shares[0], _side(question, positions[0]), _side(question, rest.end())
    first, second = shares
    if parse_number(first.value) + parse_number(second.value) != 100:
        return None
    return first, _side(question, positions[0]), _side(question, positions[1])


def _position(question: str, number: ListedNumber) -> int:
    """Where the words after a question's number start."""
    found = re.search(rf"(?<![\d.,]){re.escape(number.value)}\s?%", question)
    return found.end() if found else len(question)


def _side_rate(scored: Sequence[tuple[ListedNumber, float]], side: str) -> ListedNumber | None:
    """The rate whose words share most with one side's words."""
    terms = question_terms(side) - UNDISTINCTIVE
    weights = term_weights([n.context for n, _ in scored], terms)
    return best_rate([(n, term_score(n.context, weights)) for n, _ in scored])


def share_plan(question: str, passages: Sequence[dict[str, Any]]) -> CalculationPlan | None:
    """The cost of an energy split between two rates by the question's share (see the
    module's docstring), or None."""
    if not asks_money(question):
        return None
    given = listed_numbers(question, [])
    energies = [n for n in given if n.unit and parse_unit(n.unit).dimension == _ENERGY]
    shares = [n for n in given if n.unit == "%"]
    if len(energies) != 1 or len(shares) not in (1, 2) or len(given) != 1 + len(shares):
        return None
    sides = _sides(question, shares)
    if sides is None:
        return None
    share, first_words, second_words = sides
    net = asked_net(question)
    scored = scored_rates(question, passages, "kwh", net)
    first, second = _side_rate(scored, first_words), _side_rate(scored, second_words)
    if first is None or second is None or parse_number(first.value) == parse_number(second.value):
        return None
    operands = [
        operand("quantity", energies[0]),
        operand("share", share),
        operand("rate_a", first),
        operand("rate_b", second),
    ]
    expression = "quantity * (share / 100 * rate_a + (1 - share / 100) * rate_b)"
    if INCLUDES.search(question):
        fee = included_fee(question, passages, gross=net is False)
        if fee is None:
            return None
        operands.append(operand("fee", fee))
        expression = f"{expression} + fee"
    return CalculationPlan(operands=operands, expression=expression, result_unit="€")
