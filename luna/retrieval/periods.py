"""Calendar periods in a question, as the month names a document's table uses.

"Im ersten Quartal", "Q4", "in the second half of the year" never occur in a monthly table,
whose rows say "Januar", "Februar", "März"; and an English question's "October" does not find
a German table's "Oktober". Named periods become their months, in both languages, for the
keyword search (dates are resolved by code, not left to the embedding model); a month also
names its quarter, the unit tariff tables use, for cutting passages to what bears on it.
"""

from __future__ import annotations

import re
from datetime import date

from luna.retrieval.designations import years

MONTHS_DE = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_ORDINALS = {
    "1": 1, "ersten": 1, "erste": 1, "erstes": 1, "first": 1,
    "2": 2, "zweiten": 2, "zweite": 2, "zweites": 2, "second": 2,
    "3": 3, "dritten": 3, "dritte": 3, "drittes": 3, "third": 3,
    "4": 4, "vierten": 4, "vierte": 4, "viertes": 4, "fourth": 4, "last": 4, "letzten": 4,
}  # fmt: skip
_QUARTER = re.compile(
    r"\b(?:q([1-4])|([1-4])\.\s*quartal|(\w+)\s+(?:quartal|quarter))\b", re.IGNORECASE
)
_HALF = re.compile(
    r"\b(?:h([12])|([12])\.\s*halbjahr|(ersten|zweiten|first|second)\s+(?:halbjahr|half))\b",
    re.IGNORECASE,
)
_MONTH = re.compile(r"\b(" + "|".join(MONTHS_DE + MONTHS_EN) + r"|jänner|maerz)\b", re.IGNORECASE)


MONTH_NAME = "|".join(MONTHS_DE + MONTHS_EN + ["jänner", "maerz"])
# The word that joins a range's two ends, however its last day is said to be included ("bis",
# "bis einschließlich", "bis inkl.", "bis und mit", "through and including", "up to and
# including"): a range's both days are always included, so these say nothing more than "bis".
# "ß" may be "ss" (Swiss spelling, case-folded text). A regex without groups.
TO_WORD = (
    r"(?:bis(?:\s+(?:und\s+mit|einschlie(?:ß|ss)lich|einschl\.?|inklusive|inkl\.?))?"
    r"(?:\s+zu[mr])?|(?:up\s+)?(?:to|through|thru|till|until)(?:\s+and\s+including)?)"
)
_RANGE = re.compile(
    rf"\b(?:(?:von|from)\s+)?({MONTH_NAME})\s*(?:{TO_WORD}|[-–])\s*({MONTH_NAME})\b|"
    rf"\b(?:zwischen|between)\s+({MONTH_NAME})\s+(?:und|and)\s+({MONTH_NAME})\b",
    re.IGNORECASE,
)


# The abbreviations dates are written with ("Apr 28", "27. Okt.", "Sept. 3"): each stands for
# one month, the German or English name it starts ("mrz" aside). A regex without groups; the
# dot after it is left to the text.
MONTH_ABBREVIATION = (
    r"(?:jan|feb|febr|mar|mär|mrz|apr|jun|jul|aug|sep|sept|okt|oct|nov|dez|dec)(?![^\W\d_])"
)


def month_number(name: str) -> int | None:
    """1–12 for a German or English month name ("März", "maerz", "October") or the abbreviation
    of one ("Apr", "Sept.", "Mrz"), else None."""
    folded = name.strip().rstrip(".").casefold()
    folded = {"jänner": "januar", "maerz": "märz", "mrz": "märz"}.get(folded, folded)
    for names in (MONTHS_DE, MONTHS_EN):
        lowered = [n.casefold() for n in names]
        if folded in lowered:
            return lowered.index(folded) + 1
    if len(folded) < 3:
        return None
    starts = {
        i + 1
        for names in (MONTHS_DE, MONTHS_EN)
        for i, n in enumerate(names)
        if n.casefold().startswith(folded)
    }
    return starts.pop() if len(starts) == 1 else None


_ROW_MONTH = re.compile(
    rf"^(?:(?P<name>{MONTH_NAME}|[^\W\d_]{{3,4}})\.?(?:\s+(?P<year>\d{{4}}))?"
    r"|(?P<num>\d{1,2})\s*[./]\s*(?P<year2>\d{4})|(?P<year3>\d{4})-(?P<num2>\d{2}))$",
    re.IGNORECASE,
)


def row_month(label: str) -> tuple[int, int | None] | None:
    """The month (and year, where written) a table row's label names: "März", "Januar 2026",
    "Jan 2026", "Sept.", "01/2026", "2026-01"; None for any other label ("Summe", "Q1")."""
    match = _ROW_MONTH.match(label.strip())
    if match is None:
        return None
    year = match["year"] or match["year2"] or match["year3"]
    month = month_number(match["name"]) if match["name"] else int(match["num"] or match["num2"])
    if month is None or not 1 <= month <= 12:
        return None
    return month, int(year) if year else None


def _month_number(name: str) -> int:
    number = month_number(name)
    if number is None:  # the patterns only match month names
        raise ValueError(name)
    return number


def _months(first: int, count: int) -> list[int]:
    return list(range(first, first + count))


# An abbreviated month where it surely is one: before a year ("Nov 2025", "Aug. '25") or
# another month ("Jan–Mar"), or after a word that places a month ("in Aug", "than in Nov").
_ABBREVIATED = re.compile(
    r"(?P<lead>\b(?:in|im|of|vom|von|bis|from|to|than|als|and|und|seit|since)\s+|[–-]\s*)?"
    rf"\b(?P<month>{MONTH_ABBREVIATION})\.?"
    rf"(?P<year>(?=\s+(?:(?:19|20)\d\d|'\d\d)\b|\s*[–-]\s*{MONTH_ABBREVIATION}))?",
    re.IGNORECASE,
)


def with_month_names(text: str) -> str:
    """``text`` with the abbreviated months it surely names written in full, in English ("than
    in Aug 2025" → "than in August 2025"); every other word as it was ("Jan" the name)."""

    def full(match: re.Match[str]) -> str:
        number = month_number(match["month"])
        if number is None or (match["lead"] is None and match["year"] is None):
            return match.group(0)
        return f"{match['lead'] or ''}{MONTHS_EN[number - 1]}"

    return _ABBREVIATED.sub(full, text)


def period_months(question: str) -> list[int]:
    """Month numbers (1–12) of the quarters, halves and months the question names, also
    abbreviated ("Nov 2025", "Jan–Mar")."""
    question = with_month_names(question)
    months: list[int] = []
    for m in _QUARTER.finditer(question):
        which = next(g for g in m.groups() if g)
        quarter = _ORDINALS.get(which.casefold())
        if quarter:
            months += _months(3 * quarter - 2, 3)
    for m in _HALF.finditer(question):
        which = next(g for g in m.groups() if g)
        half = _ORDINALS.get(which.casefold())
        if half in (1, 2):
            months += _months(6 * half - 5, 6)
    for m in _MONTH.finditer(question):
        months.append(_month_number(m.group(1)))
    for m in _RANGE.finditer(question):
        first, last = (_month_number(g) for g in m.groups() if g)
        if first <= last:  # "Januar bis April": every month between, within one year
            months += range(first, last + 1)
    return sorted(set(months))


def period_terms(question: str) -> list[str]:
    """The month names (German and English) of the periods the question names."""
    return [
        name
        for month in period_months(question)
        for name in (MONTHS_DE[month - 1], MONTHS_EN[month - 1])
    ]


def quarter_terms(question: str) -> list[str]:
    """The quarters the question's months fall in, as tariff tables write them ("Juli" →
    "Q3": time-variable grid fees and seasonal prices are given per quarter, "16:00–20:00 Uhr
    | Q2 und Q3")."""
    return list(dict.fromkeys(f"Q{(month - 1) // 3 + 1}" for month in period_months(question)))


def question_year(question: str) -> int | None:
    """The one year a question names ("im ersten Quartal 2026"), else None."""
    named = {int(y) for y in years(question)}
    return named.pop() if len(named) == 1 else None


# A year named relative to today: "last year's peak", "im Vorjahr", "this year's tariff".
_RELATIVE_YEAR = re.compile(
    r"\b(?:(?P<last_en>last|previous)|(?P<this_en>this|current)|(?P<next_en>next|coming))\s+"
    r"year(?:'s)?\b|\b(?:(?P<last_de>letzte[nmrs]?|vergangene[nmrs]?|vorige[nmrs]?)|"
    r"(?P<this_de>diese[nmrs]?|laufende[nmrs]?)|(?P<next_de>nächste[nmrs]?|kommende[nmrs]?))\s+"
    r"jahr(?:e?s)?\b|\b(?P<last_one>vorjahr\w*)|\b(?P<this_one>heuer)\b",
    re.IGNORECASE,
)


def with_relative_years(text: str, today: date) -> str:
    """``text`` with the year each relative year phrase means written after it ("last
    year's (2025) peak", "im Vorjahr (2025)"), so that code reading years finds it."""

    def dated(match: re.Match[str]) -> str:
        kind = next(name for name, value in match.groupdict().items() if value)
        offset = {"last": -1, "this": 0, "next": 1}[kind.split("_")[0]]
        return f"{match.group()} ({today.year + offset})"

    return _RELATIVE_YEAR.sub(dated, text)
