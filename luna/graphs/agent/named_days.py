"""Days and months a data question names, resolved to dates by code, in German and English.

"am Sonntag", "on Monday", "am 3. Juni", "on 3 June", "May 20th", "im Mai", "28.05.": a small
model routes these to the forecast or gets the date wrong, yet they always mean a day or month
that has passed (a question about the future names "morgen" or asks for a forecast). A weekday
is the latest one before today; a day or month without a year is the latest one not after today.
The result is an inclusive range of ISO dates, as ``query_timeseries`` takes it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from luna.retrieval.periods import MONTHS_DE, MONTHS_EN, month_number

_DE_DAYS = ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag")
_EN_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS = {name: i for names in (_DE_DAYS, _EN_DAYS) for i, name in enumerate(names)}
_MONTH = "|".join(MONTHS_DE + MONTHS_EN + ["jänner", "maerz"])
_WEEKDAY = re.compile(rf"\b({'|'.join(_WEEKDAYS)})\b", re.IGNORECASE)
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DAY_MONTH = re.compile(
    rf"\b(?P<day>\d{{1,2}})\.?\s+(?P<month>{_MONTH})\b(?:\s+{_YEAR})?", re.IGNORECASE
)
_MONTH_DAY = re.compile(
    rf"\b(?P<month>{_MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+{_YEAR})?",
    re.IGNORECASE,
)
_NUMERIC = re.compile(
    r"\b(\d{1,2})\.(\d{1,2})\.(?:((?:19|20)\d\d)\b)?|\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b"
)
_IN_MONTH = re.compile(rf"\b(?:im|in|of|during)\s+({_MONTH})\b(?:\s+((?:19|20)\d\d))?", re.I)


def _latest(day: date, today: date) -> date:
    """``day`` as given, or a year earlier when it lies after today (a date without a year)."""
    return day if day <= today else day.replace(year=day.year - 1)


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def named_days(message: str, today: date) -> tuple[date, date] | None:
    """The first and last day the message names, or None when it names none."""
    for pattern in (_DAY_MONTH, _MONTH_DAY):  # "3. Juni", "3 June" / "June 3rd"
        for match in pattern.finditer(message):
            month = month_number(match["month"])
            year = int(match["year"] or today.year)
            found = _day(year, month, int(match["day"])) if month else None
            if found is not None:
                found = found if match["year"] else _latest(found, today)
                return found, found
    for match in _NUMERIC.finditer(message):
        if match.group(4):
            found = _day(int(match.group(4)), int(match.group(5)), int(match.group(6)))
        else:
            year = int(match.group(3) or today.year)
            found = _day(year, int(match.group(2)), int(match.group(1)))
            if found is not None and not match.group(3):
                found = _latest(found, today)
        if found is not None:
            return found, found
    weekday = _WEEKDAY.search(message)
    if weekday is not None:
        back = (today.weekday() - _WEEKDAYS[weekday.group(1).casefold()]) % 7 or 7
        found = today - timedelta(days=back)
        return found, found
    month_match = _IN_MONTH.search(message)
    if month_match is not None:
        month = month_number(month_match.group(1))
        if month is None:
            return None
        year = int(month_match.group(2) or today.year)
        if not month_match.group(2) and month > today.month:
            year -= 1
        first = date(year, month, 1)
        following = date(year + (month == 12), month % 12 + 1, 1)
        return first, min(following - timedelta(days=1), today)
    return None
