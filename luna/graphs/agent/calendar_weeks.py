"""Weeks a data question names, and the days inside them, in German and English.

"letzte Woche", "vergangene Kalenderwoche", "letzte KW", "der Vorwoche", "the prior week",
"previous calendar week" are last week (Monday to Sunday); "diese Woche", "laufende KW", "seit
Wochenbeginn", "since Monday", "week to date" this week up to today. A weekday inside a named
week is that one day, not the week: "Donnerstag letzte Woche", "letzte Woche Donnerstag", "am
Donnerstag der Vorwoche", "Thursday last week", "last week's Thursday", "Monday this week"; two
weekdays joined by "bis"/"to" are the days between ("Montag bis Mittwoch letzte Woche"); a
weekday further off belongs to another clause. A week by number ("KW 22", "Kalenderwoche 22",
"calendar week 22", "Kalenderwoche neunzehn") is that ISO week of this year (of last year while
it is yet to come), and "vorletzte Woche", "the week before last" the week
before last week.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from luna.graphs.agent.named_days import weekday_of, written_day
from luna.graphs.agent.spelled_dates import CARDINAL_WORD, count_of

_I = re.IGNORECASE
# "KW" in capitals is a calendar week; "kW" is a kilowatt.
_KW = r"(?-i:KW)"
_WEEK = rf"(?:calendar\s+week|week|woche|kalenderwoche|{_KW})"
LAST_WEEK = re.compile(
    rf"\b(?:(?:last|previous|prior|letzte[nr]?|vergangene[nr]?|vorige[nr]?)\s+{_WEEK}|"
    r"vorwoche\w*)\b",
    _I,
)
THIS_WEEK = re.compile(
    rf"\b(?:(?:this|current|diese[rsn]?|laufende[rn]?|aktuelle[rn]?)\s+{_WEEK}|"
    r"week[- ]to[- ]date|wtd|"
    r"seit\s+(?:dem\s+)?(?:wochenbeginn|wochenanfang|(?:anfang|beginn)\s+(?:der|dieser)\s+woche)|"
    r"since\s+(?:the\s+)?(?:start|beginning)\s+of\s+(?:the|this)\s+week|"
    r"(?:since|seit)\s+(?:monday|montag))\b",
    _I,
)
_WEEK_BEFORE_LAST = re.compile(
    rf"\b(?:vorletzte[nr]?\s+{_WEEK}|(?:the\s+)?week\s+before\s+last|two\s+weeks\s+ago|"
    r"vor\s+zwei\s+wochen)\b",
    _I,
)
_WEEK_NUMBER = re.compile(
    rf"\b(?P<kind>{_KW}|kalenderwoche|calendar\s+week|week|woche)\s*(?:nr\.?\s*|no\.?\s*|number\s+)?"
    rf"(?P<n>\d{{1,2}}|{CARDINAL_WORD})(?!\s*(?:tage|days|stunden|hours|kwh|kw|%|\d|[.,/]\d))\b"
    r"(?:\s*(?:/|of|in|im|aus)?\s*(?P<year>(?:19|20)\d\d))?",
    _I,
)
# "the week of 26 May", "die Woche vom 26.5.": the Monday-Sunday week around that date.
_WEEK_OF = re.compile(
    r"\b(?:(?:the\s+)?week\s+(?:of|starting|beginning|from)|woche\s+(?:vom|ab|ab\s+dem|des))\s",
    _I,
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_TO = re.compile(r"^\s*(?:bis(?:\s+einschließlich)?|to|through|thru|till|until|-|–)\s*$", _I)


def _week_number(match: re.Match[str]) -> int:
    """A week's number in digits, or in words after a calendar week ("Kalenderwoche
    neunzehn", "calendar week twenty-two"; "letzte Woche einen Ausflug" numbers no week)."""
    written = match["n"]
    if not written.isdigit() and match["kind"].casefold() in ("week", "woche"):
        return 0
    return count_of(written)


def _monday_of(message: str, today: date) -> tuple[date, re.Match[str], bool] | None:
    """The Monday of the week the message names, its words, and whether it is a whole week
    by itself (a numbered week, the week before last) rather than a named period."""
    monday = today - timedelta(days=today.weekday())
    week_of = _WEEK_OF.search(message)
    day = written_day(message[week_of.end() :], today) if week_of is not None else None
    if week_of is not None and day is not None:
        return day - timedelta(days=day.weekday()), week_of, True
    number = _WEEK_NUMBER.search(message)
    week = _week_number(number) if number is not None else 0
    if number is not None and 1 <= week <= 53:
        year = int(number["year"] or today.year)
        try:
            found = date.fromisocalendar(year, week, 1)
            if not number["year"] and found > today:
                found = date.fromisocalendar(year - 1, week, 1)
        except ValueError:
            return None
        return found, number, True
    for pattern, back, whole in (
        (_WEEK_BEFORE_LAST, 14, True),
        (LAST_WEEK, 7, False),
        (THIS_WEEK, 0, False),
    ):
        match = pattern.search(message)
        if match is not None:
            return monday - timedelta(days=back), match, whole
    return None


def _weekdays(text: str) -> list[tuple[int, int, int]]:
    """The weekdays ``text`` names: index, start and end of each word."""
    found = []
    for word in _WORD.finditer(text):
        day = weekday_of(word.group(0))
        if day is not None:
            found.append((day, word.start(), word.end()))
    return found


def without_week_names(text: str) -> str:
    """``text`` with the weeks it names blanked out, so that "letzte KW" or "KW 22" is read
    as no kilowatt."""
    for pattern in (_WEEK_NUMBER, _WEEK_BEFORE_LAST, LAST_WEEK, THIS_WEEK):
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


# A weekday is a day of the named week when it is written next to it ("Thursday last week",
# "Montag bis Mittwoch letzte Woche", "am Donnerstag der Vorwoche"); one further off belongs to
# another clause ("the electrician is coming Friday and wants last week's peak").
_NEAR = 24


def week_days(message: str, today: date) -> tuple[date, date] | None:
    """The days of a week the message names when they are not a named period: a weekday in
    it, two weekdays and the days between, or a numbered week or the week before last as a
    whole (up to today); None for a plain "last week" or "this week" (``last_week``,
    ``this_week``) and for a message that names no week."""
    found = _monday_of(message, today)
    if found is None:
        return None
    monday, match, whole = found
    rest = message[: match.start()] + " " * len(match.group(0)) + message[match.end() :]
    days = [
        d
        for d in _weekdays(rest)
        if min(abs(d[1] - match.end()), abs(match.start() - d[2])) <= _NEAR
    ]
    if len(days) >= 2 and _TO.match(rest[days[0][2] : days[1][1]]):
        first, last = days[0][0], days[1][0]
        if first <= last:
            return monday + timedelta(days=first), monday + timedelta(days=last)
    if days:
        day = monday + timedelta(days=days[0][0])
        return day, day
    if whole:
        return monday, min(monday + timedelta(days=6), max(monday, today))
    return None
