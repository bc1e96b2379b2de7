"""Which months of a monthly table pass a threshold, or hold its highest or lowest value, by code.

"In welchen Monaten lag die Spitzenlast über 210 kW?" over a table of twelve months asks the
model to compare twelve numbers with one; it names the wrong months. Here the rows are the
table's month rows (``luna.retrieval.periods``), restricted to a period the question names,
the column is the one the threshold's unit or the question's words pick
(:mod:`luna.graphs.rag.table_totals` chooses it the same way for totals), and the comparison
is exact. Only questions that ask for months ("in welchen Monaten", "which month", "wann")
are answered here; anything unclear gives None and the question goes on to the model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from luna.core.arithmetic import format_number, parse_number, written_decimals
from luna.core.language import Language, guess_language
from luna.graphs.rag.table_totals import (
    column_for,
    passage_tables,
    unit_of_header,
)
from luna.retrieval.dictionary import Dictionary
from luna.retrieval.periods import MONTHS_DE, MONTHS_EN, period_months

_ASKS_MONTHS = re.compile(
    r"\b(in welche[mn]? monat\w*|welche[rn]? monat\w*|in which months?|which months?|"
    r"what months?|wann|when)\b",
    re.IGNORECASE,
)
_UNIT = r"(?P<u>ct/kWh|€/kWh|kWh|MWh|kW|MW|€|EUR|ct|%)"
_ABOVE = re.compile(
    r"\b(über|mehr als|oberhalb( von)?|höher als|größer als|above|over|more than|higher than|"
    r"greater than|exceed\w*)\s+(?P<n>\d[\d.,]*)\s*" + _UNIT + "?",
    re.IGNORECASE,
)
_BELOW = re.compile(
    r"\b(unter|weniger als|unterhalb( von)?|niedriger als|kleiner als|below|under|less than|"
    r"lower than)\s+(?P<n>\d[\d.,]*)\s*" + _UNIT + "?",
    re.IGNORECASE,
)
# A year's peak named as such is its highest month: "die Jahreshöchstleistung 2025", "annual
# peak", "last year's (2025) peak" (a relative year dated, see ``with_relative_years``).
ANNUAL_PEAK = re.compile(
    r"\bjahres(?:höchst|spitze|spitzen|leistungsspitze|maximal|maximum)\w*|"
    r"\b(?:annual|yearly|record) peak\b|\bpeak of the year\b|\byear's (?:\(\d{4}\) )?peak\b",
    re.IGNORECASE,
)
HIGHEST = re.compile(
    r"\b(höchste\w*|größte\w*|meiste\w*|maximale\w*|highest|largest|biggest|most|maximum)\b|"
    + ANNUAL_PEAK.pattern,
    re.IGNORECASE,
)
LOWEST = re.compile(
    r"\b(niedrigste\w*|geringste\w*|kleinste\w*|wenigste\w*|minimale\w*|lowest|smallest|least|"
    r"minimum)\b",
    re.IGNORECASE,
)
_UNIT_SUFFIX = re.compile(r"\s*\(?\b" + _UNIT + r"\)?\s*$", re.IGNORECASE)
Test = Literal["above", "below", "highest", "lowest"]
_MONTH_NAMES: dict[Language, list[str]] = {"de": MONTHS_DE, "en": MONTHS_EN}
_AND: dict[Language, str] = {"de": "und", "en": "and"}


@dataclass(frozen=True)
class MonthsAnswer:
    """The months a test picked from one table column, with their values as written."""

    test: Test
    column: str
    unit: str
    threshold: Decimal | None
    months: list[tuple[int, Decimal]]
    source: int
    # a highest or lowest month's cells that are no figure: (heading, cell), e.g. when it was
    details: list[tuple[str, str]] = field(default_factory=list)

    @property
    def sources(self) -> list[int]:
        return [self.source]

    def _quantity(self, value: Decimal, language: Language) -> str:
        number = format_number(value, language, written_decimals(value))
        return f"{number} {self.unit}".strip()

    def _details(self) -> str:
        """ " (Spitze am: 26.11. 05:45)": the row's other cells as the table writes them."""
        shown = "; ".join(f"{heading}: {cell}" for heading, cell in self.details if cell)
        return f" ({shown})" if shown else ""

    def render(self, language: Language) -> str:
        names = _MONTH_NAMES[language]
        listed = [f"{names[m - 1]} ({self._quantity(v, language)})" for m, v in self.months]
        months = (
            f"{', '.join(listed[:-1])} {_AND[language]} {listed[-1]}"
            if len(listed) > 1
            else "".join(listed)
        )
        cite = f" [{self.source}]"
        column = _UNIT_SUFFIX.sub("", self.column).strip() or self.column
        count = {"de": ("Monat", "Monaten"), "en": ("month", "months")}[language][len(listed) != 1]
        if self.test in ("highest", "lowest"):
            month, value = self.months[0]
            if language == "de":
                word = "höchsten" if self.test == "highest" else "niedrigsten"
                return f"Den {word} Wert ({column}) hatte {names[month - 1]} mit " + (
                    f"{self._quantity(value, language)}{self._details()}.{cite}"
                )
            word = "highest" if self.test == "highest" else "lowest"
            return f"The {word} value ({column}) was in {names[month - 1]}: " + (
                f"{self._quantity(value, language)}{self._details()}.{cite}"
            )
        assert self.threshold is not None
        limit = self._quantity(self.threshold, language)
        if language == "de":
            side = "über" if self.test == "above" else "unter"
            if not listed:
                return f"In keinem Monat lag {column} {side} {limit}.{cite}"
            return f"{column} lag in {len(listed)} {count} {side} {limit}: {months}.{cite}"
        side = "above" if self.test == "above" else "below"
        if not listed:
            return f"{column} was {side} {limit} in no month.{cite}"
        return f"{column} was {side} {limit} in {len(listed)} {count}: {months}.{cite}"


def asks_months(question: str) -> bool:
    """Whether the question asks which months pass a threshold or hold an extreme."""
    if not _ASKS_MONTHS.search(question):
        return False
    return any(p.search(question) for p in (_ABOVE, _BELOW, HIGHEST, LOWEST))


def _test(question: str) -> tuple[Test, Decimal | None, str] | None:
    tests: tuple[tuple[Test, re.Pattern[str]], ...] = (("above", _ABOVE), ("below", _BELOW))
    for test, pattern in tests:
        match = pattern.search(question)
        if match:
            try:
                limit = parse_number(match.group("n"), guess_language(question))
            except ValueError:
                return None
            return test, limit, match.group("u") or ""
    if HIGHEST.search(question):
        return "highest", None, ""
    if LOWEST.search(question):
        return "lowest", None, ""
    return None


def months_answer(
    question: str,
    passages: Sequence[dict[str, Any]],
    documents: Mapping[str, Sequence[str]] | None = None,
    dictionary: Dictionary | None = None,
) -> MonthsAnswer | None:
    """The months of the first monthly table column that answers the question's test (see
    :func:`period_column`), or None."""
    if not asks_months(question):
        return None
    found = _test(question)
    if found is None:
        return None
    test, limit, unit = found
    column = period_column(question, passages, documents, dictionary, unit)
    if column is None:
        return None
    header, values, source, others = column
    if test == "above":
        assert limit is not None
        picked = [(m, v) for m, v in sorted(values.items()) if v > limit]
    elif test == "below":
        assert limit is not None
        picked = [(m, v) for m, v in sorted(values.items()) if v < limit]
    else:
        month = (max if test == "highest" else min)(values, key=lambda m: values[m])
        picked = [(month, values[month])]
    return MonthsAnswer(
        test=test,
        column=header,
        unit=unit_of_header(header) or unit,
        threshold=limit,
        months=picked,
        source=source,
        details=others[picked[0][0]] if test in ("highest", "lowest") else [],
    )


def extreme_month(
    question: str,
    passages: Sequence[dict[str, Any]],
    documents: Mapping[str, Sequence[str]] | None = None,
    dictionary: Dictionary | None = None,
) -> MonthsAnswer | None:
    """The highest (or, asked so, lowest) month of the question's period in the column it
    names, whatever else the question asks (:mod:`luna.graphs.rag.table_extremes`)."""
    highest = bool(HIGHEST.search(question))
    column = period_column(question, passages, documents, dictionary)
    if column is None:
        return None
    header, values, source, others = column
    month = (max if highest else min)(values, key=lambda m: values[m])
    return MonthsAnswer(
        test="highest" if highest else "lowest",
        column=header,
        unit=unit_of_header(header),
        threshold=None,
        months=[(month, values[month])],
        source=source,
        details=others[month],
    )


def _is_number(cell: str) -> bool:
    """Whether a cell is a plain figure (another measure of the month), not a date or a note."""
    try:
        parse_number(cell)
    except ValueError:
        return False
    return True


def period_column(
    question: str,
    passages: Sequence[dict[str, Any]],
    documents: Mapping[str, Sequence[str]] | None,
    dictionary: Dictionary | None,
    unit: str = "",
) -> tuple[str, dict[int, Decimal], int, dict[int, list[tuple[str, str]]]] | None:
    """The first monthly table column the question names (or the one in ``unit``) with two values
    or more in its period: the column's header, its values by month, the passage number and
    each month's other cells with their headings; ``documents`` (item id → chunk texts)
    completes the tables of retrieved passages with the rest of their document's rows (a
    threshold over one retrieved row would be wrong)."""
    period = period_months(question)
    for passage, numbers, header, by_month in passage_tables(passages, documents, question):
        column = column_for(header, question, unit, dictionary)
        if column is None:
            continue
        try:
            values = {
                m: parse_number(row[column], numbers)
                for m, row in by_month.items()
                if not period or m in period
            }
        except ValueError:
            continue
        if len(values) >= 2:
            others = {
                m: [
                    (heading, cell)
                    for i, (heading, cell) in enumerate(zip(header, row, strict=False))
                    if i not in (0, column) and not _is_number(cell)
                ]
                for m, row in by_month.items()
            }
            return header[column], values, int(passage["n"]), others
    return None
