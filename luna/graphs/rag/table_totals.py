"""Totals and averages of a table's monthly values over a period, by code alone.

"Wie viel Strom hat der Standort im ersten Quartal insgesamt verbraucht?" over a monthly table
(``Monat | Verbrauch kWh | Spitzenlast kW``) needs three rows picked, one column chosen and a
sum: the model misses a row or adds wrongly, and its plan costs a minute on two cores. Here
the period's months come from the question (``luna.retrieval.periods``), the rows from the
first passage whose table names all of them, the column from the question's words (and their
lexicon equivalents across languages) matched against the headers, and the sum or mean from
:mod:`luna.core.arithmetic`. Anything unclear (no aggregate asked, a month missing, no column
or two columns matching alike, a cell that is no number) gives None, and the model's plan is
tried instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from luna.core.arithmetic import format_number, number_language, parse_number
from luna.core.language import Language, guess_language
from luna.core.stopwords import STOP_WORDS
from luna.graphs.rag.calculation import Calculation, CitedOperand, Figures
from luna.graphs.rag.sum_lines import SUM_LINE
from luna.retrieval.comparisons import asks_difference
from luna.retrieval.designations import years
from luna.retrieval.dictionary import Dictionary
from luna.retrieval.lexicon import equivalents
from luna.retrieval.periods import (
    MONTHS_DE,
    MONTHS_EN,
    period_months,
    question_year,
    row_month,
)

_SUM = re.compile(
    r"\b(insgesamt|gesamt\w*|zusammen|summe|total|sum|altogether|combined|in all)\b", re.I
)
_MEAN = re.compile(r"\b(durchschnitt\w*|mittel|mittelwert|average|mean)\b", re.I)
_HOW_MUCH = re.compile(r"\b(wie ?viel\w*|how much|how many)\b", re.I)
# Units whose monthly values add up to the period's value (not kW, °C or ct/kWh).
ADDITIVE_UNITS = frozenset({"kWh", "MWh", "Wh", "EUR", "€", "ct", "m³", "h", "t", "kg"})
_WORD = re.compile(r"[^\W\d_]{3,}")
_UNIT = re.compile(r"\(?\b(kWh|MWh|Wh|kW|MW|W|EUR|€|ct|ct/kWh|m³|h|t|kg|%)\)?\s*$")
_STEM = 5  # words sharing their first five letters match ("verbraucht" ~ "Verbrauch")


def _tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Pipe tables in a passage: each header row with the rows below it."""
    tables: list[tuple[list[str], list[list[str]]]] = []
    header: list[str] | None = None
    rows: list[list[str]] = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("|")] if "|" in line else None
        if cells is None:
            if header is not None and rows:
                tables.append((header, rows))
            header, rows = None, []
        elif header is None:
            header = cells
        elif len(cells) == len(header):
            rows.append(cells)
    if header is not None and rows:
        tables.append((header, rows))
    return tables


def _question_words(question: str) -> set[str]:
    words = {w.casefold() for w in _WORD.findall(question)} - STOP_WORDS
    return words | {e for w in words for e in equivalents(w) if " " not in e}


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _matches(header: str, words: set[str]) -> int:
    """How well a header's words match the question's: the letters they share from the start,
    counted from five up ("Spitzenlast" beats "Spitze am" for "Spitzenlast")."""
    cells = {w.casefold() for w in _WORD.findall(header)}
    score = 0
    for cell in cells:
        if cell in words:
            score += len(cell)  # the same word, however short ("Cost")
            continue
        shared = max((_common_prefix(cell, w) for w in words), default=0)
        score += shared if shared >= _STEM else 0
    return score


def monthly_tables(
    text: str, document: Sequence[str] = (), year: int | None = None
) -> list[tuple[list[str], dict[int, list[str]]]]:
    """The passage's pipe tables with month rows ("März", "Januar 2026", "Jan 2026",
    "01/2026"): each header with its rows by month number (other rows, such as a year's sum,
    left out; with ``year``, rows labelled with another year too). With the texts of the
    passage's whole ``document``, a table has every month row the document gives under the
    same header: a retrieved passage may hold one row of it, or part of a table split across
    chunks."""

    def month(row: list[str]) -> int | None:
        found = row_month(row[0])
        if found is None or (year is not None and found[1] not in (None, year)):
            return None
        return found[0]

    found = []
    for header, rows in _tables(text):
        by_month = {m: row for row in rows if (m := month(row)) is not None}
        for other in document:
            for other_header, other_rows in _tables(other):
                if other_header == header:
                    for row in other_rows:
                        m = month(row)
                        if m is not None:
                            by_month.setdefault(m, row)
        if by_month:
            found.append((header, dict(sorted(by_month.items()))))
    return found


def passage_tables(
    passages: Sequence[dict[str, Any]],
    documents: Mapping[str, Sequence[str]] | None,
    question: str,
) -> Iterator[tuple[dict[str, Any], Language, list[str], dict[int, list[str]]]]:
    """Each passage's monthly tables of the question's year (completed from the passage's
    whole document, see :func:`monthly_tables`), with the language its numbers are written
    in: (passage, number language, header, rows by month)."""
    for passage in passages:
        numbers = number_language(passage["text"], guess_language(passage["text"]))
        document = (documents or {}).get(str(passage.get("item_id")), ())
        for header, by_month in monthly_tables(passage["text"], document, question_year(question)):
            yield passage, numbers, header, by_month


def column_for(
    header: list[str], question: str, unit: str = "", dictionary: Dictionary | None = None
) -> int | None:
    """The one value column the question asks about: the only one in ``unit`` (a threshold's
    "210 kW"), else the one its words name; None when none or several tie. Where the
    headers' own words tell no column apart, their ``dictionary`` translations may ("How
    much did we draw from the grid?" → "Netzbezug": grid withdrawal)."""
    if unit:
        in_unit = [i for i, h in enumerate(header) if i > 0 and unit_of_header(h) == unit]
        if len(in_unit) == 1:
            return in_unit[0]
    words = _question_words(question)
    chosen = _best_column(header, words)
    if chosen is None and dictionary is not None:
        chosen = _best_column([_with_translations(h, dictionary) for h in header], words)
    return chosen


def _best_column(header: list[str], words: set[str]) -> int | None:
    scores = [(_matches(h, words), i) for i, h in enumerate(header) if i > 0]
    best = max((s for s, _ in scores), default=0)
    chosen = [i for s, i in scores if s == best]
    return chosen[0] if best > 0 and len(chosen) == 1 else None


def _with_translations(header: str, dictionary: Dictionary) -> str:
    """A header with its words' translations into the other language."""
    source = dictionary.language(header)
    translated = (t for w in _WORD.findall(header) for t in dictionary.translate(w, source))
    return " ".join([header, *translated])


def unit_of_header(header: str) -> str:
    """The unit a column header names ("Verbrauch kWh", "Preis (ct/kWh)"), or ""."""
    match = _UNIT.search(header)
    return match.group(1) if match else ""


def asked_months(question: str) -> list[int]:
    """The months of the question's period; a year named alone is its twelve months when an
    aggregate is asked ("average monthly consumption in 2025")."""
    months = period_months(question)
    if not months and years(question) and (_MEAN.search(question) or _SUM.search(question)):
        return list(range(1, 13))
    return months


def asks_period_total(question: str) -> bool:
    """Whether the question asks for a total or mean over a period of two months or more:
    by name ("insgesamt", "average") or as "how much" over a period ("Wie viel Strom im ersten
    Halbjahr?"), which :func:`period_total` sums only for a column that adds up (kWh, €)."""
    if asks_difference(question):
        return False  # "how many kWh more in Nov than in Aug": a difference, no total
    asks = _MEAN.search(question) or _SUM.search(question) or _HOW_MUCH.search(question)
    return bool(asks) and len(asked_months(question)) >= 2


def period_total(
    question: str,
    passages: Sequence[dict[str, Any]],
    language: Language,
    documents: Mapping[str, Sequence[str]] | None = None,
    dictionary: Dictionary | None = None,
) -> Figures | None:
    """The sum or mean (or both, where both are asked) over the question's period of the
    table column it asks about; ``documents`` (item id → chunk texts) completes tables, see
    :func:`monthly_tables`; ``dictionary`` matches headers across languages
    (:func:`column_for`)."""
    if not asks_period_total(question):
        return None
    months = asked_months(question)
    mean, total = bool(_MEAN.search(question)), bool(_SUM.search(question))
    named = mean or total
    for passage, numbers, header, by_month in passage_tables(passages, documents, question):
        column = column_for(header, question, dictionary=dictionary)
        if column is None or not all(m in by_month for m in months):
            continue
        if not named and unit_of_header(header[column]) not in ADDITIVE_UNITS:
            continue  # "how much" peak load over a quarter is no sum
        try:
            values = [parse_number(by_month[m][column], numbers) for m in months]
        except ValueError:
            continue
        unit = unit_of_header(header[column])
        names = [MONTHS_EN[m - 1].casefold() for m in months]
        operands = [
            CitedOperand(
                name=name,
                value=value,
                written=by_month[m][column],
                unit=unit,
                source=int(passage["n"]),
            )
            for name, value, m in zip(names, values, months, strict=True)
        ]
        added = sum(values, Decimal(0))
        expression = " + ".join(names)
        total_line = Calculation(
            value=added, result_unit=unit, expression=expression, operands=operands
        )
        mean_line = Calculation(
            value=added / len(values),
            result_unit=unit,
            expression=f"({expression}) / {len(values)}",
            operands=operands,
        )
        if mean and total:
            return Figures(items=[total_line, mean_line])
        return Figures(items=[mean_line if mean else total_line])
    return None


def sum_periods(question: str) -> list[tuple[int | None, list[int], bool]]:
    """The periods a calculation may need a table's sum over, each with whether its year must
    be written on the rows: the question's months (two or more, in its one named year, if
    any), else each year it names as a whole ("if we use as much as in 2025"), which a table
    of unlabelled months cannot tell apart from another year. Two months compared ("how many
    kWh more in Nov than in Aug") need no sum over them."""
    if asks_difference(question):
        return []
    months = period_months(question)
    if len(months) >= 2:
        return [(question_year(question), months, False)]
    if months:
        return []
    return [(int(y), list(range(1, 13)), True) for y in dict.fromkeys(years(question))]


def _labelled(rows: Sequence[list[str]], year: int | None) -> bool:
    """Whether every row's label writes ``year`` ("Januar 2025")."""
    found = [row_month(row[0]) for row in rows]
    return year is not None and all(f is not None and f[1] == year for f in found)


def with_period_sums(
    question: str,
    passages: Sequence[dict[str, Any]],
    documents: Mapping[str, Sequence[str]] | None = None,
    dictionary: Dictionary | None = None,
) -> list[dict[str, Any]]:
    """Passages with the sums over the question's period of their monthly tables' additive
    columns (kWh, €) written under them, for a calculation that needs such a sum as one
    operand: "what does our 2025 consumption cost at 2.87 ct/kWh?" needs twelve rows added,
    more than a plan may name and more than the small model adds right. A sum is written only
    where the table has every month of the period; its line names the year only where the
    rows write it, and a year named alone needs rows labelled with it (a table of unlabelled
    months is never passed off as another year's). The column is the one the question names,
    else every additive column. ``documents`` completes tables as in
    :func:`monthly_tables`."""
    spans = sum_periods(question)
    extended = list(passages)
    for at, passage in enumerate(extended):
        text = str(passage["text"])
        language = guess_language(text)
        numbers = number_language(text, language)
        document = (documents or {}).get(str(passage.get("item_id")), ())
        lines: list[str] = []
        for year, months, year_needed in spans:
            for header, by_month in monthly_tables(text, document, year):
                if not all(m in by_month for m in months):
                    continue
                rows = [by_month[m] for m in months]
                labelled = _labelled(rows, year)
                if year_needed and not labelled:
                    continue
                named = column_for(header, question, dictionary=dictionary)
                columns = [named] if named is not None else range(1, len(header))
                for column in columns:
                    unit = unit_of_header(header[column])
                    if unit not in ADDITIVE_UNITS:
                        continue
                    try:
                        values = [parse_number(row[column], numbers) for row in rows]
                    except (ValueError, IndexError):
                        continue
                    names = MONTHS_DE if language == "de" else MONTHS_EN
                    total = format_number(sum(values, Decimal(0)), numbers, trim=True)
                    lines.append(
                        SUM_LINE[language].format(
                            first=names[months[0] - 1],
                            last=names[months[-1] - 1],
                            year=f" {year}" if labelled else "",
                            column=header[column],
                            total=f"{total} {unit}",
                        )
                    )
        if lines:
            extended[at] = passage | {"text": "\n".join([text, *dict.fromkeys(lines)])}
    return extended
