"""Differences and relative changes between two values the passages state, computed by code.

"Um wie viel kW lag die Spitzenlast im Februar über dem Spitzenlastlimit der Richtlinie?",
"By how much is the net grid fee per kWh lower under Module 2 than the standard grid fee?",
"Um wie viel Prozent ist der Grundpreis 2026 gegenüber 2025 gestiegen?". The question names
both sides of the comparison around one comparison word ("than", "als", "gegenüber", "über");
each side takes the passage value whose words (a table cell's row and column headings, the
words around a number in prose) share most with the words only that side says, so the row
"Februar" goes to the peak and the sentence "limit of 190 kW" to the limit. Code builds the
plan and subtracts; no model picks operands.

Tried only when the question asks by how much (or by what percentage) and states no quantity
of its own (a question with "40 kWh" or "from 223.4 kW to 190 kW" is a rate times a quantity,
:mod:`luna.graphs.rag.rate_plans`). Both values have the unit the question asks in ("um wie
viel kW", "per kWh"), or where it names none the same unit as each other. The difference is
the larger minus the smaller (the question's direction word says which side is larger, and a
wrong direction would be the document's news, not the user's arithmetic); a relative change
is that difference over the side the question compares against. When a side's best value is
not unambiguous, or both sides pick the same value, there is no plan and the model's is tried.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from luna.core.arithmetic import parse_number
from luna.graphs.rag.calculation_plan import (
    UNIT_WORDS,
    CalculationPlan,
    ListedNumber,
    in_brackets,
    listed_numbers,
    stated_side,
)
from luna.graphs.rag.compress import question_terms, stems, term_score, term_weights
from luna.graphs.rag.rate_plans import (
    MAX_RATES,
    UNDISTINCTIVE,
    asked_net,
    net_or_gross,
    operand,
    rate_per,
)
from luna.retrieval.comparisons import ASKS_PERCENT, Sides, comparison_sides
from luna.retrieval.designations import designations, mentioned
from luna.retrieval.periods import period_terms
from luna.retrieval.queries import same_product, specific_attributes

# A unit the question asks in without a number: "um wie viel kW", "per kWh", "in ct/kWh".
_ASKED_UNIT = re.compile(
    rf"(?<![\d,.])\s(?P<per>(pro|per|je|a|/)\s*)?(?P<unit>{UNIT_WORDS}|Prozent|percent|%)\b",
    re.IGNORECASE,
)
# Words of the question that only ask: they tell no side's value from the other's.
# fmt: off
_ASKING = frozenset([
    "wievi", "viel", "much", "how", "lower", "highe", "niedr", "höher", "mehr", "wenig", "less",
    "more", "größe", "klein", "great", "small", "bigge", "diffe", "unter", "proze", "perce",
    "lag", "liegt", "lagen", "per", "pro", "under", "über", "above", "below", "over", "gesen",
    "gesti", "incre", "decre",
])
# fmt: on
_HEADING_CHARS = 60
_WORD = re.compile(r"[^\W\d_]+")
_MIN_PART = 4  # letters of a compound's parts ("Last", "Limit")


def _asked_unit(question: str) -> tuple[str, bool] | None:
    """The unit the question asks in without a number ("um wie viel kW" → ("kw", False),
    "per kWh" → ("kwh", True): a rate per it), or None."""
    for match in _ASKED_UNIT.finditer(question):
        unit = match.group("unit").casefold()
        if unit not in ("prozent", "percent", "%"):
            return unit, bool(match.group("per"))
    return None


def _in_unit(number: ListedNumber, asked: tuple[str, bool] | None) -> bool:
    """Whether a passage value may be compared: in the unit the question asks in, or where it
    names none any value with a unit (a plain count is rarely what a difference is asked of)."""
    if asked is None:
        return bool(number.unit)
    unit, per = asked
    if per:
        return _per_key(rate_per(number.unit)) == _per_key(unit)
    return _unit_key(number) == _unit_key(ListedNumber("", unit, 0, ""))


def heading_above(lines: Sequence[str], index: int, max_chars: int = _HEADING_CHARS) -> str | None:
    """The nearest heading above line ``index``: a line of at most ``max_chars`` that is no
    sentence and no table row; None where there is none."""
    above = (
        line
        for line in reversed(lines[:index])
        if len(line) <= max_chars and " | " not in line and not line.rstrip().endswith(".")
    )
    return next(above, None)


def _heading(lines: list[str], index: int) -> str:
    """The nearest heading above line ``index`` and the passage's first line (its heading
    path)."""
    heading = heading_above(lines, index)
    return f"{lines[0]} {'' if heading is None else heading}"


def value_scope(number: ListedNumber, passage: dict[str, Any]) -> str:
    """The words a value is known by: those around it (a table cell's row and column
    headings), its passage's title, the heading it stands under ("5.1 Import limit" over
    "shall not exceed 205 kW"), the year its document is valid from and its version ("the
    2025 FAQ", "Version 1.0 der Richtlinie")."""
    lines = str(passage["text"]).split("\n")
    written = re.compile(rf"(?<![\d.,]){re.escape(number.value)}\s?{re.escape(number.unit)}")
    at = next((i for i, line in enumerate(lines) if written.search(line)), 0)
    year = str(passage.get("valid_from") or "")[:4]  # "the 2025 FAQ"
    version = f"Version {passage['version']}" if passage.get("version") else ""
    return f"{number.context} {passage.get('title', '')} {_heading(lines, at)} {year} {version}"


def _side_terms(side: str, vocabulary: set[str]) -> set[str]:
    """The stems that pick a side's value: its words less those that only ask, units and
    net/gross (filtered on their own) and numbers (a designation's number counts with its
    word, see :func:`_leaders`), but a year only where the side names no month or quarter
    ("im Februar 2025": the monthly table's row, not its 2025 total). A German compound
    adds its last part where the passages write it as a word of its own ("Spitzenlastlimit"
    → "limit" of "Peak-load limit")."""
    terms = question_terms(side) - _ASKING - UNDISTINCTIVE
    terms = {t for t in terms if not t.isdigit() or (len(t) == 4 and not period_terms(side))}
    for word in _WORD.findall(side.casefold()):
        tails = (word[cut:] for cut in range(_MIN_PART, len(word) - _MIN_PART + 1))
        terms |= stems(" ".join(tail for tail in tails if tail in vocabulary))
    return terms


def _with_shared_attribute(split: Sides) -> Sides:
    """The sides with the attribute only one of them names given to the other too: "the
    monthly standing charge in the 2026 sheet compared with what the 2025 FAQ said" compares
    the standing charge on both sides."""
    compared = specific_attributes(split.compared.casefold())
    reference = specific_attributes(split.reference.casefold())
    if compared and not reference:
        return Sides(split.compared, f"{split.reference} {' '.join(compared)}")
    if reference and not compared:
        return Sides(f"{split.compared} {' '.join(reference)}", split.reference)
    return split


def _leaders(
    candidates: Sequence[tuple[ListedNumber, str]], side: str, own: set[str], shared: set[str]
) -> dict[Decimal, ListedNumber]:
    """The values that fit a side best, by value: each candidate's scope scored on the
    side's own words and the words both sides say, among candidates with at least one of the
    side's own words (or the designation it names) and every designation the side names
    ("Module 2" ~ "Modul 2", not the "2" of "4.2 Modul 3"), and whose own sentence or row
    names no other product than the side does (the price sheet's "Grundpreis für QuellStrom
    Takt" is no value of QuellStrom Flex, though the sheet's title names both). One table
    cell can hold two ("3,248 ct/kWh netto statt 8,12 ct/kWh"); of values that fit alike,
    the sentence's own wins over those it adds in brackets."""
    named = designations(side)
    candidates = [
        (n, scope)
        for n, scope in candidates
        if all(mentioned(d, [scope]) for d in named) and same_product(side, n.context)
    ]
    scopes = [scope for _, scope in candidates]
    own_weights, weights = term_weights(scopes, own), term_weights(scopes, own | shared)
    # A side known by its designation alone ("… gegenüber Version 1.0") has it for its own
    # word: its candidates all mention it, and the words both sides say rank them.
    scored = [
        (n, term_score(scope, weights))
        for n, scope in candidates
        if named or term_score(scope, own_weights) > 0
    ]
    if not scored:
        return {}
    top = max(score for _, score in scored)
    best = [n for n, score in scored if score == top]
    # of values that fit alike, the sentence's own over those it adds in brackets
    stated = [n for n in best if not in_brackets(n, n.context)]
    return {parse_number(n.value): n for n in reversed(stated or best)}


def _net_of_a_pair(leaders: dict[Decimal, ListedNumber]) -> dict[Decimal, ListedNumber]:
    """Of a side's two leaders that are one value net and gross (a tariff row's two columns),
    the net one: a relative change is the same on either side of the VAT, when both sides
    are read on the same one."""
    if len(leaders) != 2:
        return leaders
    sides = {stated_side(n): (v, n) for v, n in leaders.items()}
    if set(sides) != {"net", "gross"}:
        return leaders
    value, number = sides["net"]
    return {value: number}


def _pair(
    compared: dict[Decimal, ListedNumber], reference: dict[Decimal, ListedNumber]
) -> tuple[ListedNumber, ListedNumber] | None:
    """One value per side, the two different and in one unit: a side with a tie keeps the
    values in the unit the other side settled on, less that side's value ("3,248 statt 8,12"
    where the standard row gave 8,12; the May row's kW, not its kWh); None when a tie
    stays."""

    def settle(
        tied: dict[Decimal, ListedNumber], settled: ListedNumber
    ) -> dict[Decimal, ListedNumber]:
        same = _unit_key(settled)
        return {v: n for v, n in tied.items() if _unit_key(n) == same and n.value != settled.value}

    if len(compared) > 1 and len(reference) == 1:
        compared = settle(compared, next(iter(reference.values())))
    elif len(reference) > 1 and len(compared) == 1:
        reference = settle(reference, next(iter(compared.values())))
    if len(compared) != 1 or len(reference) != 1 or compared.keys() == reference.keys():
        return None
    return next(iter(compared.values())), next(iter(reference.values()))


def comparison_plan(question: str, passages: Sequence[dict[str, Any]]) -> CalculationPlan | None:
    """The plan of the difference (or relative change) between the two stated values the
    question compares (see the module's docstring), or None when the question is not of that
    shape or a side's value is not unambiguous."""
    split = comparison_sides(question)
    if split is None:
        return None
    if any(n.unit for n in listed_numbers(question, [])):
        return None  # the question states a quantity: a rate times it, not a comparison
    asked, net = _asked_unit(question), asked_net(question)
    by_number = {int(p["n"]): p for p in passages}
    candidates = [
        (n, value_scope(n, by_number[n.source]))
        for n in listed_numbers(question, passages, limit=MAX_RATES)
        if n.source in by_number and n.unit != "%" and _in_unit(n, asked) and net_or_gross(n, net)
    ]
    vocabulary = {w for _, scope in candidates for w in _WORD.findall(scope.casefold())}
    split = _with_shared_attribute(split)
    compared_terms = _side_terms(split.compared, vocabulary)
    reference_terms = _side_terms(split.reference, vocabulary)
    shared = compared_terms & reference_terms
    compared_leaders = _leaders(candidates, split.compared, compared_terms - shared, shared)
    reference_leaders = _leaders(candidates, split.reference, reference_terms - shared, shared)
    if ASKS_PERCENT.search(question):  # net or gross: the same change, read on one side
        compared_leaders = _net_of_a_pair(compared_leaders)
        reference_leaders = _net_of_a_pair(reference_leaders)
    pair = _pair(compared_leaders, reference_leaders)
    if pair is None or _unit_key(pair[0]) != _unit_key(pair[1]):
        return None
    compared, reference = pair
    a, b = parse_number(compared.value), parse_number(reference.value)
    operands = [operand("compared", compared), operand("reference", reference)]
    difference = "compared - reference" if a > b else "reference - compared"
    if ASKS_PERCENT.search(question):
        return CalculationPlan(
            operands=operands, expression=f"({difference}) / reference", result_unit="%"
        )
    result_unit = (
        reference.unit if compared.unit == reference.unit else _shown_unit(asked, reference)
    )
    return CalculationPlan(operands=operands, expression=difference, result_unit=result_unit)


def _shown_unit(asked: tuple[str, bool] | None, reference: ListedNumber) -> str:
    """The unit a difference of two prices in different units is shown in: the one the
    question asks in ("in ct/kWh"), else the reference's."""
    if asked is not None and not asked[1] and rate_per(asked[0]):
        return next(
            (u for u in ("ct/kWh", "€/kWh", "€/MWh") if u.casefold() == asked[0]), reference.unit
        )
    return reference.unit


_ENERGY_UNITS = frozenset({"wh", "kwh", "mwh", "gwh"})


def _per_key(per: str) -> str:
    """What a rate is per, as compared: any energy unit is energy (the calculator converts)."""
    return "energy" if per in _ENERGY_UNITS else per


def _unit_key(number: ListedNumber) -> str:
    """A value's unit as compared between the sides ("kW" and "kw" are one; a price per
    energy is one whatever its scale: "78.50 EUR/MWh" compares with "18,20 ct/kWh", the
    calculator converts both to €/kWh)."""
    unit = number.unit.replace(" ", "").casefold()
    per = rate_per(unit)
    return f"money/{_per_key(per)}" if per in _ENERGY_UNITS else unit
