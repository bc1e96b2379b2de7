"""Public holidays a data question names, as days of the site's country, German and English.

"am Pfingstmontag", "on Whit Monday", "am Tag der Arbeit", "Christmas Day", "an Ostern",
"über Ostern": the dates come from the ``holidays`` library for the configured country
(``LUNA_SITE_COUNTRY``; all its regions, since a feast keeps its date where it is no day off)
in the library's own names, German and English; customers' everyday names ("Tag der Arbeit",
"Whit Monday", "Boxing Day", "Ostern") are aliases of those names below, so the calendar
itself is never written here. Days that are no public holiday there but that people name
("Muttertag", "Heiligabend", "Memorial Day" of a US guest) come after them. A holiday without a
year is the latest one not after today; "letztes Jahr"/"last year" takes the year before;
"seit Ostern" runs to today.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache

import holidays
from dateutil.easter import easter  # type: ignore[import-untyped]

from luna.config import get_settings
from luna.graphs.agent.spelled_dates import WEEKDAYS
from luna.retrieval.periods import TO_WORD

_I = re.IGNORECASE
# Everyday names → the library's English names (first found in the country's calendar wins).
_ALIASES: dict[str, tuple[str, ...]] = {
    "neujahr": ("New Year's Day",),
    "neujahrstag": ("New Year's Day",),
    "new year": ("New Year's Day",),
    "ostern": ("Easter Sunday",),
    "ostersonntag": ("Easter Sunday",),
    "easter": ("Easter Sunday",),
    "easter day": ("Easter Sunday",),
    "tag der arbeit": ("Labor Day",),
    "maifeiertag": ("Labor Day",),
    "labour day": ("Labor Day",),
    "may day": ("Labor Day",),
    "himmelfahrt": ("Ascension Day",),
    "auffahrt": ("Ascension Day",),  # Swiss German
    "auffahrtstag": ("Ascension Day",),
    "vatertag": ("Ascension Day",),
    "männertag": ("Ascension Day",),
    "ascension": ("Ascension Day",),
    "fronleichnam": ("Corpus Christi",),
    "corpus christi": ("Corpus Christi",),
    "reformationstag": ("Reformation Day",),
    "pfingsten": ("Pentecost", "Whit Sunday"),
    "pfingstsonntag": ("Pentecost", "Whit Sunday"),
    "whitsun": ("Pentecost", "Whit Sunday"),
    "whit sunday": ("Pentecost", "Whit Sunday"),
    "pentecost sunday": ("Pentecost", "Whit Sunday"),
    "whit monday": ("Pentecost Monday", "Whit Monday"),
    "weihnachten": ("Christmas Day",),
    "christmas": ("Christmas Day",),
    "weihnachtstag": ("Christmas Day",),
    "erster weihnachtstag": ("Christmas Day",),
    "1. weihnachtstag": ("Christmas Day",),
    "zweiter weihnachtstag": ("Second Day of Christmas", "Saint Stephen's Day", "Boxing Day"),
    "2. weihnachtstag": ("Second Day of Christmas", "Saint Stephen's Day", "Boxing Day"),
    "stephanstag": ("Saint Stephen's Day", "Second Day of Christmas", "Boxing Day"),
    "stefanitag": ("Saint Stephen's Day", "Second Day of Christmas", "Boxing Day"),
    "boxing day": ("Boxing Day", "Second Day of Christmas", "Saint Stephen's Day"),
    "einheitstag": ("German Unity Day",),
    "allerheiligen": ("All Saints' Day",),
    "dreikönigstag": ("Epiphany",),
    "heilige drei könige": ("Epiphany",),
}
# Several days around a feast: (the first, the last day's library names).
_SPANS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ostern": (("Good Friday",), ("Easter Monday",)),
    "pfingsten": (("Pentecost", "Whit Sunday"), ("Pentecost Monday", "Whit Monday")),
    "weihnachten": (
        ("Christmas Day",),
        ("Second Day of Christmas", "Saint Stephen's Day", "Boxing Day", "Christmas Day"),
    ),
}
_SPAN_WORDS = re.compile(
    r"\b(?:(?:über|ueber)\s+(?P<de>ostern|pfingsten|weihnachten)|"
    r"(?P<compound>oster|pfingst|weihnachts)(?:wochenende|feiertage|tage)|"
    r"over\s+(?P<en>easter|whitsun|pentecost|christmas)|"
    r"(?P<en2>easter|whitsun|pentecost|christmas)\s+(?:weekend|holidays)|"
    r"(?P<en3>easter|pentecost|whitsun)\s+(?:days))\b",
    _I,
)
_SPAN_OF = {
    "oster": "ostern",
    "easter": "ostern",
    "pfingst": "pfingsten",
    "whitsun": "pfingsten",
    "pentecost": "pfingsten",
    "weihnachts": "weihnachten",
    "christmas": "weihnachten",
}
_YEAR_AFTER = re.compile(r"^\s*(?P<year>(?:19|20)\d\d)\b")
_LAST_YEAR = re.compile(
    r"\b(letzte[ns]?|vergangene[ns]?|vorige[ns]?|last|previous)\s+(jahr\w*|year)\b", _I
)
_SINCE = re.compile(r"\b(seit|since|ab)\s+(?:dem\s+|the\s+)?$", _I)


def _key(text: str) -> str:
    """A name as compared: case-folded, without apostrophes and hyphens ("New Year's Day" and
    "new years day" are one name), German ordinals in one case and "-feiertag" as "-tag"
    ("am ersten Weihnachtsfeiertag" is the library's "Erster Weihnachtstag")."""
    text = text.casefold().replace("’", "'").replace("'", "").replace("-", " ")
    text = re.sub(r"\b(erst|zweit)e[nmrs]?\b", r"\1er", text)
    text = text.replace("feiertag", "tag")
    return re.sub(r"\s+", " ", text).strip()


# Other countries whose holidays a customer may name ("Memorial Day" with guests from the US,
# "Auffahrt" in Switzerland): read where the site's own calendar has no day of that name.
_NEIGHBOURS = ("AT", "CH", "US", "GB")


def _observances(year: int) -> dict[str, date]:
    """Days people name that are no public holiday: Mother's Day (the second Sunday in May in
    Germany, Austria, Switzerland and the US), Father's Day (the third Sunday in June), the
    days around Carnival and Easter, Christmas Eve, New Year's Eve and a few more."""
    may_first = date(year, 5, 1)
    mothers = may_first + timedelta(days=(6 - may_first.weekday()) % 7 + 7)
    june_first = date(year, 6, 1)
    fathers = june_first + timedelta(days=(6 - june_first.weekday()) % 7 + 14)
    sunday = easter(year)
    named = {
        ("muttertag", "mothers day", "mother's day"): mothers,
        ("fathers day", "father's day"): fathers,
        ("valentinstag", "valentines day", "valentine's day"): date(year, 2, 14),
        ("rosenmontag",): sunday - timedelta(days=48),
        ("faschingsdienstag", "fastnachtsdienstag", "shrove tuesday", "pancake day"): sunday
        - timedelta(days=47),
        ("aschermittwoch", "ash wednesday"): sunday - timedelta(days=46),
        ("gründonnerstag", "maundy thursday"): sunday - timedelta(days=3),
        ("karsamstag", "holy saturday", "easter saturday"): sunday - timedelta(days=1),
        ("halloween",): date(year, 10, 31),
        ("nikolaus", "nikolaustag"): date(year, 12, 6),
        ("heiligabend", "heiliger abend", "christmas eve"): date(year, 12, 24),
        ("silvester", "new years eve", "new year's eve"): date(year, 12, 31),
    }
    return {_key(name): day for names, day in named.items() for name in names}


@lru_cache(maxsize=32)
def _calendar(country: str, year: int) -> dict[str, date]:
    """Every day ``year`` names for a customer of ``country``: its public holidays (all its
    regions) by each of their names in every language the library has for it, then the
    observances (:func:`_observances`) and the neighbours' holidays (:data:`_NEIGHBOURS`)
    under the names the country's own calendar does not use and that name one day wherever
    the neighbours use them."""
    named = _public_holidays(country, year)
    for name, day in _observances(year).items():
        named.setdefault(name, day)
    abroad: dict[str, set[date]] = {}
    for neighbour in _NEIGHBOURS:
        if neighbour != country:
            for name, day in _public_holidays(neighbour, year).items():
                abroad.setdefault(name, set()).add(day)
    for name, days in abroad.items():
        if len(days) == 1:  # "Nationalfeiertag" is 26 October in Austria, 1 August in Switzerland
            named.setdefault(name, days.pop())
    return named


@lru_cache(maxsize=64)
def _public_holidays(country: str, year: int) -> dict[str, date]:
    """Every public holiday of ``country`` (all its regions) in ``year``, by each of its names
    in every language the library has for the country; empty for a country it does not know."""
    try:
        first = holidays.country_holidays(country, years=year)
    except NotImplementedError:
        return {}
    regions = [None, *holidays.list_supported_countries().get(country, [])]
    languages = [None, *getattr(first, "supported_languages", ())]
    named: dict[str, date] = {}
    for region in regions:
        for language in languages:
            try:
                days = holidays.country_holidays(
                    country, subdiv=region, years=year, language=language
                )
            except (NotImplementedError, ValueError):
                continue
            for day, names in days.items():
                for name in str(names).split("; "):
                    named.setdefault(_key(name), day)
    return dict(named)


def _day_of(names: tuple[str, ...], country: str, year: int) -> date | None:
    calendar = _calendar(country, year)
    return next((calendar[_key(n)] for n in names if _key(n) in calendar), None)


@lru_cache(maxsize=32)
def _names(country: str, year: int) -> tuple[re.Pattern[str], dict[str, tuple[str, ...]]]:
    """Every name a question may use as one pattern, longest first ("Easter Monday" before
    "Easter"), and the library names each stands for."""
    meaning = {_key(alias): names for alias, names in _ALIASES.items()}
    meaning |= {name: (name,) for name in _calendar(country, year)}
    ordered = sorted(meaning, key=len, reverse=True)
    pattern = re.compile(rf"(?<![\w.])({'|'.join(re.escape(n) for n in ordered)})(?!\w)")
    return pattern, meaning


def _year(message: str, end: int, today: date, names: tuple[str, ...], country: str) -> int:
    """The year of the holiday whose name ends at ``end``: a year written after the name, the
    year before for "letztes Jahr"/"last year" anywhere in the message, else the latest year
    in which it is not after today."""
    written = _YEAR_AFTER.match(message[end:])
    if written is not None:
        return int(written["year"])
    if _LAST_YEAR.search(message):
        return today.year - 1
    found = _day_of(names, country, today.year)
    return today.year if found is None or found <= today else today.year - 1


_WEEKDAY_OF = WEEKDAYS | {"sonnabend": 5}
_WEEKDAY_NAMES = "|".join(_WEEKDAY_OF)
# "der Freitag nach Christi Himmelfahrt", "the Tuesday right after Whit Monday", "the day
# before Christmas Eve" (text as :func:`_key` writes it, the holiday's name right after).
_NEXT_TO = re.compile(
    rf"\b(?P<weekday>{_WEEKDAY_NAMES}|tag|day)\s+(?:(?:right|directly|just|immediately|gleich|"
    r"direkt|unmittelbar)\s+)?(?P<side>after|nach|before|vor)\s+(?:(?:dem|the)\s+)?$"
)
# "Samstag bis Pfingstmontag", "from Friday to Easter Monday": a weekday up to the holiday.
_UP_TO = re.compile(rf"\b(?P<weekday>{_WEEKDAY_NAMES})\s+(?:{TO_WORD}|[-–])\s+(?:(?:dem|the)\s+)?$")


# Two holidays joined as a range: "Gründonnerstag bis Ostermontag", "from Christmas Eve
# through and including New Year's Day".
_JOINED = re.compile(rf"\s*(?:{TO_WORD}|[-–])\s+(?:(?:dem|the)\s+)?$")


def _next_to(before: str, day: date) -> tuple[date, date] | None:
    """The day or days the words ``before`` a holiday's name place relative to it (``day``):
    a weekday or day after or before it, or a range from a weekday up to it."""
    near = _NEXT_TO.search(before)
    if near is not None:
        weekday = _WEEKDAY_OF.get(near["weekday"])
        after = near["side"] in ("after", "nach")
        if weekday is None:  # "the day after"
            step = 1
        else:
            step = ((weekday - day.weekday()) if after else (day.weekday() - weekday)) % 7 or 7
        found = day + timedelta(days=step if after else -step)
        return found, found
    up_to = _UP_TO.search(before)
    if up_to is not None:
        first = day - timedelta(days=(day.weekday() - _WEEKDAY_OF[up_to["weekday"]]) % 7)
        return first, day
    return None


def feast_days(message: str, today: date, country: str | None = None) -> tuple[date, date] | None:
    """The first and last day of the holiday (or the days around a feast: "über Ostern",
    "Christmas holidays") the message names, in the site's country, or None; a weekday
    placed by it ("der Freitag nach Christi Himmelfahrt", "Saturday to Whit Monday") is
    that weekday, or the days from it up to the holiday; two holidays joined by "bis"/"to"
    are the days from the first to the second."""
    country = (country or get_settings().site_country).upper()
    text = _key(message)
    pattern, meaning = _names(country, today.year)
    named: tuple[date, date] | None = None  # the first holiday named, if no span is
    previous: tuple[int, date] | None = None  # where the last holiday's name ended, its day
    for match in pattern.finditer(text):
        library_names = meaning[match.group(1)]
        year = _year(text, match.end(), today, library_names, country)
        day = _day_of(library_names, country, year)
        if day is None:
            continue
        joined = previous is not None and _JOINED.match(text[previous[0] : match.start()])
        if previous is not None and joined and previous[1] <= day:
            return previous[1], day  # "von Gründonnerstag bis einschließlich Ostermontag"
        previous = match.end(), day
        placed = _next_to(text[: match.start()], day)
        if placed is not None:
            return placed
        if named is None:
            since = _SINCE.search(text[: match.start()]) and day <= today
            named = (day, today) if since else (day, day)
    span = _SPAN_WORDS.search(message)
    if span is not None:
        word = next(g for g in span.groups() if g).casefold()
        first_names, last_names = _SPANS[_SPAN_OF.get(word, word)]
        year = _year(message, span.end(), today, last_names, country)
        first, last = _day_of(first_names, country, year), _day_of(last_names, country, year)
        if first is not None and last is not None and first <= last:
            return first, min(last, max(first, today))
    return named
