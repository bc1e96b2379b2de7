"""Named specifics a question asks about that the passages never mention.

A question about "Luna Store 15" or feed-in rates "for 2021" cannot be answered from passages
that describe only the Luna Store 10 or 2025 rates, yet a small model answers it anyway with
the neighbouring figure. Model designations (a capitalised word and a number: "Store 15",
"LW 9", "Modul 3") and years named in the question must therefore occur in the retrieved
text; the check refuses before any model call when one does not. Spacing and hyphens are
ignored ("LW9" = "LW 9"); page and section references and hyphenated compounds
("SG-Ready-Zustand 1") are not designations.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from luna.core.language import Language

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
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_DESIGNATION = re.compile(r"(?<![\w-])([A-ZÄÖÜ][^\W\d_]*)\s+(\d{1,4}[a-z]?)(?![\w,.]\d|\w)")
_NOT_NAME_WORDS = (
    "januar februar märz april mai juni juli august september oktober november dezember "
    "january february march may june july october december "
    "seite page abschnitt section kapitel chapter tabelle table punkt nummer nr no "
    "am im um ab bis seit nach vor von bei für in an at on by from until to"
)
_NOT_NAMES = frozenset(_NOT_NAME_WORDS.split())


def _pattern(name: str) -> re.Pattern[str]:
    """``name`` in casefolded text: a year as a number, a designation with any spacing."""
    if _YEAR.fullmatch(name):
        return re.compile(rf"(?<!\d){name}(?!\d)")
    word, number = name.rsplit(" ", 1)
    return re.compile(rf"(?<!\w){re.escape(word.casefold())}[\s-]*{re.escape(number)}(?!\w)")


def named_specifics(question: str) -> list[str]:
    """Designations and years the question names, in order of appearance."""
    found: dict[int, str] = {m.start(): m.group() for m in _YEAR.finditer(question)}
    for m in _DESIGNATION.finditer(question):
        word, number = m.groups()
        if word.casefold() not in _NOT_NAMES and not _YEAR.fullmatch(number):
            found[m.start()] = f"{word} {number}"
    return [found[k] for k in sorted(found)]


def missing_specifics(question: str, texts: Iterable[str]) -> list[str]:
    """The question's named specifics that occur in none of ``texts``."""
    haystack = " ".join(texts).casefold()
    return [name for name in named_specifics(question) if not _pattern(name).search(haystack)]


def refusal(language: Language, unmentioned: Iterable[str] = ()) -> str:
    """The refusal sentence, naming what the documents do not mention, if anything."""
    names = [f"„{n}“" if language == "de" else f'"{n}"' for n in unmentioned]
    text = REFUSAL_TEXT[language]
    return text + _UNMENTIONED_TEXT[language].format(names=", ".join(names)) if names else text
