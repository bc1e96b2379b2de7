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
from luna.retrieval.designations import mentioned, named_specifics
from luna.retrieval.lexicon import attribute_groups, contains_term

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
_UNITS: dict[str, re.Pattern[str]] = {
    term: re.compile(_NUMBER + unit, re.IGNORECASE)
    for term, unit in {
        "leistung": r"[kM]?W(?![\w/h])",
        "spitzenlast": r"[kM]?W(?![\w/h])",
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


def _unit_pattern(group: frozenset[str]) -> re.Pattern[str] | None:
    return next((pattern for term, pattern in _UNITS.items() if term in group), None)


def missing_attributes(question: str, texts: Sequence[str]) -> list[str]:
    """Attributes the question asks for that no passage states (for the thing it names).

    Returned as the question's own word for the attribute ("Garantie"), to name in the
    refusal; with a named designation, as "Garantie (WP-9 S)"."""
    asked = question.casefold()
    folded = [t.casefold() for t in texts]
    things = [n for n in named_specifics(question) if not n.isdigit()]
    missing: list[str] = []
    for group in attribute_groups():
        word = next(
            (t for t in sorted(group, key=len, reverse=True) if contains_term(asked, t)), None
        )
        if word is None:
            continue
        unit = _unit_pattern(group)
        stating = [
            t
            for t in folded
            if any(contains_term(t, term) for term in group) or (unit and unit.search(t))
        ]
        if things:
            stating = [t for t in stating if all(mentioned(n, [t]) for n in things)]
        if not stating:
            missing.append(f"{word} ({', '.join(things)})" if things else word)
    return missing


def refusal(language: Language, unmentioned: Iterable[str] = ()) -> str:
    """The refusal sentence, naming what the documents do not mention, if anything."""
    names = [f"„{n}“" if language == "de" else f'"{n}"' for n in unmentioned]
    text = REFUSAL_TEXT[language]
    return text + _UNMENTIONED_TEXT[language].format(names=", ".join(names)) if names else text
