"""Dates written in words, in German and English: ordinal days and the edge days of a month.

"am dritten Juni", "on the third of June", "June the third", "vom ersten bis zum siebten Mai"
name days as surely as "3. Juni" does, and "die ersten zehn Tage im Juni", "the last week of
May", "the first half of June", "the first half of last month" name ranges inside a month.
:func:`with_digits` writes the ordinal words of dates as digits, so the date forms of
:mod:`luna.graphs.agent.named_days` read them; :func:`month_part` resolves the parts of a
month. An ordinal is a day only next to a month or in a range of days ("the first ten days"
counts days, it names none).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from luna.retrieval.periods import MONTH_NAME, TO_WORD, month_number

DE_DAYS = ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag")
EN_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAYS = {name: i for names in (DE_DAYS, EN_DAYS) for i, name in enumerate(names)}

_I = re.IGNORECASE
# "letzten", "vergangenen" and their everyday misspellings ("letzen", "lezten", "letzte 7 Tage",
# "vergangnen", "die vergangen 7 Tage"): what was meant is plain. A regex without groups.
LAST_DE = r"(?:(?:letzt|letz|lezt|lezzt|lettzt)e[nmrs]?|vergange?ne[nmrs]?|vergangen|vorige[nmrs]?)"
_UNITS_DE = ("ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun")
_UNITS_EN = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")
_TEENS_DE = ("zehn", "elf", "zwölf", "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn")
_TEENS_EN = ("tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth")


def _ordinal_words() -> tuple[dict[str, int], dict[str, int]]:
    """Every ordinal from 1 to 31: German stems ("dritt", "einundzwanzigst"; the ending
    -e/-en/-er/-es/-em follows) and English words ("third", "twenty-first")."""
    de = ("erst", "zweit", "dritt", "viert", "fünft", "sechst", "siebt", "acht", "neunt")
    german = {stem: n for n, stem in enumerate(de, 1)} | {"siebent": 7}
    german |= {f"{teen}t": n for n, teen in enumerate(_TEENS_DE, 10)}
    german |= {"achtzehnt": 18, "neunzehnt": 19, "zwanzigst": 20, "dreißigst": 30}
    german |= {"dreissigst": 30, "einunddreißigst": 31, "einunddreissigst": 31}
    german |= {f"{unit}undzwanzigst": 20 + n for n, unit in enumerate(_UNITS_DE, 1)}
    english = {word: n for n, word in enumerate(_UNITS_EN, 1)}
    english |= {word: n for n, word in enumerate(_TEENS_EN, 10)}
    english |= {"sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19}
    english |= {"twentieth": 20, "thirtieth": 30}
    for sep in ("-", " ", ""):
        english |= {f"twenty{sep}{word}": 20 + n for n, word in enumerate(_UNITS_EN, 1)}
        english[f"thirty{sep}first"] = 31
    return german, english


_GERMAN, _ENGLISH = _ordinal_words()
_GERMAN_ENDING = r"e[nrsm]?"
_SUFFIX = {1: "st", 2: "nd", 3: "rd"}


def _alternatives(words: dict[str, int]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_ORDINAL_WORD = rf"(?:{_alternatives(_GERMAN)})(?:{_GERMAN_ENDING})|(?:{_alternatives(_ENGLISH)})"
ORDINAL_WORD = _ORDINAL_WORD  # any ordinal from 1 to 31 in words, as a regex without groups
_ORDINAL = re.compile(rf"\b(?P<word>{_ORDINAL_WORD})\b", _I)
# An ordinal is a day where a month follows ("dritten Juni", "third of June"), a month comes
# before it ("June the third"), or it opens or closes a range of days ("vom ersten bis zum
# siebten", "between the first and the fifth").
_NEXT_MONTH = re.compile(rf"\s+(?:of\s+|des\s+)?(?:{MONTH_NAME})\b", _I)
_PREVIOUS_MONTH = re.compile(rf"\b(?:{MONTH_NAME})\s+(?:the\s+)?$", _I)
_RANGE_NEXT = re.compile(
    rf"\s*(?:-|–|{TO_WORD}|und|and)\s+(?:zum\s+|the\s+|dem\s+|den\s+)?"
    rf"(?:\d{{1,2}}\b|{_ORDINAL_WORD}\b)",
    _I,
)
_RANGE_PREVIOUS = re.compile(
    rf"\b(?:vom|von|from|zwischen|between|{TO_WORD}|und|and)\s+"
    r"(?:zum\s+|the\s+|dem\s+|den\s+)?$",
    _I,
)


def _cardinal_words() -> dict[str, int]:
    """Every cardinal from 1 to 59 in German ("neunzehn", "einundzwanzig", "dreißig") and
    English ("nineteen", "twenty-one", "twenty one"), with the article-like "ein"/"einen"/"one"
    for 1: counts of days and weeks, numbers of calendar weeks."""
    en_units = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
    en_teens = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen")
    words = {unit: n for n, unit in enumerate(_UNITS_DE, 1)} | {"eins": 1, "einen": 1}
    words |= {unit: n for n, unit in enumerate(en_units, 1)}
    words |= {teen: n for n, teen in enumerate(_TEENS_DE, 10)} | {"achtzehn": 18, "neunzehn": 19}
    words |= {teen: n for n, teen in enumerate(en_teens, 10)}
    words |= {"seventeen": 17, "eighteen": 18, "nineteen": 19}
    de_tens = {"zwanzig": 20, "dreißig": 30, "dreissig": 30, "vierzig": 40, "fünfzig": 50}
    en_tens = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
    for ten, value in de_tens.items():
        words[ten] = value
        words |= {f"{unit}und{ten}": value + n for n, unit in enumerate(_UNITS_DE, 1)}
    for ten, value in en_tens.items():
        words[ten] = value
        for sep in ("-", " "):
            words |= {f"{ten}{sep}{unit}": value + n for n, unit in enumerate(en_units, 1)}
    return words


COUNTS = _cardinal_words()
CARDINAL_WORD = _alternatives(COUNTS)  # any cardinal from 1 to 59 in words, as a regex
_COUNT = rf"\d{{1,2}}|{CARDINAL_WORD}"
# "die ersten zehn Tage im Juni", "the last 5 days of May", "die erste Juniwoche", "the first
# week of June", "die zweite Maihälfte", "the second half of May"; "in"/"im"/"of" before the
# month, or the month written into a German compound ("Juniwoche", "Maihälfte", "die ersten
# zehn Junitage").
_EDGE = r"(?P<edge>first|last|second|erste[nr]?|(?:letzt|letz|lezt)e[nr]?|zweite[nr]?)"
_PART = r"(?P<unit>days?|tag(?:e|en)?|weeks?|woche[n]?|half|hälfte)"
# A month named by where it lies: "of last month", "des Vormonats", "dieses Monats" (the genitive
# needs no preposition).
_RELATIVE_MONTH = (
    r"(?:(?:the\s+)?(?P<relative>last|previous|prior|this|current|letzten|vergangenen|vorigen|"
    r"diese[ns]|laufenden|aktuellen)\s+(?:month|monats?)|(?P<before>vormonat(?:e?s)?))"
)
_THIS_MONTH = re.compile(r"this|current|diese[ns]|laufenden|aktuellen", _I)
_MONTH_PART = re.compile(
    rf"\b(?:the\s+)?{_EDGE}\s+(?:(?P<n>{_COUNT})\s+)?{_PART}\s+(?:(?:of|in|im|des|vom)\s+"
    rf"(?:(?:the\s+)?month\s+of\s+)?(?P<month>{MONTH_NAME})\b(?:\s+(?P<year>(?:19|20)\d\d))?|"
    rf"(?:(?:of|in|im|des|vom)\s+)?{_RELATIVE_MONTH}\b)",
    _I,
)
_MONTH_COMPOUND = re.compile(
    rf"\b{_EDGE}\s+(?:(?P<n>{_COUNT})\s+)?(?P<month>{MONTH_NAME})(?P<unit>woche|hälfte|tagen?)\b"
    r"(?:\s+(?P<year>(?:19|20)\d\d))?",
    _I,
)


def _is_day(message: str, match: re.Match[str]) -> bool:
    before, after = message[: match.start()], message[match.end() :]
    return bool(
        _NEXT_MONTH.match(after)
        or _PREVIOUS_MONTH.search(before)
        or (_RANGE_NEXT.match(after) and _RANGE_PREVIOUS.search(before))
    )


def ordinal_number(word: str) -> int | None:
    """The day an ordinal word names ("dritten" 3, "Twenty-First" 21), or None."""
    folded = word.casefold()
    if folded in _ENGLISH:
        return _ENGLISH[folded]
    return _GERMAN.get(re.sub(rf"(?:{_GERMAN_ENDING})$", "", folded))


def with_digits(message: str) -> str:
    """``message`` with the ordinal words that name days written as digits ("am dritten Juni"
    → "am 3. Juni", "the third of June" → "the 3rd of June"); every other word as it was."""

    def digits(match: re.Match[str]) -> str:
        word = match["word"]
        number = ordinal_number(word)
        if number is None or not _is_day(message, match):
            return word
        if word.casefold() not in _ENGLISH:
            return f"{number}."
        return f"{number}{_SUFFIX.get(number % 10 if number not in (11, 12, 13) else 0, 'th')}"

    return _ORDINAL.sub(digits, message)


def count_of(text: str) -> int:
    """The number a count is written as, in digits or words ("7", "sieben", "twenty-one")."""
    return COUNTS.get(text.casefold()) or int(text)


def month_part(message: str, today: date) -> tuple[date, date] | None:
    """The first and last day of the part of a month the message names ("die ersten zehn Tage
    im Juni": 1–10 June; "the last week of May": 25–31 May; "die zweite Junihälfte": 16–30
    June), in the latest such month not after today unless a year is given; days after today
    are cut off."""
    match = _MONTH_PART.search(message) or _MONTH_COMPOUND.search(message)
    if match is None:
        return None
    groups = match.groupdict()
    if groups.get("relative") or groups.get("before"):
        month, year = today.month, today.year
        if not _THIS_MONTH.fullmatch(groups.get("relative") or ""):
            month, year = (12, year - 1) if month == 1 else (month - 1, year)
    else:
        found_month = month_number(match["month"])
        if found_month is None:
            return None
        month = found_month
        written_year = match["year"]
        year = int(written_year) if written_year else today.year
        if not written_year and month > today.month:
            year -= 1
    first = date(year, month, 1)
    last = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    edge = match["edge"].casefold()
    unit = match["unit"].casefold()
    if unit in ("half", "hälfte"):
        lo, hi = (first, first + timedelta(days=14))
        if not edge.startswith("f") and not edge.startswith("erst"):
            lo, hi = first + timedelta(days=15), last
    else:
        days = count_of(match["n"] or "1") * (7 if unit.startswith("w") else 1)
        if days < 1 or days > 31:
            return None
        if edge.startswith(("l", "letzt")):
            lo, hi = last - timedelta(days=days - 1), last
        elif edge.startswith(("s", "zweit")):  # the second week: days 8–14
            lo, hi = first + timedelta(days=days), first + timedelta(days=2 * days - 1)
        else:
            lo, hi = first, first + timedelta(days=days - 1)
    if lo > today:
        return None
    return lo, min(hi, last, today)
