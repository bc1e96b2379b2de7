"""Figures in a model-written answer must be figures the sources state.

Code computes every figure that needs arithmetic (:mod:`luna.graphs.rag.calculation`); the
model only words the answer. A figure in its answer that no passage, fact or the question
states is one it computed or made up, and the 1.5B model's arithmetic is wrong far more often
than right ("40 kWh × $0.10 = $4.00" with no such price anywhere). Such an answer is withheld:
the customer gets "not reliably from the documents" instead of a number that looks sourced.

A figure here is an amount: a number with a unit of money, energy or power, or a percentage;
counts, durations, years, dates, clock times and citation markers are not figures.
A figure counts as stated when a source has the same value in either notation ("2,90" =
"2.90" = "2.9"), also scaled by a power of ten (a price in ct/kWh restated in €/kWh, Wh in
kWh), which is a change of unit, not arithmetic.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from luna.core.arithmetic import parse_number
from luna.core.language import Language

# A number with a unit after it (or a currency sign before it), or with decimals.
_UNIT = (
    r"(?:€|%|eur\b|euro\b|ct\b|cent\b|cents\b|kwh\b|mwh\b|wh\b|kw\b|mw\b|w\b|kwp\b|"
    r"prozent\b|percent\b)"
)
_NUMBER = r"\d{1,3}(?:[.,]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_FIGURE = re.compile(
    rf"(?:(?:€|\$|eur\b)\s*(?P<before>{_NUMBER}))|(?<![\w.,])(?P<number>{_NUMBER})"
    rf"(?P<unit>\s*{_UNIT})?",
    re.IGNORECASE,
)
_CITATION = re.compile(r"\[\d+\]")
_DATE = re.compile(r"\b\d{1,2}\.\s?\d{1,2}\.(?:\d{2,4})?|\b\d{4}-\d{2}-\d{2}\b")
_TIME = re.compile(r"\b\d{1,2}:\d{2}\b")
_SCALES = tuple(Decimal(10) ** k for k in range(-3, 4))


def _figures(text: str, language: Language | None) -> list[tuple[str, Decimal]]:
    """The figures of ``text``: (as written, value)."""
    cleaned = _TIME.sub(" ", _DATE.sub(" ", _CITATION.sub(" ", text)))
    found = []
    for match in _FIGURE.finditer(cleaned):
        written = match.group("before") or match.group("number")
        if not (match.group("before") or match.group("unit")):
            continue  # a count, a duration, a designation: not an amount
        try:
            found.append((match.group().strip(), parse_number(written, language)))
        except ValueError:
            continue
    return found


def _values(texts: Iterable[str], language: Language | None) -> set[Decimal]:
    """Every number the texts write, figures or not, in both readings where ambiguous."""
    values: set[Decimal] = set()
    for text in texts:
        for match in re.finditer(_NUMBER, _CITATION.sub(" ", text)):
            for reading in {language, "de", "en"}:
                try:
                    values.add(parse_number(match.group(), reading))
                except ValueError:
                    continue
    return {v.normalize() for v in values}


def ungrounded_figures(answer: str, sources: Iterable[str], language: Language) -> list[str]:
    """The figures of ``answer`` (as written) that none of ``sources`` states, in any notation
    or scaled by a power of ten; an answer without figures has none."""
    stated = _values(sources, language)
    missing = []
    for written, value in _figures(answer, language):
        if value == 0 or any((value * scale).normalize() in stated for scale in _SCALES):
            continue
        missing.append(written)
    return list(dict.fromkeys(missing))


WITHHELD = {
    "de": (
        "Das weiß ich anhand der vorliegenden Dokumente nicht verlässlich: Sie nennen die Zahl "
        "nicht, und eine eigene Rechnung ließe sich nicht auf belegte Angaben zurückführen."
    ),
    "en": (
        "I don't know that reliably from the documents: they do not state the figure, and a "
        "calculation of my own could not be traced back to figures they give."
    ),
}
