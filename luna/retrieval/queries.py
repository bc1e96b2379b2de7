"""Extra search queries for questions one query cannot cover (multi-hop retrieval).

Two patterns, both deterministic:

* a multi-part question ("What does Modul 1 pay per year, and when does the high tariff
  apply?") is split into its parts, each searched on its own, so the second part's document is
  not crowded out by the first part's;
* a bridge question names a thing only by its role ("the heat pump registered with the grid
  operator": its model is in the grid letter, its rating in the datasheet). The first search
  finds the letter; designations in its best passages that the question does not name
  ("WP-9 S") become the second hop's queries, which find the datasheet's row.
"""

from __future__ import annotations

import re

from luna.retrieval.designations import designations
from luna.retrieval.lexicon import equivalents, translations

_PART_SPLIT = re.compile(r"\?\s+|;\s+|,?\s+(?:und|and|sowie|as well as|plus)\s+", re.IGNORECASE)
_MIN_PART_WORDS = 4
MAX_BRIDGES = 2


def question_parts(question: str) -> list[str]:
    """The parts of a multi-part question (empty when it has one part)."""
    parts = [p.strip(" ?.,") for p in _PART_SPLIT.split(question)]
    parts = [p for p in parts if len(p.split()) >= _MIN_PART_WORDS]
    return parts if len(parts) > 1 else []


def bridge_queries(question: str, passages: list[str]) -> list[str]:
    """Second-hop queries: designations the best passages name and the question does not,
    each with the question's words (so the hop looks for the asked attribute of that thing)."""
    asked = {d.casefold() for d in designations(question)}
    bridges: list[str] = []
    for text in passages:
        for name in designations(text):
            if name.casefold() not in asked and name not in bridges:
                bridges.append(name)
    return [f"{name} {question}" for name in bridges[:MAX_BRIDGES]]


def translated_query(question: str) -> str | None:
    """The question's attributes and designations in the other language's words, for a second,
    lower-weighted keyword search ("Module 1 credit" → "Modul 1 …"); None when there are none.

    A separate search, not words added to the question's: BM25 weighs every query term alike,
    so added words let bilingual documents outscore the one that answers."""
    terms = translations(question)
    for name in designations(question):
        word, _, rest = name.replace("-", " ").partition(" ")
        terms += [
            f"{other} {rest}" for other in sorted(equivalents(word)) if other != word.casefold()
        ]
    return " ".join(terms) or None
