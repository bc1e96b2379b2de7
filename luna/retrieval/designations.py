"""Designations (model names, modules, variants) and years in text, matched across languages.

A designation is a capitalised word with a number ("Store 15", "Modul 3", "Stufe 2", "PB 10.4",
"Version 2.0"), a kind of thing the lexicon knows with a number in any case ("module 3"), or a
product code ("WP-9 S", "LW9", "AX-11"). Retrieval uses them as second-hop
queries, the answerability check refuses questions about ones no passage mentions. Matching
ignores spacing and hyphens ("LW9" = "LW 9" = "LW-9") and the language of the word ("Module 1" =
"Modul 1", "Level 2" = "Stufe 2"), through the bilingual lexicon.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from luna.retrieval.lexicon import equivalents, thing_terms

_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
# A number followed by a unit is a quantity ("Dynamik 420 kWh"), not a designation.
_UNIT = (
    r"\s*(?:kwh|kw|mwh|wh|w|ct|cent|eur|euro|prozent|percent|kg|cm|mm|m|h|min|jahre?|years?)\b"
    r"|\s*[€%]"
)
# A designation's number may have a decimal point ("PB 10.4", "Version 2.0"), not a comma.
_DESIGNATION_NUMBER = r"\d{1,4}(?:\.\d{1,2})?[a-z]?"
_WORD_NUMBER = re.compile(
    r"(?<![\w&/-])([A-ZÄÖÜ][^\W\d_]*(?:&[A-ZÄÖÜ][^\W\d_]*)?)\s+"
    rf"({_DESIGNATION_NUMBER})(?:\s([A-Z]))?"
    r"(?![\w,.]\d|\w)"
    rf"(?!(?i:{_UNIT}))"
)
# Users type a thing's name in lower case ("module 3 customer", "stufe 2"): a word the lexicon
# knows as a kind of thing, with a number, is a designation all the same.
_THING_NUMBER = re.compile(
    r"(?<![\w&/-])([a-zäöü][^\W\d_]*)\s+"
    rf"({_DESIGNATION_NUMBER})"
    r"(?![\w,.]\d|\w)"
    rf"(?!(?i:{_UNIT}))"
)
_CODE = re.compile(r"(?<![\w-])([A-Z]{1,5})-?(\d{1,5}[a-z]?)(?:\s([A-Z]{1,2}))?(?![\w,.]\d|\w)")
_PERIOD_CODE = re.compile(r"Q[1-4]|H[12]")
_NOT_NAME_WORDS = (
    "januar februar märz april mai juni juli august september oktober november dezember "
    "january february march may june july october december "
    "seite page abschnitt section kapitel chapter tabelle table punkt nummer nr no "
    "am im um ab bis seit nach vor von bei für in an at on by from until to "
    "kw kwh mw mwh ct eur euro v a w h min"
)
_NOT_NAMES = frozenset(_NOT_NAME_WORDS.split())


def years(text: str) -> list[str]:
    return [m.group() for m in _YEAR.finditer(text)]


# "Modul 1 und 3", "Module 1+3", "Stufe 2, 3 oder 4": the same word with further numbers.
_MORE_NUMBERS = re.compile(
    r"(?:\s*(?:,|\+|&|/|\bund\b|\band\b|\boder\b|\bor\b|\bsowie\b)\s*"
    rf"(\d{{1,4}}[a-z]?)(?![\w,.]\d|\w)(?!(?i:{_UNIT})))"
)


def _enumerated(text: str, end: int, word: str, found: dict[int, str]) -> None:
    """Add the designations an enumeration after a designation's number names ("1 und 3")."""
    for match in _MORE_NUMBERS.finditer(text, end):
        if match.start() != end or _YEAR.fullmatch(match.group(1)):
            return
        found[match.start(1)] = f"{word} {match.group(1)}"
        end = match.end()


def _designation_spans(text: str) -> dict[int, str]:
    found: dict[int, str] = {}
    for m in _WORD_NUMBER.finditer(text):
        word, number, suffix = m.groups()
        if word.casefold() not in _NOT_NAMES and not _YEAR.fullmatch(number):
            found[m.start()] = f"{word} {number}" + (f" {suffix}" if suffix else "")
            if not suffix:
                _enumerated(text, m.end(), word, found)
    for m in _THING_NUMBER.finditer(text):
        word, number = m.groups()
        if word.casefold() in thing_terms() and not _YEAR.fullmatch(number):
            found[m.start()] = f"{word[0].upper()}{word[1:]} {number}"
            _enumerated(text, m.end(), f"{word[0].upper()}{word[1:]}", found)
    for m in _CODE.finditer(text):
        letters, number, suffix = m.groups()
        if letters.casefold() in _NOT_NAMES or m.start() in found:
            continue
        if _PERIOD_CODE.fullmatch(f"{letters}{number}"):
            continue  # "Q1", "H2": a quarter or half-year (luna.retrieval.periods), no name
        found[m.start()] = f"{letters}-{number}" + (f" {suffix}" if suffix else "")
    return found


def designations(text: str) -> list[str]:
    """Designations in ``text``, in order of appearance, without duplicates."""
    found = _designation_spans(text)
    return list(dict.fromkeys(found[k] for k in sorted(found)))


def named_specifics(question: str) -> list[str]:
    """Designations and years a question names, in order of appearance."""
    spans = {m.start(): m.group() for m in _YEAR.finditer(question)} | _designation_spans(question)
    return list(dict.fromkeys(spans[k] for k in sorted(spans)))


def _pattern(name: str) -> re.Pattern[str]:
    """``name`` in casefolded text: a year as a number, a designation with any spacing and
    its word in either language."""
    if _YEAR.fullmatch(name):
        return re.compile(rf"(?<!\d){name}(?!\d)")
    match = re.fullmatch(r"(.+?)[\s-](\d{1,5}(?:\.\d{1,2})?[a-z]?)(?:\s([A-Z]{1,2}))?", name)
    if match is None:
        return re.compile(re.escape(name.casefold()))
    word, number, suffix = match.groups()
    words = "|".join(re.escape(w) for w in sorted(equivalents(word), key=len, reverse=True))
    tail = rf"\s*{re.escape(suffix.casefold())}" if suffix else ""
    # "Version 2.0" is also written "Version 2" and the other way round; "PB 10" is not
    # "PB 10.4".
    integer = number.casefold().removesuffix(".0")
    written = re.escape(integer) + (r"(?:\.0)?" if "." not in integer else "")
    return re.compile(rf"(?<!\w)(?:{words})[\s-]*{written}{tail}(?![\w]|[.,]\d)")


def labels(name: str, label: str) -> bool:
    """Whether a table heading ``label`` is the designation ``name`` ("Calora ALW 9 T" is
    "ALW 9 T"; "ALW 9 T" is not "ALW 9")."""
    folded = " ".join(label.casefold().split())
    pattern = _pattern(name)
    return any(m.end() == len(folded) for m in pattern.finditer(folded))


# A key and its value in a table row or a spelled-out pair: "Version | 2.0", "Modul: 3".
_KEY_VALUE = re.compile(r"\s*[|:]\s+(?=\d)")


def folded(text: str) -> str:
    """``text`` casefolded with hyphens and runs of spaces as one space: "AL-180" is
    "al 180", so a designation is found however a document writes it."""
    return re.sub(r"[\s-]+", " ", text.casefold())


def _searchable(texts: Iterable[str]) -> str:
    """``texts`` casefolded, a table's "Version | 2.0" read as "version 2.0"."""
    return _KEY_VALUE.sub(" ", " ".join(texts).casefold())


def mentioned(name: str, texts: Iterable[str]) -> bool:
    return _pattern(name).search(_searchable(texts)) is not None


def missing_specifics(question: str, texts: Iterable[str]) -> list[str]:
    """The question's named specifics that occur in none of ``texts``."""
    haystack = _searchable(texts)
    return [name for name in named_specifics(question) if not _pattern(name).search(haystack)]


def is_code(name: str) -> bool:
    """Whether a designation looks like a product or module code ("ALW 9 T", "WP-9", "Modul 3")
    rather than a capitalised German noun with a number ("Inbetriebnahme 1")."""
    word = re.split(r"[\s-]", name, maxsplit=1)[0]
    return (len(word) >= 2 and word.isupper()) or len(equivalents(word)) > 1
