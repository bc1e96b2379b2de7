"""The period a data question names, resolved by code, in German and English.

A named period ("gestern", "last week", "seit Monatsbeginn", "year to date") is one of the
tools' ``Period`` names; anything else is an inclusive range of days: a range or a date
("vom 1. bis 7. Juni", "27.5.", "5/27", "am Pfingstmontag": ``named_days``), a day of a named
week ("Thursday last week": ``calendar_weeks``), a month or date of a named year ("im Juni
letzten Jahres", "heuer im Juni"), or a day of the month alone ("am 12.": ``follow_up_periods``).
"So far", "bis jetzt", "to date" end what they follow today ("im Juni bis jetzt": 1 June up to
today) and are never forecast. :func:`period_args` turns the result into the arguments of a
``query_timeseries`` call.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from luna.graphs.agent.calendar_weeks import (
    LAST_WEEK,
    THIS_WEEK,
    week_days,
    week_ending,
    weekday_span,
)
from luna.graphs.agent.feast_days import feast_days
from luna.graphs.agent.follow_up_periods import DAY_BEFORE_YESTERDAY, bare_day, day_near
from luna.graphs.agent.named_days import day_ago, named_days, named_range, written_day
from luna.graphs.agent.numeric_dates import NUMERIC_DATE
from luna.graphs.agent.spelled_dates import LAST_DE, month_part
from luna.retrieval.periods import MONTH_NAME
from luna.tools.periods import Period, period_days

_I = re.IGNORECASE
_THIS = r"(?:this|current|diese[nmrs]?|laufende[nmrs]?|aktuelle[nmrs]?)"
_LAST = rf"(?:last|previous|prior|{LAST_DE})"
_MONTH = r"(?:calendar\s+month|month|monat|kalendermonat)"
_YEAR = r"(?:calendar\s+year|year|jahr\w*|kalenderjahr\w*)"
_START = r"(?:start|beginning)"
# "the last 7 days", "trailing 7 days", "rolling 30 days": days counted back from today.
_BACK = rf"(?:last|past|trailing|rolling|{LAST_DE})"
# Most specific first: "last 7 days" must win over "last week".
PERIODS: tuple[tuple[re.Pattern[str], Period], ...] = (
    (
        re.compile(rf"\b{_BACK}\s+(7|seven|sieben)\s+(days|tage[n]?)\b", _I),
        "last_7_days",
    ),
    (
        re.compile(rf"\b{_BACK}\s+(30|thirty|dreißig)\s+(days|tage[n]?)\b", _I),
        "last_30_days",
    ),
    (LAST_WEEK, "last_week"),
    (THIS_WEEK, "this_week"),
    (re.compile(rf"\b({_LAST}\s+{_MONTH}|vormonat\w*)\b", _I), "last_month"),
    (
        re.compile(
            rf"\b({_THIS}\s+{_MONTH}|month[- ]to[- ]date|mtd|"
            r"seit\s+(dem\s+)?(monatsbeginn|monatsanfang|monatsersten|"
            r"(anfang|beginn)\s+(des|dieses)\s+monats)|"
            rf"since\s+(the\s+)?{_START}\s+of\s+(the|this)\s+month)\b",
            _I,
        ),
        "this_month",
    ),
    (re.compile(rf"\b({_LAST}\s+{_YEAR}|vorjahr\w*)\b", _I), "last_year"),
    (
        re.compile(
            rf"\b({_THIS}\s+{_YEAR}|year[- ]to[- ]date|ytd|heuer|"
            r"seit\s+(dem\s+)?(jahresbeginn|jahresanfang|neujahr|(anfang|beginn)\s+(des|dieses)"
            rf"\s+jahres)|since\s+(the\s+)?{_START}\s+of\s+(the|this)\s+year|since\s+new\s+year)\b",
            _I,
        ),
        "this_year",
    ),
    (re.compile(r"\b(yesterday|gestern)\b", _I), "yesterday"),
    (re.compile(r"\b(tomorrow|morgen)\b", _I), "tomorrow"),
    (re.compile(r"\b(today|heute|now|jetzt|aktuell\w*|current\w*)\b", _I), "today"),
)
# "bis jetzt", "so far": the period it follows, up to today ("im Juni bis jetzt").
TO_DATE = re.compile(
    r"\b(bis\s+(jetzt|heute|dato|zum\s+heutigen\s+tag)|bisher|bislang|so\s+far|thus\s+far|"
    r"to\s+date|(up\s+)?(until|till|to)\s+(now|today)|up\s+until\s+(now|today)|as\s+of\s+(now|today))\b",
    _I,
)
# A period up to now is read, never forecast: "so far", "seit", "since", "to date".
_UP_TO_NOW = re.compile(rf"{TO_DATE.pattern}|\b(seit|since|ytd|mtd|wtd)\b", _I)
_DATED = re.compile(rf"\b({MONTH_NAME})\b|{NUMERIC_DATE}", _I)
_DAILY_PRICES = ("this_year", "last_year")  # a year's average price is read by month
_RESOLUTION = {
    "today": "hour",
    "yesterday": "hour",
    "tomorrow": "hour",
    "this_year": "month",
    "last_year": "month",
}
# Periods wholly in the past: a question about them is never a forecast.
PAST_PERIODS = ("yesterday", "last_week", "last_7_days", "last_month", "last_30_days", "last_year")

Days = tuple[date, date]


# Today named only to be left out: "heute nicht mitgezählt", "not counting today".
_TODAY_LEFT_OUT = re.compile(
    r"\b((heute|today)\W+(nicht\s+(mit)?(gezählt|eingerechnet|dabei)|ausgenommen|"
    r"not\s+(counted|included)|excluded)|(not\s+counting|excluding|without|except|ohne|außer)"
    r"\s+(today|heute)|(today|heute)\s+(doesn't|does not)\s+count)\b",
    _I,
)


def without_today_left_out(message: str) -> str:
    """``message`` less the words that name today only to leave it out."""
    return _TODAY_LEFT_OUT.sub(" ", message)


def find_period(message: str) -> Period | None:
    """The named period the message names, or None (also for "vorgestern", a date)."""
    message = without_today_left_out(message)
    if DAY_BEFORE_YESTERDAY.search(message):
        return None  # two days back: a date (see message_period), not a named period
    for pattern, period in PERIODS:
        if pattern.search(message):
            return period
    return None


def _in_year(message: str, today: date, period: Period, country: str | None) -> Days | None:
    """A month or date of a named year ("im Juni letzten Jahres", "3. Juni letztes Jahr",
    "heuer im Mai"), or None."""
    if not _DATED.search(message):
        return None
    year = today.year if period == "this_year" else today.year - 1
    reference = today if year == today.year else date(year, 12, 31)
    days = named_days(message, reference, country)
    if days is None or days[0].year != year or days[1].year != year:
        return None
    return days


def _named(
    message: str, today: date, country: str | None, around: Days | None
) -> tuple[Period | None, Days | None]:
    message = without_today_left_out(message)
    found = (
        week_ending(message, today, country)  # wins over "the second week of May" it pins
        or named_range(message, today)
        or month_part(message, today)
    )
    if found is not None:
        return None, found
    back = day_ago(message)
    if back is not None:
        day = today - timedelta(days=back)
        return None, (day, day)
    if DAY_BEFORE_YESTERDAY.search(message):
        day = today - timedelta(days=2)
        return None, (day, day)
    feast = feast_days(message, today, country)
    if feast is not None:
        return None, feast
    week = week_days(message, today) or weekday_span(message, today, around)
    if week is not None:
        return None, week
    period = find_period(message)
    if period in ("this_year", "last_year"):
        dated = _in_year(message, today, period, country)
        if dated is not None:
            return None, dated
    written = written_day(message, today)  # a date wins over "now", "current"
    if written is not None:
        return None, (written, written)
    if period is not None:
        return period, None
    days = named_days(message, today, country)
    if days is not None:
        return None, days
    number = bare_day(message)
    if number is not None:
        found_day = day_near(number, around or (today, today), today)
        if found_day is not None:
            return None, (found_day, found_day)
    return None, None


def _first_day(period: Period, today: date) -> date:
    noon = datetime.combine(today, time(12), tzinfo=UTC)
    return period_days(period, noon, "UTC")[0]


# "Anfang Juni – genauer gesagt vom 1. bis 4. Juni", "mid-May, to be precise the 14th": the
# period after these words corrects the vaguer one before them.
_PRECISELY = re.compile(
    r"\b(?:genauer\s+gesagt|genauer|präziser|konkret|und\s+zwar|sprich|das\s+heißt|d\.\s?h\.|"
    r"to\s+be\s+(?:more\s+)?(?:precise|exact)|more\s+precisely|precisely|specifically|"
    r"i\.\s?e\.)(?!\w)\s*:?",
    _I,
)
_MONTH_WORD = re.compile(rf"\b(?:{MONTH_NAME})\b", _I)
# Where the correcting words end: a dash, a bracket, a question mark or a new sentence.
_CORRECTION_END = re.compile(r"\s[–—-]\s|[–—)?!;]|\.\s+[A-ZÄÖÜ]")


def _corrected(
    message: str, today: date, country: str | None, around: Days | None
) -> tuple[Period | None, Days | None]:
    """The period named right after "genauer gesagt", "to be precise", "i.e." and the like,
    its bare days in the one month named before them ("Anfang Mai, genauer gesagt vom 2. bis
    4.", "early May, to be precise the 2nd to the 4th") or in the vaguer period named there;
    ``(None, None)`` when the message corrects no period."""
    for match in _PRECISELY.finditer(message):
        after = message[match.end() :]
        end = _CORRECTION_END.search(after)
        correction = after[: end.start()] if end is not None else after
        vague = message[: match.start()]
        months = {m.casefold() for m in _MONTH_WORD.findall(vague)}
        if len(months) == 1 and not _DATED.search(correction):
            correction = f"{correction} {months.pop()}"  # "early May, i.e. the 2nd to the 4th"
        vague_period, vague_days = _named(vague, today, country, around)
        if vague_period is None and vague_days is None and not _MONTH_WORD.search(vague):
            continue  # nothing named before to correct: "wie viel genau" is read as a whole
        if vague_period is not None:
            noon = datetime.combine(today, time(12), tzinfo=UTC)
            vague_days = period_days(vague_period, noon, "UTC")
        period, days = _named(correction, today, country, vague_days or around)
        if period is not None or days is not None:
            return period, days
    return None, None


def message_period(
    message: str, today: date, country: str | None = None, around: Days | None = None
) -> tuple[Period | None, Days | None]:
    """The period a message names, resolved by code: a named period ("gestern", "last week")
    or the first and last day of a range or date ("vom 1. bis 7. Juni", "vorgestern", "am
    Donnerstag", "am Pfingstmontag" in the site's ``country``); ``(None, None)`` when it names
    none. A range, a part of a month and a holiday win over the words inside them ("vom 1. Juni
    bis gestern", "the last week of May", "Weihnachten letztes Jahr"), a period given "to be
    precise" over the vaguer one before it ("Anfang Juni – genauer gesagt vom 1. bis 4. Juni").
    A day of the month alone ("am 12.") is the one nearest ``around``, the thread's period, if
    any."""
    corrected = _corrected(message, today, country, around)
    if corrected != (None, None):
        return corrected
    to_date = TO_DATE.search(message)
    if to_date is not None and named_range(message, today) is None:
        rest = f"{message[: to_date.start()]} {message[to_date.end() :]}"
        period, days = _named(rest, today, country, around)
        if days is not None:
            return None, (days[0], max(days[0], today))
        if period in ("yesterday", "last_week", "last_month", "last_year"):
            return None, (_first_day(period, today), today)
        if period is not None:
            return period, None
    return _named(message, today, country, around)


def names_past(message: str, today: date, country: str | None = None) -> bool:
    """Whether the message names a period that has wholly passed (never a forecast)."""
    period, days = message_period(message, today, country)
    return period in PAST_PERIODS or (days is not None and days[1] < today)


def never_forecast(message: str, today: date, country: str | None = None) -> bool:
    """Whether the message's period is read, never forecast: it has passed, or it runs up to
    now ("so far this month", "seit Monatsbeginn", "im Juni bis jetzt")."""
    period, days = message_period(message, today, country)
    if period in PAST_PERIODS or (days is not None and days[1] < today):
        return True
    named = period is not None or days is not None
    return named and period != "tomorrow" and _UP_TO_NOW.search(message) is not None


def period_args(period: str | None, days: Days | None) -> dict[str, Any]:
    """The period of a ``query_timeseries`` call: a named period or the inclusive dates, with
    the resolution that shows it (hours for a single day, days for more, months for years)."""
    if period is not None:
        return {
            "period": period,
            "start": None,
            "end": None,
            "resolution": _RESOLUTION.get(period, "day"),
        }
    assert days is not None
    first, last = days
    resolution = "hour" if first == last else "day"
    return {
        "period": None,
        "start": first.isoformat(),
        "end": last.isoformat(),
        "resolution": resolution,
    }


def price_resolution(period: str | None, focus: str | None) -> str:
    """Prices are read hourly, since the highest and lowest price are hours, not days; only a
    year's average is read by month."""
    return "month" if period in _DAILY_PRICES and focus not in ("max", "min") else "hour"
