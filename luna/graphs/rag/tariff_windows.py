"""The tariff window a question's clock time falls in, read from a passage's window table.

"Was kostet die kWh mit Modul 3 um 17:30 im Januar?" over a grid operator's table

    Tarifstufe | Zeitfenster (täglich) | Quartale | netto
    Niedertarif (NT) | 00:00–06:00 Uhr | Q1–Q4 | 2,44 ct/kWh
    Hochtarif (HT) | 16:00–20:00 Uhr | Q1 und Q4 | 13,40 ct/kWh
    Standardtarif (ST) | 16:00–20:00 Uhr | Q2 und Q3 | 8,12 ct/kWh

is priced by the row whose window holds the time, in the quarter of the month the question
names. The question names a time, not the window, so the calculation's rate pick (by the
question's words) had nothing to go on, and the model guessed. Code finds the row: each of
its time cell's windows (across midnight where one ends before it starts, "24:00" the day's
end) holds the question's time or whole time span ("von 1:00 bis 5:00 Uhr", "4 to 8 pm"),
and its quarters (a row without any: all) hold the question's months. The question then goes
on to the calculation with the row's name added ("… (Hochtarif (HT))"), so the rate is picked
as for a question that names its window. Rows of different names that fit alike (no month
where the quarters differ), or two times in one question (a shift from one window to
another) leave the question as it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from luna.core.language import guess_language
from luna.retrieval.periods import period_months

_DAY = 24 * 60
# A daily time window a passage states: "00:00–06:00", "02:00-05:00", "20:00 bis 24:00 Uhr".
CLOCK_WINDOW = re.compile(
    r"(?<![\d:.])(?P<h1>[01]?\d|2[0-4])[:.](?P<m1>[0-5]\d)\s*(?:uhr|h)?\s*"
    r"(?:-|–|—|bis|to|until|till)\s*(?P<h2>[01]?\d|2[0-4])[:.](?P<m2>[0-5]\d)(?![\d:.])",
    re.IGNORECASE,
)
_QUARTERS = re.compile(r"\bQ([1-4])(?:\s*(?:[-–—]|bis|to)\s*Q([1-4]))?\b", re.IGNORECASE)
# A time span in a question: "von 1:00 bis 5:00 Uhr", "0:00 bis 2:30", "from 4 to 8 pm".
_SPAN = re.compile(
    r"\b(?:von|from|zwischen|between)?\s*(?P<h1>[01]?\d|2[0-4])(?::(?P<m1>[0-5]\d))?\s*"
    r"(?P<p1>am|pm)?\s*(?:uhr\s*)?(?:bis|-|–|to|until|and|und)\s*"
    r"(?P<h2>[01]?\d|2[0-4])(?::(?P<m2>[0-5]\d))?\s*(?P<p2>uhr|am|pm|o'clock)",
    re.IGNORECASE,
)
_SPAN_CLOCK = re.compile(
    r"\b(?P<h1>[01]?\d|2[0-4]):(?P<m1>[0-5]\d)\s*(?:uhr\s*)?(?:bis|-|–|to|until)\s*"
    r"(?P<h2>[01]?\d|2[0-4]):(?P<m2>[0-5]\d)\b",
    re.IGNORECASE,
)
# A time of day: "um 14 Uhr", "at 5 pm", "17:30"; "before 6 am" names one too (a second
# window in "from the evening window to the night window before 6 am").
_TIME = re.compile(
    r"\b(?P<h>[01]?\d|2[0-3])(?::(?P<m>[0-5]\d))\b(?!\s*(?:bis|-|–|to)\s*\d)(?:\s*(?P<p>am|pm))?|"
    r"(?:\b(?:um|at|gegen|ab|vor|before|nach|after)\s+)?\b(?P<h2>[01]?\d|2[0-3])\s*"
    r"(?P<p2>uhr|am|pm|o'clock)\b",
    re.IGNORECASE,
)


_BEFORE = re.compile(r"(?:vor|before)\s", re.IGNORECASE)


@dataclass(frozen=True)
class _Row:
    name: str
    windows: tuple[tuple[int, int], ...]  # minutes from midnight, end after start or across it
    quarters: frozenset[int]


def window_minutes(match: re.Match[str]) -> tuple[int, int]:
    """A :data:`CLOCK_WINDOW` match's start and end in minutes from midnight (an end before
    the start lies across midnight)."""
    return int(match["h1"]) * 60 + int(match["m1"]), int(match["h2"]) * 60 + int(match["m2"])


def _minutes(hour: str, minute: str | None, meridiem: str | None) -> int:
    value = int(hour) % 12 + 12 if (meridiem or "").casefold() == "pm" else int(hour)
    if (meridiem or "").casefold() == "am" and int(hour) == 12:
        value = 0
    return value * 60 + int(minute or 0)


def asked_span(question: str) -> tuple[int, int] | None:
    """The one time span (start, end in minutes; a point in time spans one minute) the
    question names, or None where it names none or several."""
    spans: list[tuple[int, int]] = []
    taken: list[tuple[int, int]] = []
    # German "am" is "on the" ("Modul 3 am Zählpunkt"), not a time of the morning.
    german = guess_language(question) == "de"

    def morning(match: re.Match[str]) -> bool:
        return german and any(
            (value or "").casefold() == "am"
            for key, value in match.groupdict().items()
            if key.startswith("p")
        )

    for pattern in (_SPAN_CLOCK, _SPAN):
        for match in pattern.finditer(question):
            if any(a <= match.start() < b for a, b in taken) or morning(match):
                continue
            meridiem = match.groupdict().get("p2")
            meridiem = meridiem if meridiem and meridiem.casefold() in ("am", "pm") else None
            first = match.groupdict().get("p1") or meridiem
            start = _minutes(match["h1"], match["m1"], first)
            end = _minutes(match["h2"], match["m2"], meridiem)
            spans.append((start, end if end != 0 else _DAY))
            taken.append(match.span())
    for match in _TIME.finditer(question):
        if any(a <= match.start() < b for a, b in taken) or morning(match):
            continue
        if match["h"] is not None:
            start = _minutes(match["h"], match["m"], match["p"])
        else:
            meridiem = match["p2"] if match["p2"].casefold() in ("am", "pm") else None
            start = _minutes(match["h2"], None, meridiem)
        if _BEFORE.match(match.group(0)):  # "before 6 am": the minute before it
            start = (start - 1) % _DAY
        spans.append((start, start + 1))
    return spans[0] if len(set(spans)) == 1 else None


def _inside(span: tuple[int, int], window: tuple[int, int]) -> bool:
    start, end = span
    if end <= start:
        end += _DAY  # a span across midnight
    low, high = window
    if high <= low:
        high += _DAY
    return any(low <= start + shift and end + shift <= high for shift in (0, _DAY))


def _rows(passages: Sequence[dict[str, Any]]) -> list[_Row]:
    rows: list[_Row] = []
    for passage in passages:
        header_seen = False
        for line in str(passage["text"]).split("\n"):
            if " | " not in line:
                header_seen = False
                continue
            if not header_seen:
                header_seen = True  # a table's first row is its header
                continue
            cells = [c.strip() for c in line.split(" | ")]
            windows = tuple(
                window_minutes(m) for cell in cells[1:] for m in CLOCK_WINDOW.finditer(cell)
            )
            if not windows or not cells[0] or CLOCK_WINDOW.search(cells[0]):
                continue
            quarters: set[int] = set()
            for cell in cells[1:]:
                for m in _QUARTERS.finditer(cell):
                    first, last = int(m[1]), int(m[2] or m[1])
                    quarters |= set(range(first, last + 1))
            rows.append(_Row(cells[0], windows, frozenset(quarters or {1, 2, 3, 4})))
    return rows


def tariff_window(question: str, passages: Sequence[dict[str, Any]]) -> str | None:
    """The name of the one window-table row the question's time falls in (see the module's
    docstring), or None."""
    span = asked_span(question)
    if span is None:
        return None
    quarters = {(month - 1) // 3 + 1 for month in period_months(question)}
    names = {
        row.name
        for row in _rows(passages)
        if any(_inside(span, window) for window in row.windows)
        and (not quarters or quarters <= row.quarters)
    }
    return names.pop() if len(names) == 1 else None


def with_tariff_window(question: str, passages: Sequence[dict[str, Any]]) -> str:
    """The question with the name of the tariff window its time falls in added, where one
    row of the passages' window tables fits (see :func:`tariff_window`)."""
    name = tariff_window(question, passages)
    if name is None or name.casefold() in question.casefold():
        return question
    return f"{question.rstrip()} ({name})"
