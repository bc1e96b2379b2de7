"""Whether a short user text is German or English, the two languages Luna answers in.

Questions are a handful of words, too short for statistical detectors to be reliable, but
German and English function words barely overlap: count them (and a few words of the
domain's answers, "Verbrauch"/"consumption", "letzte Woche"/"last week"), with umlauts and ß
as German evidence; "was" is both ("Was kostet …", "… was 18 kWh") and counts for neither.
A tie (no marker at all) counts as German, the language of the home market.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

Language = Literal["de", "en"]

_GERMAN_WORDS = (
    "der die das den dem des ein eine einen einem einer und oder ist sind wird werden wie "
    "wann wo wer welche welcher welches warum wieviel viel viele ich mein meine mir mich "
    "wir uns sie es nicht kein keine mit von für bei auf im zum zur aus nach über unter vom "
    "kann darf muss soll gibt habe hat haben bekomme bekommt hoch lange bis ab auch noch nur "
    "dann wenn heute gestern morgen hallo danke bitte als dieser diese dieses letzte letzten "
    "letzter vorgestern woche wochen tag tage monat jahr strom verbrauch erzeugung preis höchste"
)
_ENGLISH_WORDS = (
    "the a an and or is are were will be what when where who which why how much many i my "
    "me we our you your it its not no with of for at on in from to by can may must should does "
    "do did has have get gets long until today yesterday tomorrow hello hi thanks please than "
    "this that these those about last week weeks day days month year electricity consumption "
    "production price highest"
)
_GERMAN = frozenset(_GERMAN_WORDS.split())
_ENGLISH = frozenset(_ENGLISH_WORDS.split())
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def detect_language(text: str) -> Language | None:
    """German or English by its markers; None when it has none or as many of each."""
    words = [w.casefold() for w in _WORD.findall(text)]
    german = sum(w in _GERMAN for w in words) + sum(ch in "äöüß" for ch in text.casefold())
    english = sum(w in _ENGLISH for w in words)
    if german == english:
        return None
    return "en" if english > german else "de"


def guess_language(text: str) -> Language:
    return detect_language(text) or "de"


def conversation_language(question: str, earlier_questions: Sequence[str]) -> Language:
    """The question's language, or for one without markers ("M-002?") the language of the
    latest earlier question that has them: a follow-up keeps the thread's language."""
    for text in [question, *reversed(earlier_questions)]:
        found = detect_language(text)
        if found is not None:
            return found
    return "de"
