"""Dates written in digits, in German, British, American and ISO form.

"27.5.", "27.05.25", "27.05.2025" (German), "20/05", "20/05/2025" (British), "5/27",
"5/27/2025" (American) and "2025-05-27" (ISO) each name one day, never a week or a range.

Day or month first: a dotted date is always day-first and an ISO date year-month-day. A slashed
date whose first part cannot be a month (> 12) is day-first ("20/05"), one whose second part
cannot be ("5/27") month-first. Where both readings are valid ("6/5"), one message keeps one
order: an unambiguous slashed date in the same message decides ("from 5/28 to 6/2" is
American), otherwise the date is read day-first, as written in Germany and Britain, the
site's home markets (an American writing "6/5" for June 5 must write "June 5" to be sure).
A two-digit year is in this century ("27.05.25": 2025); "24/7" is a phrase, no date.
"""

from __future__ import annotations

import re
from datetime import date

_YEAR4 = r"(?:19|20)\d\d"
_YEAR = rf"(?:{_YEAR4}|\d\d)"
# One date, each form as a regex without groups, for the date forms of ``named_days``.
NUMERIC_DATE = (
    rf"(?:{_YEAR4}[-/]\d{{1,2}}[-/]\d{{1,2}}(?!\d)"
    rf"|\d{{1,2}}\.\d{{1,2}}\.(?:{_YEAR}\b)?"
    rf"|(?<![\d/])(?!24/7\b)\d{{1,2}}/\d{{1,2}}(?:/{_YEAR})?(?![\d/]))"
)
_ISO = re.compile(rf"\b(?P<year>{_YEAR4})[-/](?P<month>\d{{1,2}})[-/](?P<day>\d{{1,2}})(?!\d)")
_DOTTED = re.compile(
    rf"(?<![\d.])(?P<day>\d{{1,2}})\.(?P<month>\d{{1,2}})\.(?:(?P<year>{_YEAR})\b)?"
)
_SLASHED = re.compile(
    rf"(?<![\d/.])(?!24/7\b)(?P<a>\d{{1,2}})/(?P<b>\d{{1,2}})(?:/(?P<year>{_YEAR}))?(?![\d/])"
)


def _year(text: str | None) -> int | None:
    if not text:
        return None
    return int(text) + 2000 if len(text) == 2 else int(text)


def day_first(message: str) -> bool:
    """Whether the message's slashed dates are day-first: unless one of them can only be
    month-first ("5/27"), they are."""
    for match in _SLASHED.finditer(message):
        a, b = int(match["a"]), int(match["b"])
        if a > 12 >= b:
            return True
        if b > 12 >= a:
            return False
    return True


def numeric_parts(text: str, first_is_day: bool = True) -> tuple[int, int, int | None] | None:
    """Day, month and year (None when not written) of one date written in digits, the whole
    of ``text``; a slashed date in the order ``first_is_day`` unless only the other is valid."""
    text = text.strip()
    match = _ISO.fullmatch(text) or _DOTTED.fullmatch(text)
    if match is not None:
        return int(match["day"]), int(match["month"]), _year(match["year"])
    match = _SLASHED.fullmatch(text)
    if match is None:
        return None
    a, b = int(match["a"]), int(match["b"])
    if a > 12 or (first_is_day and b <= 12):
        return a, b, _year(match["year"])
    return b, a, _year(match["year"])


def numeric_day(message: str, today: date) -> date | None:
    """The first valid date the message writes in digits; without a year, the latest such
    day not after today."""
    first_is_day = day_first(message)
    matches = [*_ISO.finditer(message), *_DOTTED.finditer(message), *_SLASHED.finditer(message)]
    for match in sorted(matches, key=lambda m: m.start()):
        parts = numeric_parts(match.group(0), first_is_day)
        if parts is None:
            continue
        day, month, year = parts
        try:
            found = date(year or today.year, month, day)
        except ValueError:
            continue
        if year is None and found > today:
            try:
                found = found.replace(year=found.year - 1)
            except ValueError:  # 29 February
                continue
        return found
    return None
