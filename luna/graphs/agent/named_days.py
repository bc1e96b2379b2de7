"""Days, ranges and months a data question names, resolved to dates by code, in German and English.

"am Sonntag", "on Monday", "am 3. Juni", "on 3 June", "May 20th", "im Mai", "28.05.": a small
model routes these to the forecast or gets the date wrong, yet they always mean a day or month
that has passed (a question about the future names "morgen" or asks for a forecast). A weekday
is the latest one before today, also when it is misspelt ("Donerstag", "wendsday"); a day or
month without a year is the latest one not after today. A range is a range in every common form
("vom 1. bis 7. Juni", "1.–7. Juni", "zwischen dem 20. und 25. Mai", "vom 01.06. bis 07.06.",
"from 15 to 21 May", "15-21 May", "May 15 to May 21", "between 25 May and 31 May", "seit dem
1. Juni", "Ende April, ab dem 28. bis Monatsende", "letztes Wochenende", "the last 3 days"), both
days included. Days in words ("am
dritten Juni", "the first ten days of June": ``spelled_dates``) and public holidays ("am
Pfingstmontag", "on Whit Monday": ``feast_days``) are dates too. The result is an inclusive
range of ISO dates, as ``query_timeseries`` takes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import chain

from luna.graphs.agent.feast_days import feast_days
from luna.graphs.agent.numeric_dates import NUMERIC_DATE, day_first, numeric_day, numeric_parts
from luna.graphs.agent.spelled_dates import (
    CARDINAL_WORD,
    DE_DAYS,
    EN_DAYS,
    LAST_DE,
    WEEKDAYS,
    count_of,
    month_part,
    with_digits,
)
from luna.graphs.agent.spelling import edits
from luna.retrieval.periods import (
    MONTH_ABBREVIATION,
    MONTHS_DE,
    MONTHS_EN,
    TO_WORD,
    month_number,
)

_MONTH = "|".join(MONTHS_DE + MONTHS_EN + ["jänner", "maerz"])
# A month in a date, where a day stands next to it, may be abbreviated ("Apr 28", "27. Okt.");
# alone ("und Jan") an abbreviation is no month.
_DATE_MONTH = rf"{_MONTH}|{MONTH_ABBREVIATION}"
_YEAR = r"(?:19|20)\d\d"
_ORDINAL = r"(?:st|nd|rd|th)"
# One date, each form as a regex without groups (a range holds two; ``_date`` reads each side).
_DAY_MONTH_DATE = (
    rf"\d{{1,2}}(?:\.|{_ORDINAL})?\s+(?:of\s+)?(?:{_DATE_MONTH})\b\.?(?:,?\s+{_YEAR})?"
)
_MONTH_DAY_DATE = rf"(?:{_DATE_MONTH})\.?\s+(?:the\s+)?\d{{1,2}}{_ORDINAL}?(?!\d)(?:,?\s+{_YEAR})?"
_FULL = rf"(?:{NUMERIC_DATE}|{_DAY_MONTH_DATE}|{_MONTH_DAY_DATE})"
_BARE = rf"\d{{1,2}}(?:\.|{_ORDINAL})?(?!\d)"
# "bis", "to", dashes; "und"/"and" only after "zwischen"/"between" (else two single days).
_TO = rf"-|–|—|{TO_WORD}"
_AND = r"und|and"
_ARTICLE = r"(?:(?:the|dem|den|zum)\s+)?"
_FROM = r"\b(?P<from>vom|von|from|zwischen|between)\s+"
# "bis Ende April", "to the end of May": a range's last day as the end of a month.
_MONTH_END = rf"(?:(?:the\s+)?end\s+of|ende)\s+(?:{_DATE_MONTH})\.?"
# "bis Monatsende", "to the end of the month": the last day of the month the range starts in.
_ITS_MONTH_END = (
    r"(?:monatsende|ende\s+des\s+monats|(?:the\s+)?end\s+of\s+(?:the\s+)?month|month[- ]end)"
)
_RANGE = re.compile(
    rf"(?:{_FROM}{_ARTICLE})?(?<![\d./])(?P<a>{_FULL}|{_BARE})\s*(?P<sep>{_TO}|{_AND})\s*"
    rf"{_ARTICLE}(?P<b>{_FULL}|{_MONTH_END}|{_ITS_MONTH_END}|heute|today|gestern|yesterday|jetzt|"
    r"now)(?!\w)",
    re.IGNORECASE,
)
# The month a message places a bare day in ("Ende April, ab dem 28.", "in May from the 20th");
# "may" counts only after a word that makes it the month.
_ANCHOR_MONTH = re.compile(
    r"\b(?:(?P<lead>ende|anfang|mitte|im|in|of|des|vom|during|end\s+of|late|early|mid)\s+)?"
    rf"(?P<month>{_DATE_MONTH})\b",
    re.IGNORECASE,
)
# "vom 26. bis zum 31.", "between the 26th and the 31st": a range of two bare days, placed in
# the one month the message names ("Ende Mai, ich mein die Tage vom 26. bis zum 31.").
_BARE_RANGE = re.compile(
    rf"{_FROM}{_ARTICLE}(?<![\d./])(?P<a>\d{{1,2}})(?:\.|{_ORDINAL})\s*(?P<sep>{_TO}|{_AND})\s*"
    rf"{_ARTICLE}(?P<b>\d{{1,2}})(?:\.|{_ORDINAL})(?!\d)(?!\s*(?:uhr|h\b|:\d))",
    re.IGNORECASE,
)
# "the weekend of 24/25 May", "am 24./25. Mai", "May 24/25": two days of one month.
_DAY_PAIR = re.compile(
    rf"(?<![\d./])(?P<a>\d{{1,2}})(?:\.|{_ORDINAL})?\s*(?:/|&|\+)\s*(?P<b>\d{{1,2}})"
    rf"(?:\.|{_ORDINAL})?\s+(?:of\s+)?(?P<month>{_DATE_MONTH})\b\.?(?:,?\s+(?P<year>{_YEAR}))?",
    re.IGNORECASE,
)
# The end of a range opened with "seit"/"ab"/"since", a clause later in the same sentence.
_UNTIL = re.compile(
    rf"[^.?!:;]{{0,60}}?\b(?:{_TO})\s+{_ARTICLE}(?P<b>{_FULL}|{_MONTH_END}|{_ITS_MONTH_END}|"
    r"gestern|yesterday)(?!\w)",
    re.IGNORECASE,
)
# "full days", "vollen Tage": days counted whole, which every count of days is.
_WHOLE = r"(?:(?:full|whole|complete|entire|vollen|ganzen|kompletten|abgeschlossenen)\s+)?"
# "die sieben Tage bis gestern", "the seven days up to and including yesterday".
_DAYS_ENDING = re.compile(
    rf"\b(?P<n>\d{{1,3}}|{CARDINAL_WORD})\s+{_WHOLE}(?:days|tage[n]?)\s+(?:{_TO}|ending(?:\s+with)?)"
    r"\s+(?P<end>heute|today|gestern|yesterday)\b",
    re.IGNORECASE,
)
# A weekday written before a date ("from Monday 12 May to Wednesday 14 May", "Freitag, den
# 6. Juni") adds nothing the date does not say, and would split a range's two dates.
_WEEKDAY_BEFORE_DATE = re.compile(
    rf"\b(?:{'|'.join(DE_DAYS + EN_DAYS)}),?\s+(?:(?:den|the)\s+)?(?=\d|(?:{_MONTH})\b)",
    re.IGNORECASE,
)
# "May 15-21", "June 1st through 7th, 2025": one month, two days.
_MONTH_RANGE = re.compile(
    rf"\b(?P<month>{_DATE_MONTH})\.?\s+(?P<a>\d{{1,2}}){_ORDINAL}?\s*(?:{_TO}|/|&)\s*(?:the\s+)?"
    rf"(?P<b>\d{{1,2}}){_ORDINAL}?(?!\d)(?!\s*(?:uhr|h\b|pm|am\b|:|\.\d))"
    rf"(?:,?\s+(?P<year>{_YEAR}))?",
    re.IGNORECASE,
)
# "seit dem 1. Juni", "since the 3rd" (of this month, or the last one when it is yet to come).
_SINCE = re.compile(
    rf"\b(?:seit|since|ab)\s+(?:dem\s+|the\s+)?(?P<a>{_FULL}|\d{{1,2}}(?:\.|{_ORDINAL})(?![\d/]))",
    re.IGNORECASE,
)
# "seit Anfang Juni", "since the beginning of May", "since June began", "seit Mai": from the
# first of that month (the latest not after today) up to today.
_SINCE_MONTH = re.compile(
    r"\b(?:seit|since)\s+(?:(?:dem\s+)?(?:anfang|beginn)\s+(?:des\s+|von\s+)?|"
    rf"(?:the\s+)?(?:start|beginning)\s+of\s+)?(?P<month>{_MONTH})\b(?!\s+(?:the\s+)?\d{{1,2}}\b)"
    rf"(?:\s+(?P<year>{_YEAR}))?",
    re.IGNORECASE,
)
_DAY_MONTH = re.compile(
    rf"\b(?P<day>\d{{1,2}})(?:\.|{_ORDINAL})?\s+(?:of\s+)?(?P<month>{_DATE_MONTH})\b\.?"
    rf"(?:,?\s+(?P<year>{_YEAR}))?",
    re.IGNORECASE,
)
_MONTH_DAY = re.compile(
    rf"\b(?P<month>{_DATE_MONTH})\.?\s+(?:the\s+)?(?P<day>\d{{1,2}}){_ORDINAL}?\b"
    rf"(?:,?\s+(?P<year>{_YEAR}))?",
    re.IGNORECASE,
)
_IN_MONTH = re.compile(
    r"\b(?:im|in|of|during|for|vom|over|about|and|und|across|throughout|über\s+den)\s+"
    r"(?:(?:the\s+)?(?:ganzen|gesamten|kompletten|whole|"
    rf"entire|full)\s+(?:of\s+)?|all\s+of\s+)?({_MONTH})\b(?:\s+((?:19|20)\d\d))?",
    re.I,
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_WEEKEND = re.compile(r"\b(wochenende|weekend)\b", re.IGNORECASE)
_LAST_N = re.compile(
    rf"\b(?:last|past|previous|trailing|rolling|{LAST_DE}|zurückliegenden)\s+"
    rf"(?:(?P<n>\d{{1,3}}|{CARDINAL_WORD})\s+{_WHOLE}(?P<unit>days|tage[n]?|weeks|wochen)|"
    r"(?P<fortnight>fortnight))\b",
    re.IGNORECASE,
)
# One day a count of days or weeks back: "heute vor vier Wochen", "vor genau 10 Tagen", "three
# weeks ago today", "exactly 5 days ago". Weeks count to the day only where "heute", "today",
# "genau", "exactly" or "to the day" says so ("vor zwei Wochen" alone is that week).
_AGO_DE = re.compile(
    rf"\b(?P<today>heute\s+)?vor\s+(?P<exact>(?:genau|exakt|auf den tag)\s+)?"
    rf"(?P<n>\d{{1,3}}|{CARDINAL_WORD})\s+(?P<unit>tage[n]?|wochen)\b",
    re.IGNORECASE,
)
_AGO_EN = re.compile(
    rf"\b(?P<exact>exactly\s+)?(?P<n>\d{{1,3}}|{CARDINAL_WORD})\s+(?P<unit>days?|weeks?)\s+ago"
    r"(?P<today>\s+(?:today|to the day))?\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Partial:
    """One side of a range as written: a bare day ("1.") has no month, most have no year."""

    day: int
    month: int | None
    year: int | None


def _latest(day: date, today: date) -> date:
    """``day`` as given, or a year earlier when it lies after today (a date without a year)."""
    return day if day <= today else day.replace(year=day.year - 1)


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _date(text: str, first_is_day: bool = True) -> _Partial | None:
    """One written date, in any of the forms of ``_FULL`` or a bare day (a slashed one in the
    order ``first_is_day``: see ``numeric_dates``)."""
    text = text.strip()
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        match = pattern.fullmatch(text)
        if match:
            month = month_number(match["month"])
            year = int(match["year"]) if match["year"] else None
            return _Partial(int(match["day"]), month, year) if month else None
    parts = numeric_parts(text, first_is_day)
    if parts is not None:
        return _Partial(*parts)
    bare = re.fullmatch(rf"(\d{{1,2}})(?:\.|{_ORDINAL})?", text, re.IGNORECASE)
    return _Partial(int(bare.group(1)), None, None) if bare else None


def _whole_month(month: int, year: int | None, today: date) -> tuple[date, date]:
    """The first and last day of ``month`` (of ``year``, else the latest not after today),
    the last cut off at today."""
    if year is None:
        year = today.year if month <= today.month else today.year - 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, 1), min(following - timedelta(days=1), today)


def _anchored(side: _Partial, message: str) -> _Partial:
    """A bare day in the one month the message names ("Wie viel Ende April, ab dem 28.?": 28
    April), else as written."""
    if side.month is not None:
        return side
    months = {
        month_number(m["month"])
        for m in _ANCHOR_MONTH.finditer(message)
        if m["lead"]
        or (m["month"].casefold() != "may" and re.fullmatch(_MONTH, m["month"], re.IGNORECASE))
    }
    months.discard(None)
    return _Partial(side.day, months.pop(), None) if len(months) == 1 else side


def _latest_bare_range(a: int, b: int, today: date) -> tuple[date, date] | None:
    """Two bare days with no month named ("vom 3. bis 9."): the latest such range that has
    begun, this month's when its first day has come, else last month's; cut off at today."""
    month_start = today.replace(day=1)
    for start in (month_start, (month_start - timedelta(days=1)).replace(day=1)):
        first, last = _day(start.year, start.month, a), _day(start.year, start.month, b)
        if first is not None and last is not None and first <= last and first <= today:
            return first, min(last, today)
    return None


def _its_month_end(first: date, today: date) -> date:
    """The last day of ``first``'s month, cut off at today."""
    return _whole_month(first.month, first.year, today)[1]


def _resolve(first: _Partial, last: date, today: date) -> date | None:
    """The start of a range whose end is ``last``: a bare day takes the end's month (or the
    month before: "vom 28. bis 3. Juni"), a date without a year the latest not after the end."""
    if first.month is None:
        month, year = last.month, last.year
        if first.day > last.day:
            month, year = (12, year - 1) if month == 1 else (month - 1, year)
        return _day(year, month, first.day)
    found = _day(first.year or last.year, first.month, first.day)
    if found is not None and first.year is None and found > last:
        found = found.replace(year=found.year - 1)
    return found


def _end(text: str, today: date, first_is_day: bool = True) -> date | None:
    """The end of a range: a full date (the latest not after today without a year) or a word."""
    word = text.casefold()
    if word in ("heute", "today", "jetzt", "now"):
        return today
    if word in ("gestern", "yesterday"):
        return today - timedelta(days=1)
    if re.fullmatch(_MONTH_END, word, re.IGNORECASE):
        month = month_number(word.split()[-1])
        return _whole_month(month, None, today)[1] if month else None
    side = _date(text, first_is_day)
    if side is None or side.month is None:
        return None
    found = _day(side.year or today.year, side.month, side.day)
    if found is None:
        return None
    return found if side.year else _latest(found, today)


def named_range(message: str, today: date) -> tuple[date, date] | None:
    """The first and last day of a range the message names ("vom 1. bis 7. Juni", "vom ersten
    bis zum siebten Juni"), or None."""
    message = _WEEKDAY_BEFORE_DATE.sub("", with_digits(message))
    first_is_day = day_first(message)
    ending = _DAYS_ENDING.search(message)
    if ending is not None:
        count = count_of(ending["n"])
        last = _end(ending["end"], today)
        if last is not None and count > 0:
            return last - timedelta(days=count - 1), last
    for match in _RANGE.finditer(message):
        between = (match["from"] or "").casefold() in ("zwischen", "between")
        if re.fullmatch(_AND, match["sep"], re.IGNORECASE) and not between:
            continue
        side = _date(match["a"], first_is_day)
        if side is not None and re.fullmatch(_ITS_MONTH_END, match["b"], re.IGNORECASE):
            first = _resolve(_anchored(side, message), today, today)
            if first is not None:
                return first, _its_month_end(first, today)
            continue
        last = _end(match["b"], today, first_is_day)
        first = _resolve(side, last, today) if last is not None and side is not None else None
        if first is not None and last is not None and first <= last:
            return first, last
    for match in chain(_MONTH_RANGE.finditer(message), _DAY_PAIR.finditer(message)):
        month = month_number(match["month"])
        year = int(match["year"] or today.year)
        first = _day(year, month, int(match["a"])) if month else None
        last = _day(year, month, int(match["b"])) if month else None
        if first is None or last is None or first > last:
            continue
        if not match["year"] and last > today:
            first, last = first.replace(year=year - 1), last.replace(year=year - 1)
        return first, last
    for match in _BARE_RANGE.finditer(message):
        between = (match["from"] or "").casefold() in ("zwischen", "between")
        if re.fullmatch(_AND, match["sep"], re.IGNORECASE) and not between:
            continue
        month = _anchored(_Partial(int(match["a"]), None, None), message).month
        if month is None and not _ANCHOR_MONTH.search(message):
            return _latest_bare_range(int(match["a"]), int(match["b"]), today)
        if month is None:
            continue
        year = today.year
        first, last = _day(year, month, int(match["a"])), _day(year, month, int(match["b"]))
        if first is None or last is None or first > last:
            continue
        if first > today:
            first, last = first.replace(year=year - 1), last.replace(year=year - 1)
        return first, min(last, today)
    since_month = _SINCE_MONTH.search(message)
    if since_month is not None and since_month["month"] != "may":  # "since may I ask"
        started = month_number(since_month["month"])
        written = int(since_month["year"]) if since_month["year"] else None
        first = _whole_month(started, written, today)[0] if started else None
        if first is not None and first <= today:
            return first, today
    since = _SINCE.search(message)
    if since is not None:
        side = _date(since["a"], first_is_day)
        anchored = _anchored(side, message) if side is not None else None
        until = _UNTIL.match(message, since.end())  # "ab dem 27. April, …, bis Ende April"
        end = until["b"] if until is not None else None
        month_end = end is None and anchored != side  # "im Mai ab dem 20.": the rest of May
        if end is not None and re.fullmatch(_ITS_MONTH_END, end, re.IGNORECASE):
            end, month_end = None, True
        last = _end(end, today, first_is_day) if end is not None else None
        first = _resolve(anchored, last or today, today) if anchored is not None else None
        if first is not None:
            last = _its_month_end(first, today) if month_end else last
            return first, max(first, last or today)
    return None


# Swiss German weekdays ("am Sunntig", "Samschtig"): read as written, never by edit distance.
_SWISS_DAYS = {
    name: i
    for i, names in enumerate(
        (
            ("mäntig", "määntig"),
            ("zischtig", "ziischtig"),
            ("mittwuch",),
            ("dunschtig", "donnschtig", "donschtig"),
            ("fritig", "friitig"),
            ("samschtig",),
            ("sunntig", "sonntig"),
        )
    )
    for name in names
}


def weekday_of(word: str) -> int | None:
    """The weekday a word names: exactly, as the head of a compound or plural ("Montagabend",
    "Sundays"), in Swiss German ("Sunntig"), or misspelt by one edit (two for names of nine
    letters or more: "wendsday")."""
    word = word.casefold()
    if len(word) < 5:
        return None
    for name, index in (WEEKDAYS | _SWISS_DAYS).items():
        if word.startswith(name):
            return index
    for name, index in WEEKDAYS.items():
        allowed = 2 if len(name) >= 9 else 1
        if abs(len(word) - len(name)) <= allowed and edits(word, name) <= allowed:
            return index
    return None


def _weekday(message: str) -> int | None:
    return next((day for w in _WORD.findall(message) if (day := weekday_of(w)) is not None), None)


def written_day(message: str, today: date) -> date | None:
    """The one day the message writes as a date ("3. Juni", "June 3rd", "27.5.", "5/27",
    "2025-05-27"); without a year, the latest such day not after today."""
    message = with_digits(message)
    for pattern in (_DAY_MONTH, _MONTH_DAY):  # "3. Juni", "3 June" / "June 3rd"
        for match in pattern.finditer(message):
            month = month_number(match["month"])
            year = int(match["year"] or today.year)
            found = _day(year, month, int(match["day"])) if month else None
            if found is not None:
                return found if match["year"] else _latest(found, today)
    return numeric_day(message, today)


def named_days(message: str, today: date, country: str | None = None) -> tuple[date, date] | None:
    """The first and last day the message names, or None when it names none. Dates win over
    holidays (of the site's ``country``), holidays over weekdays ("Whit Monday" is no Monday
    of this week)."""
    found_range = named_range(message, today) or month_part(message, today)
    if found_range is not None:
        return found_range
    message = with_digits(message)
    found = written_day(message, today)
    if found is not None:
        return found, found
    feast = feast_days(message, today, country)
    if feast is not None:
        return feast
    last_n = _LAST_N.search(message)
    if last_n is not None:
        if last_n["fortnight"]:
            days = 14
        else:
            count = count_of(last_n["n"])
            days = count * (7 if last_n["unit"].casefold().startswith("w") else 1)
        if days > 0:
            return today - timedelta(days=days), today - timedelta(days=1)
    weekday = _weekday(message)
    if weekday is not None:
        back = (today.weekday() - weekday) % 7 or 7
        found = today - timedelta(days=back)
        return found, found
    if _WEEKEND.search(message):
        saturday = today - timedelta(days=(today.weekday() - 5) % 7 or 7)
        return saturday, min(saturday + timedelta(days=1), today)
    month_match = _IN_MONTH.search(message)
    if month_match is not None:
        month = month_number(month_match.group(1))
        if month is None:
            return None
        year = month_match.group(2)
        return _whole_month(month, int(year) if year else None, today)
    return None


def day_ago(message: str) -> int | None:
    """How many days back the one day lies that the message counts back to ("heute vor vier
    Wochen": 28); None when it counts back to no day."""
    for pattern in (_AGO_DE, _AGO_EN):
        for match in pattern.finditer(message):
            count = count_of(match["n"])
            weeks = match["unit"].casefold().startswith("w")
            if count <= 0 or (weeks and not (match["today"] or match["exact"])):
                continue
            return count * (7 if weeks else 1)
    return None
