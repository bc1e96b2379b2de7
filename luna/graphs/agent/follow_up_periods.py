"""Periods a follow-up names relative to the thread's: a shift, or a day of the month.

"und einen Tag früher?", "the week after", "before that" move the thread's period by a day, a
week, a month or its own length (:func:`find_shift`). "and on the 11th?", "und am elften?",
"und am 12.?", "what about the 3rd?" name a day of the month only: the day in the thread's
period, else in the month its period ends in (the month before, while that day is yet to
come); without a thread, the latest such day not after today (:func:`bare_day`,
:func:`day_near`).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from luna.graphs.agent.calendar_weeks import week_days
from luna.graphs.agent.spelled_dates import ORDINAL_WORD, ordinal_number
from luna.tools.periods import Step

_I = re.IGNORECASE
# "vorgestern", "the day before yesterday": a named day, not yesterday nor "the day before".
DAY_BEFORE_YESTERDAY = re.compile(r"\b(vorgestern|(the )?day before yesterday)\b", _I)
_BEFORE = r"(before|earlier|prior|davor|zuvor|vorher|früher)"
_AFTER = r"(after|later|danach|darauf|später)"
SHIFTS: tuple[tuple[re.Pattern[str], Step, int], ...] = (
    (
        re.compile(rf"\b((the )?day {_BEFORE}|previous day|tag {_BEFORE}|vortag\w*)\b", _I),
        "day",
        -1,
    ),
    (
        re.compile(rf"\b(week {_BEFORE}|previous week|woche {_BEFORE}|vorwoche\w*)\b", _I),
        "week",
        -1,
    ),
    (
        re.compile(rf"\b(month {_BEFORE}|previous month|monat {_BEFORE}|vormonat\w*)\b", _I),
        "month",
        -1,
    ),
    (re.compile(rf"\b(day {_AFTER}|next day|following day|tag {_AFTER}|folgetag)\b", _I), "day", 1),
    (re.compile(rf"\b(week {_AFTER}|following week|woche {_AFTER}|folgewoche)\b", _I), "week", 1),
    (
        re.compile(rf"\b(month {_AFTER}|following month|monat {_AFTER}|folgemonat)\b", _I),
        "month",
        1,
    ),
    (
        # "the seven days before those", "die sieben Tage davor", "the period before"
        re.compile(
            rf"\b(before (that|those|them)|the ones? before|davor|zuvor|"
            rf"(\w+ )?(days|tage|period|zeitraum|zeitspanne) {_BEFORE})\b",
            _I,
        ),
        "span",
        -1,
    ),
)
# A day of the month with no month: after a preposition or article, with an ordinal mark
# ("am 12.", "the 11th") or at the end of the question ("und am 12?"), or as a word ("am
# elften", "the eleventh"); never a clock time, a count or an amount ("am 12 Uhr", "the 3 days").
_LEAD = r"\b(?:am|on|the|den|dem|zum)\s+(?:the\s+)?"
_BARE_DAY = re.compile(
    rf"{_LEAD}(?P<day>\d{{1,2}})(?:(?:\.|st|nd|rd|th)(?![\d/])(?!\s*(?:uhr|h\b|:))|"
    r"(?=\s*(?:[?!,;]|$)))",
    _I,
)
_WORD_DAY = re.compile(
    rf"{_LEAD}(?P<word>{ORDINAL_WORD})\b"
    r"(?=\s*(?:[?!.,;]|$|of the month|des monats|im monat|this month|dieses monats))",
    _I,
)


def find_shift(message: str) -> tuple[Step, int] | None:
    """How a follow-up moves the thread's period ("und einen Tag früher?": a day back); none
    for a named day ("vorgestern") or a day of a named week ("Donnerstag der Vorwoche")."""
    if DAY_BEFORE_YESTERDAY.search(message) or week_days(message, date.today()) is not None:
        return None
    return next(((step, way) for pattern, step, way in SHIFTS if pattern.search(message)), None)


def bare_day(message: str) -> int | None:
    """The day of the month a message names without a month ("und am 12.?": 12), or None."""
    match = _BARE_DAY.search(message)
    if match is not None:
        day = int(match["day"])
    else:
        word = _WORD_DAY.search(message)
        number = ordinal_number(word["word"]) if word is not None else None
        if number is None:
            return None
        day = number
    return day if 1 <= day <= 31 else None


def _in_month(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def day_near(day: int, span: tuple[date, date], today: date) -> date | None:
    """The ``day`` of the month nearest ``span``: inside it, else in the month it ends in, or
    the month before while that is yet to come (or has no such day)."""
    first, last = span
    month_start = first.replace(day=1)
    while month_start <= last:
        found = _in_month(month_start.year, month_start.month, day)
        if found is not None and first <= found <= last:
            return found
        month_start = (month_start + timedelta(days=32)).replace(day=1)
    found = _in_month(last.year, last.month, day)
    if found is not None and found <= today:
        return found
    before = last.replace(day=1) - timedelta(days=1)
    return _in_month(before.year, before.month, day)
