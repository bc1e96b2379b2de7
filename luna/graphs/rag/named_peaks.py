"""A year's peak that a question names without stating it, read from a monthly table by code.

"Was zahlen wir 2026 an Leistungspreis, wenn die Jahreshöchstleistung wieder so hoch ist wie
2025?" prices a quantity the question only describes: the highest monthly peak of 2025, which
a facility note's monthly table gives. The model would have to find twelve rows, take their
maximum and multiply; it took a neighbouring figure. Here the year's peak is the maximum of
the column in kW of a monthly table with all twelve months of that year (the rows labelled
with it, or the passage naming it), unless a passage states it ("Die Jahreshöchstleistung
2025 lag im Juli: 572 kW"), and it is written into the question ("… (Jahres-
höchstleistung 2025: 538 kW)"), where the rate plans (:mod:`luna.graphs.rag.rate_plans`)
find it as the question's quantity. Only for a question that asks for money, states no power
of its own and asks no saving or difference: "how much do we save compared with last year's
peak" has a second side the question does not state either (a limit or a threshold, which
:mod:`luna.graphs.rag.table_extremes` reads).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from luna.core.arithmetic import format_number, parse_number
from luna.core.language import guess_language
from luna.graphs.rag.calculation_cues import SAVING, asks_money
from luna.graphs.rag.calculation_plan import ListedNumber, listed_numbers
from luna.graphs.rag.table_months import ANNUAL_PEAK, period_column
from luna.retrieval.comparisons import ASKS_DIFFERENCE
from luna.retrieval.designations import years
from luna.retrieval.dictionary import Dictionary

_MONTHS = 12


def asks_named_peak(question: str) -> bool:
    """Whether the question prices a year's peak it names without stating it (see the
    module's docstring)."""
    if not ANNUAL_PEAK.search(question) or not asks_money(question):
        return False
    if SAVING.search(question) or ASKS_DIFFERENCE.search(question):
        return False
    # a question that states the power it prices needs no peak read
    return not any(n.unit.casefold() in ("kw", "mw") for n in listed_numbers(question, []))


def with_named_peak(
    question: str,
    passages: Sequence[dict[str, Any]],
    documents: Mapping[str, Sequence[str]] | None = None,
    dictionary: Dictionary | None = None,
) -> str:
    """The question with the peak of the year it names written after it, where exactly one
    of the years it names has a whole monthly table in kW (see the module's docstring)."""
    named = ANNUAL_PEAK.search(question)
    if named is None or not asks_named_peak(question):
        return question
    found = _stated_peaks(question, passages) or _table_peaks(
        question, passages, documents, dictionary
    )
    if len(found) != 1:
        return question
    year, peak = found[0]
    written = format_number(peak, guess_language(question), trim=True)
    return f"{question.rstrip()} ({named.group()} {year}: {written} kW)"


def _stated_peaks(question: str, passages: Sequence[dict[str, Any]]) -> list[tuple[str, Decimal]]:
    """The years of the question whose peak a passage states (:func:`stated_peaks`), each with
    it, where the passages state one value for it."""
    found: dict[str, set[Decimal]] = {}
    for year, number in stated_peaks(question, passages):
        found.setdefault(year, set()).add(parse_number(number.value))
    return [(year, values.pop()) for year, values in found.items() if len(values) == 1]


def stated_peaks(
    question: str, passages: Sequence[dict[str, Any]]
) -> list[tuple[str, ListedNumber]]:
    """Each year of the question with each figure in kW a passage states beside words for a
    year's peak and that year ("Die Jahreshöchstleistung 2025 lag im Juli: 572 kW")."""
    asked = dict.fromkeys(years(question))
    return [
        (year, number)
        for number in listed_numbers(question, passages, limit=None)
        if number.source > 0
        and number.unit.casefold() == "kw"
        and ANNUAL_PEAK.search(number.context)
        for year in asked
        if year in number.context
    ]


def _table_peaks(
    question: str,
    passages: Sequence[dict[str, Any]],
    documents: Mapping[str, Sequence[str]] | None,
    dictionary: Dictionary | None,
) -> list[tuple[str, Decimal]]:
    """The years of the question with a whole monthly table in kW, each with its maximum."""
    found = []
    for year in dict.fromkeys(years(question)):
        column = period_column(year, passages, documents, dictionary, unit="kW")
        if column is None:
            continue
        _, values, source, _ = column
        texts = [str(p["text"]) for p in passages if int(p["n"]) == source]
        if len(values) == _MONTHS and any(year in t for t in texts):
            found.append((year, max(values.values())))
    return found
