"""Refusing questions the passages do not answer, before any model call, saying what is missing.

Two deterministic tests. Named specifics: a question about "Luna Store 15" or feed-in rates
"for 2021" cannot be answered from passages that describe only the Luna Store 10 or 2025
rates, yet a small model answers it anyway with the neighbouring figure. Designations ("Store
15", "LW 9", "Modul 3", "WP-9 S") and years named in the question must therefore occur in the
retrieved text (``luna.retrieval.designations`` finds and matches them, across languages); the check
refuses before any model call when one does not, naming what is missing.

Attributes: a question asking for a known attribute (warranty, weight, fuse rating, base
price … from the bilingual lexicon) needs a passage that states it, by name or, for a
quantity, by a number in its unit ("3,7 kW" states a power), and when the question names a
designation, the same passage must name that designation too. Otherwise the model
borrows the attribute from another product or document; asked for the warranty a manual does
not give, it answers with a neighbouring product's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from luna.core.language import Language
from luna.ingest.sentences import split_sentences
from luna.retrieval.designations import mentioned, missing_specifics, named_specifics
from luna.retrieval.lexicon import attribute_groups, contains_term, without_false_friends
from luna.retrieval.periods import MONTHS_DE, MONTHS_EN, month_number, row_month
from luna.retrieval.queries import asked_attributes, asking_part, given_value, is_version

# The sentences the rag_answer prompts ask the model to refuse with, so ``is_refusal`` (and the
# usage analysis) know refusals written without the model too.
REFUSAL_TEXT: dict[Language, str] = {
    "de": "Das weiß ich anhand der vorliegenden Dokumente nicht.",
    "en": "I don't know based on the available documents.",
}
_UNMENTIONED_TEXT: dict[Language, str] = {
    "de": " Sie erwähnen {names} nicht.",
    "en": " They do not mention {names}.",
}


# A passage states a quantity attribute when it gives a number in the attribute's unit: "3.7 kW
# per charge point" states the charging power without the word "power". Keyed by one term of
# the lexicon's attribute group.
_NUMBER = r"\d(?:[\d.,]*\d)?\s*"
# An amount of money also stands with its currency first ("EUR 1,140.00 per month", "€ 12").
_CURRENCY_FIRST = r"|(?:€|\beur\b|\beuro\b)\s*\d"
_MONEY_TERMS = ("preis", "grundpreis", "netzentgelt", "aufschlag")
_UNITS: dict[str, re.Pattern[str]] = {
    term: re.compile(
        _NUMBER + unit + (_CURRENCY_FIRST if term in _MONEY_TERMS else ""), re.IGNORECASE
    )
    for term, unit in {
        "leistung": r"[kM]?W(?![\w/h])",
        "spitzenlast": r"[kM]?W(?![\w/h])",
        "ladeleistung": r"[kM]?W(?![\w/h])",
        "entladeleistung": r"[kM]?W(?![\w/h])",
        "spitzenentladeleistung": r"[kM]?W(?![\w/h])",
        "notstrom": r"[kM]?W(?![\w/h])",
        "einspeisebegrenzung": r"([kM]?W(?![\w/h])|%)",
        "ladezustand": r"%",
        "notstromreserve": r"%",
        "entladetiefe": r"%",
        "gewicht": r"(kg|t)\b",
        "verbrauch": r"[kM]?Wh\b",
        "kapazität": r"([kM]?Wh|Ah)\b",
        "spannung": r"[kM]?V\b",
        "preis": r"(€|eur\b|euro|ct\b|cent)",
        "grundpreis": r"(€|eur\b|euro)",
        "arbeitspreis": r"(ct|cent)\s*/\s*kWh",
        "netzentgelt": r"(€|eur\b|euro|ct\b|cent)",
        "aufschlag": r"(€|eur\b|euro|ct\b|cent)",
        "vorlauftemperatur": r"°\s*C",
        "laufzeit": r"(min|minuten|minutes|h|stunden|hours|jahre|years)\b",
    }.items()
}
# A deadline is stated by a duration ("innerhalb von 2 Arbeitstagen", "within one month"), a
# time window by a range of clock times ("00:00–06:00 Uhr"), neither needs the word itself.
_COUNT = (
    r"(\d+|ein\w*|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|zwölf|vierzehn|"
    r"one|a|two|three|four|five|six|seven|eight|nine|ten|twelve|fourteen)\s+"
)
_UNITS["frist"] = re.compile(
    _COUNT + r"((arbeits|werk|kalender)?(tag|woche|monat|jahr)|((working|business|calendar) )?"
    r"(day|week|month|year))",
    re.IGNORECASE,
)
_UNITS["kündigungsfrist"] = _UNITS["frist"]  # "mit einer Frist von vier Wochen"
_UNITS["zeitfenster"] = re.compile(
    r"\d{1,2}[:.]\d{2}\s*(uhr\s*)?(–|-|bis|to|until)\s*\d{1,2}[:.]\d{2}", re.IGNORECASE
)


def _unit_pattern(group: frozenset[str]) -> re.Pattern[str] | None:
    return next((pattern for term, pattern in _UNITS.items() if term in group), None)


_LINE_OR_SENTENCE = re.compile(r"\n|(?<=[.!?;])\s+")


def _states(
    text: str, group: frozenset[str], unit: re.Pattern[str] | None, things: Sequence[str]
) -> bool:
    """Whether ``text`` states the attribute for ``things``: by name anywhere in a passage
    that names them too, or by a number in its unit in the same line or sentence as them (a
    protocol listing a wallbox and "1,3 kg" of refrigerant states no wallbox weight)."""
    named = all(mentioned(n, [text]) for n in things)
    if named and any(contains_term(text, term) for term in group):
        return True
    if unit is None or not named:
        return False
    if not things:
        return unit.search(text) is not None
    return any(
        unit.search(part) and all(mentioned(n, [part]) for n in things)
        for part in _LINE_OR_SENTENCE.split(text)
    )


def scene_specifics(question: str) -> set[str]:
    """Designations the question names only while setting the scene, in a sentence that lists
    several ("Reuter hier (Calora ALW 9 T, Modul 1 und 3). Was hat mich der Heizstab
    gekostet?"): the customer's setup, context rather than the subject asked about. One the
    asking sentence names is the subject, and so is one that stands alone in its sentence
    ("Ich habe eine Store 15. Wie lange ist die Garantie?": "it" refers to it)."""
    asked = asking_part(question)
    if asked == question:
        return set()
    found: set[str] = set()
    for sentence in split_sentences(question, typed=True):
        if sentence.rstrip().endswith("?"):
            continue
        named = [n for n in named_specifics(sentence) if not n.isdigit()]
        if len(named) > 1:
            found.update(n for n in named if not mentioned(n, [asked]))
    return found


def unexplained_specifics(question: str, texts: Sequence[str]) -> list[str]:
    """Designations and years the question names that no passage mentions, less those of the
    scene (:func:`scene_specifics`) when another designation of it is mentioned: that the
    customer also has Modul 1, which the passages never name, does not make a question about
    the heat pump's heater unanswerable; a scene the passages know nothing of does."""
    missing = missing_specifics(question, texts)
    scene = scene_specifics(question)
    if not scene or not any(n not in missing for n in scene):
        return missing
    return [name for name in missing if name not in scene]


def missing_attributes(question: str, texts: Sequence[str]) -> list[str]:
    """Attributes the question asks for that no passage states (for the thing it names).

    Returned as the question's own word for the attribute ("Garantie"), to name in the
    refusal; with a named designation, as "Garantie (WP-9 S)". Only the asking sentences
    count (:func:`asking_part`), and the things are those the question is about, not the
    setup it describes (:func:`scene_specifics`)."""
    asked = without_false_friends(asking_part(question))
    folded = [t.casefold() for t in texts]
    scene = scene_specifics(question)
    things = [
        n
        for n in named_specifics(question)
        if not n.isdigit() and n not in scene and not is_version(n)  # "Version 1.0": no thing
    ]
    missing: list[str] = []
    named = {group: term for _, term, group in reversed(asked_attributes(asked))}
    for group in attribute_groups():  # in the lexicon's order, each attribute once
        word = named.get(group)
        if word is None or given_value(asked, word):
            continue
        unit = _unit_pattern(group)
        if not any(_states(t, group, unit, things) for t in folded):
            missing.append(f"{word} ({', '.join(things)})" if things else word)
    return missing


# Energy carriers and quantities a site may or may not buy, each in both languages and inside
# German compounds ("Gaspreis", "Fernwärmeanschluss", "Blindarbeit"): a question about one that
# no passage mentions is about a contract the documents do not hold. Electricity's price sheet
# answers nothing about gas, yet its "Preis" invites the model to quote it.
_COMMODITIES: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE)
    for name, pattern in {
        "Gas": r"\b(?:erd|flüssig|bio)?gas(?!t|se)\w*|\bnatural gas\b|\blpg\b",
        "Fernwärme": r"\bfernwärme\w*|\bdistrict[- ]heat\w*",
        "Heizöl": r"\bheizöl\w*|\b(?:heating|fuel) oil\b|\böl(?:preis|kessel|heizung|tank)\w*",
        "Wasserstoff": r"\bwasserstoff\w*|\bhydrogen\b",
        "Holz": r"\bpellet\w*|\bhackschnitzel\w*|\bwood (?:chips|pellets)\b",
        "Diesel": r"\bdiesel\w*",
        "Blindarbeit": r"\bblind(?:arbeit|leistung|strom|energie)\w*|\breactive (?:power|energy)"
        r"\b|\bkvarh?\b",
    }.items()
}


def missing_commodities(question: str, texts: Sequence[str]) -> list[str]:
    """Energy carriers and quantities the asking part names (:data:`_COMMODITIES`: gas, district
    heating, heating oil, reactive energy …) that no passage mentions, as the question words
    them ("Gaspreis")."""
    asked = asking_part(question)
    missing = []
    for pattern in _COMMODITIES.values():
        match = pattern.search(asked)
        if match and not any(pattern.search(t) for t in texts):
            missing.append(match.group(0))
    return missing


_YEAR = re.compile(r"(?<![\d.,])((?:19|20)\d\d)(?![\d,]|\.\d)")


def missing_year_attributes(question: str, texts: Sequence[str]) -> list[str]:
    """Attributes asked for a year ("der Leistungspreis 2025") that the passages state with a
    figure only for other years: every line or sentence that names the attribute beside a
    figure names it together with a year ("Leistungspreis 2026 …: 118,64 €/kW", the year
    within three words of the attribute's word), none with the year asked, and no table row
    under a heading with the attribute is labelled with it. The model answered with the other
    year's figure. Conservative: one stating line without a year of its own keeps the
    question (a 2025 FAQ's "Grundpreis: 9,90 €" may be the year asked)."""
    asked = without_false_friends(asking_part(question))
    years = set(_YEAR.findall(asked))
    if len(years) != 1:
        return []
    year = years.pop()
    parts = [p for t in texts for p in _LINE_OR_SENTENCE.split(t) if _FIGURE.search(p)]
    missing = []
    named = {group: term for _, term, group in reversed(asked_attributes(asked))}
    for group, word in named.items():
        if given_value(asked, word):
            continue
        stating = [p for p in parts if any(contains_term(p.casefold(), t) for t in group)]
        stated_years = [_years_beside(p, group) for p in stating]
        rows = _rows_under(texts, group)  # "Jan 2025 | 68.420" under "Monat | Verbrauch"
        if (
            stating
            and all(stated_years)
            and not any(year in y for y in stated_years)
            and not any(year in _YEAR.findall(r) for r in rows)
        ):
            missing.append(f"{word} {year}")
    return missing


def _years_beside(part: str, group: frozenset[str]) -> set[str]:
    """The years written within three words of a term of ``group`` in ``part``."""
    words = part.casefold().split()
    found: set[str] = set()
    for i, w in enumerate(words):
        if any(contains_term(w, t) for t in group if " " not in t):
            near = " ".join(words[max(0, i - 3) : i + 4])
            found |= set(_YEAR.findall(near))
    return found


_FIGURE = re.compile(r"\d(?:[\d.,]*\d)?\s?(?:kWh|MWh|kW|MW|€|EUR|ct|%|m³|°C)", re.IGNORECASE)
_MONTH_YEAR = re.compile(rf"\b({'|'.join(MONTHS_DE + MONTHS_EN)})\s+((?:19|20)\d{{2}})\b", re.I)


def missing_months(question: str, texts: Sequence[str]) -> list[str]:
    """Months of a year the question names ("im Juli 2026") that no passage covers: by the
    month's name in either language, or by a date in it ("17.07.2026", "2026-07-17"), where
    the passages go by months of that year (name another one with the year). A table of
    January to June answers nothing about July, yet its neighbouring rows invite the model to
    answer anyway."""
    haystack = " ".join(texts).casefold()
    covered = {(month_number(m.group(1)), m.group(2)) for m in _MONTH_YEAR.finditer(haystack)}
    rows = _table_months(texts)
    missing = []
    for match in _MONTH_YEAR.finditer(question):
        month, year = month_number(match.group(1)), match.group(2)
        if month is None or not any(y == year and m != month for m, y in covered | rows):
            continue  # no passage goes by the months of that year: the month is the question's
            # context ("40 kWh im Januar 2026 laden" under a 2026 tariff), not a gap
        if (month, year) in rows:
            continue  # a table row of the month ("Okt 2025 | …")
        names = {MONTHS_DE[month - 1].casefold(), MONTHS_EN[month - 1].casefold()}
        if any(y == year for _, y in rows):
            # a monthly table of that year without the month's row: prose that names the
            # month or a date in it without a figure ("Dezember 2025 fehlt noch", "Stand:
            # 04.12.2025") answers no figure of it
            searched = " ".join(_figure_sentences(texts))
        else:
            searched = haystack
        named = any(re.search(rf"\b{name}\b", searched) for name in names)
        dated = re.search(
            rf"\b\d{{1,2}}\.\s?0?{month}\.\s?{year}\b|\b{year}-{month:02d}\b", searched
        )
        if not named and not dated:
            missing.append(match.group(0))
    return missing


def _rows_under(texts: Sequence[str], group: frozenset[str]) -> list[str]:
    """The rows of the pipe tables whose heading row names a term of ``group``: each row
    states the attribute for what its label names ("Jan 2025 | 68.420" under "Monat |
    Verbrauch kWh")."""
    rows: list[str] = []
    for text in texts:
        heading: str | None = None
        for line in text.split("\n"):
            if "|" not in line:
                heading = None
            elif heading is None:
                heading = line
            elif any(contains_term(heading.casefold(), t) for t in group):
                rows.append(line)
    return rows


def _table_months(texts: Sequence[str]) -> set[tuple[int, str]]:
    """(month, year) of every table row labelled with a month of a year ("Nov 2025 | …")."""
    found = set()
    for text in texts:
        for line in text.split("\n"):
            if "|" in line:
                label = row_month(line.split("|", 1)[0])
                if label is not None and label[1] is not None:
                    found.add((label[0], str(label[1])))
    return found


def _figure_sentences(texts: Sequence[str]) -> list[str]:
    """The sentences and table rows of ``texts`` that state a figure with a unit, casefolded."""
    parts = [p for text in texts for p in _LINE_OR_SENTENCE.split(text)]
    return [p.casefold() for p in parts if _FIGURE.search(p)]


def refusal(language: Language, unmentioned: Iterable[str] = ()) -> str:
    """The refusal sentence, naming what the documents do not mention, if anything."""
    names = [f"„{n}“" if language == "de" else f'"{n}"' for n in unmentioned]
    text = REFUSAL_TEXT[language]
    return text + _UNMENTIONED_TEXT[language].format(names=", ".join(names)) if names else text
