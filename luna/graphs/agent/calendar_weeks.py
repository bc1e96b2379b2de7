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
from itertools import pairwise

from luna.graphs.agent.feast_days import feast_days
from luna.graphs.agent.named_days import weekday_of, written_day
from luna.graphs.agent.spelled_dates import CARDINAL_WORD, LAST_DE, count_of
from luna.retrieval.periods import TO_WORD

_I = re.IGNORECASE
# "KW" in capitals is a calendar week; "kW" is a kilowatt.
_KW = r"(?-i:KW)"
_WEEK = rf"(?:calendar\s+week|week|woche|kalenderwoche|{_KW})"
LAST_WEEK = re.compile(
    rf"\b(?:(?:last|previous|prior|{LAST_DE})\s+{_WEEK}|"
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
_TO = re.compile(rf"^\s*(?:{TO_WORD}|-|–)\s*$", _I)
# "Samstag und Sonntag", "Saturday and Sunday", "Sa/So": two weekdays side by side.
_AND = re.compile(r"^\s*(?:und|and|&|/|\+)\s*(?:(?:am|on)\s+)?$", _I)


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
_WEEK_DAYS = 7


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
    named = _weekdays(rest)
    days = [d for d in named if min(abs(d[1] - match.end()), abs(match.start() - d[2])) <= _NEAR]
    # two weekdays joined by "bis"/"to", one of them next to the week ("Montag bis
    # einschließlich Mittwoch letzte Woche"): the days between
    for a, b in pairwise(named):
        if (a in days or b in days) and _TO.match(rest[a[2] : b[1]]) and a[0] <= b[0]:
            return monday + timedelta(days=a[0]), monday + timedelta(days=b[0])
    if days:
        day = monday + timedelta(days=days[0][0])
        return day, day
    if whole:
        return monday, min(monday + timedelta(days=6), max(monday, today))
    return None


def weekday_span(
    message: str, today: date, around: tuple[date, date] | None = None
) -> tuple[date, date] | None:
    """The days from one weekday to another the message names without a week ("von Montag bis
    Mittwoch", "Friday to Monday", "am Samstag und Sonntag": two weekdays joined by "und"/"and"
    are a span only when the second follows the first): inside the week of ``around`` when
    that is a week or less and holds the span (the thread's or the corrected period: "letzte
    Woche, d.h. Montag bis Mittwoch"), else the latest such span that ends before today, as a
    weekday alone is the latest one before today. None when no two weekdays are so joined."""
    for a, b in pairwise(_weekdays(message)):
        between = message[a[2] : b[1]]
        joined = _TO.match(between) or (_AND.match(between) and b[0] == (a[0] + 1) % 7)
        if not joined:
            continue
        length = (b[0] - a[0]) % 7
        if around is not None and (around[1] - around[0]).days < _WEEK_DAYS:
            last = around[0] + timedelta(days=(b[0] - around[0].weekday()) % 7)
            if last <= around[1] and last - timedelta(days=length) >= around[0]:
                return last - timedelta(days=length), last
        last = today - timedelta(days=(today.weekday() - b[0]) % 7 or 7)
        return last - timedelta(days=length), last
    return None


# A week pinned by a day it ends at or lies next to, named by a holiday or a date: "the week
# that ended with Mother's Day", "the week ending 11 May", "the week up to and including Whit
# Monday", "die Woche bis einschließlich Pfingstmontag", "in der Woche bis zum 11. Mai", "the
# one that ended on Whit Monday" (once a week is named), "die Woche vor Muttertag", "the week
# after Easter". The day's words follow these; "die zweite Maiwoche, die mit dem Muttertag
# endete" puts them before the verb (:data:`_ENDED_DE`). "letzte Woche bis Freitag" is last
# week's days, no week ending (only "the"/"die"/"der"/"a"/"eine" open such a week).
_WEEK_ENDING = re.compile(
    r"\b(?:(?:week|one)\s*,?\s+(?:that\s+|which\s+)?(?P<ended>ended|ends|ending|finished|"
    r"finishing|closed|closing|wrapped\s+up)(?:\s+(?:with|on|at))?|"
    rf"(?:the|a|die|der|eine|einer)\s+(?:week|woche)\s*,?\s+(?:(?P<to>{TO_WORD})|"
    r"(?P<before>before|vor|leading\s+up\s+to|prior\s+to)|(?P<after>after|nach|following)))"
    r"\s+(?:(?:the|dem|den)\s+)?",
    _I,
)
_ENDED_DE = re.compile(
    r"\b(?:\w*woche|die)\s*,?\s+(?:die|welche)\s+(?:mit|am|an)\s+(?P<day>[^,;?!]{1,40}?)\s+"
    r"(?P<ended>endete|geendet|aufhörte|aufgehört|zu\s+ende\s+ging|abschloss|abgeschlossen)\b",
    _I,
)
# Whether the message names a week at all ("second week", "Maiwoche"), so that "the one that
# ended …" refers to one; "Wochenende" is no week.
NAMES_WEEK = re.compile(r"\b(?:\w*woche|weeks?)\b", _I)
_CLAUSE_END = re.compile(r"[,;?!()]|\s[–—-]\s")


def _pinned_day(text: str, today: date, country: str | None) -> date | None:
    """The one day a holiday's name or a date at the start of ``text`` names, read up to the
    end of its clause: the last day where the name covers several."""
    clause = _CLAUSE_END.split(text[:48], maxsplit=1)[0]
    feast = feast_days(clause, today, country)
    if feast is not None:
        return feast[1]
    return written_day(clause, today)


def week_ending(message: str, today: date, country: str | None = None) -> tuple[date, date] | None:
    """The seven days of a week the message pins by a named day rather than by its place in
    a month or a number: ending with it ("the week that ended with Mother's Day", "die Woche
    bis einschließlich Pfingstmontag"), right before it ("die Woche vor Muttertag": the seven
    days up to the day before) or right after it ("the week after Easter"); days after today
    are cut off. None when no such week is named or its day is no holiday or date."""
    german = _ENDED_DE.search(message)
    if german is not None and NAMES_WEEK.search(message):
        day = _pinned_day(german["day"], today, country)
        if day is not None and day <= today:
            return day - timedelta(days=_WEEK_DAYS - 1), day
    for match in _WEEK_ENDING.finditer(message):
        if match["ended"] and not NAMES_WEEK.search(message):
            continue  # "the one that ended …" with no week to refer to
        day = _pinned_day(message[match.end() :], today, country)
        if day is None:
            continue
        if match["before"]:
            first, last = day - timedelta(days=_WEEK_DAYS), day - timedelta(days=1)
        elif match["after"]:
            first, last = day + timedelta(days=1), day + timedelta(days=_WEEK_DAYS)
        else:
            first, last = day - timedelta(days=_WEEK_DAYS - 1), day
        if first <= today:
            return first, min(last, today)
    return None
