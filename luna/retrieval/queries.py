"""Extra search queries for questions one query cannot cover (multi-hop retrieval).

Two patterns, both deterministic:

* a multi-part question ("What does Modul 1 pay per year, and when does the high tariff
  apply?") is split into its parts, each searched on its own, so the second part's document is
  not crowded out by the first part's;
* a bridge question names a thing only by its role, in a relative clause or by where it is
  recorded ("the heat pump registered with the grid operator": its model is in the grid
  letter, its rating in the datasheet). The first search
  finds the letter; designations in its best passages that the question does not name
  ("WP-9 S") become the second hop's queries, which find the datasheet's row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

from luna.core.language import guess_language
from luna.core.stopwords import STOP_WORDS
from luna.retrieval.designations import designations, is_code
from luna.retrieval.dictionary import Dictionary
from luna.retrieval.lexicon import equivalents, translations
from luna.retrieval.periods import period_terms

_PART_SPLIT = re.compile(r"\?\s+|;\s+|,?\s+(?:und|and|sowie|as well as|plus)\s+", re.IGNORECASE)
_MIN_PART_WORDS = 4
MAX_BRIDGES = 2
_WORD = re.compile(r"[^\W_]+")
# A thing described by its role instead of its name: a relative clause ("die Wärmepumpe, die
# … angemeldet ist", "the heat pump that Seetal Netz confirmed") or a source it is known from.
_DESCRIBED = re.compile(
    r",\s*(die|der|das|den|dem|deren|dessen|welche[mnrs]?)\b|\b\w+\s+(that|which|whose)\s+\w+|"
    r"\b(laut|gemäß|according to|registered|confirmed|installed|angemeldet\w*|bestätigt\w*|"
    r"installiert\w*|verbaut\w*|eingebaut\w*)\b",
    re.IGNORECASE,
)
T = TypeVar("T")


def question_parts(question: str) -> list[str]:
    """The parts of a multi-part question (empty when it has one part)."""
    parts = [p.strip(" ?.,") for p in _PART_SPLIT.split(question)]
    parts = [p for p in parts if len(p.split()) >= _MIN_PART_WORDS]
    return parts if len(parts) > 1 else []


def bridge_queries(question: str, passages: Sequence[tuple[str, T]]) -> list[tuple[str, T]]:
    """Second-hop queries: code-like designations the best passages name and the question does
    not, each with the question's words that passage does not contain (the asked attribute,
    not the description that led to the passage), paired with the key of the passage it came
    from (the hop's answer lies in another document)."""
    if designations(question) or not _DESCRIBED.search(question):
        return []  # it names its thing, or describes nothing by a role: nothing to bridge to
    bridges: dict[str, tuple[str, T]] = {}
    for text, key in passages:
        for name in designations(text):
            if is_code(name):
                bridges.setdefault(name, (text, key))
    hops = []
    for name, (text, key) in list(bridges.items())[:MAX_BRIDGES]:
        seen = text.casefold()
        rest = [w for w in _WORD.findall(question) if len(w) > 3 and w.casefold() not in seen]
        hops.append((" ".join([name, *rest]), key))
    return hops


def translated_query(question: str, dictionary: Dictionary | None = None) -> str | None:
    """The question in the other language's words, for a second keyword search: each content
    word's dictionary translations ("Frist" → period, deadline …), the domain lexicon's
    terms for its things and attributes, designations ("Module 1" → "Modul 1") and periods as
    month names ("first quarter" → "Januar January Februar …"); None when there is nothing
    to add.

    A separate search, not words added to the question's: BM25 weighs every query term alike,
    so added words let bilingual documents outscore the one that answers. For the same reason
    only words of the other language go in (with a dictionary to tell them apart): the
    question's own language's synonyms would lift every passage of a same-language document.
    """
    language = guess_language(question)
    terms = translations(question)
    if dictionary is not None:
        terms = [t for t in terms if not dictionary.knows(t, language)]
        for word in _WORD.findall(question):
            if len(word) > 2 and not word.isdigit() and word.casefold() not in STOP_WORDS:
                terms += dictionary.translate(word, language)
    terms += period_terms(question)
    for name in designations(question):
        word, _, rest = name.replace("-", " ").partition(" ")
        terms += [
            f"{other} {rest}" for other in sorted(equivalents(word)) if other != word.casefold()
        ]
    return " ".join(dict.fromkeys(terms)) or None
