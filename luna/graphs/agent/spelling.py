"""The rules' keywords read through everyday misspellings ("Whcih single hour", "consumtion").

The rules match messages with keyword patterns; a customer types fast. A word of five letters
or more that is no German or English word (by wordfreq's word lists) and that no pattern knows,
one edit (insertion, deletion, substitution or swap of two neighbours) away from exactly one
keyword the patterns write out, is read as that keyword. Real words stay as written ("Leitung"
is no misspelt "Leistung"), and so do words that begin a keyword or that a keyword begins
("Stunden", "verbrauchte"): inflections. Shorter words are too ambiguous to correct.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from types import ModuleType

from wordfreq import zipf_frequency

_MIN_LENGTH = 5
# A word this frequent (Zipf scale: 2 is about once per 10 million words) in German or English
# is a word of its own; typos score below ("whcih" 1.4, "verbauch" 1.1, "consumtion" 0).
_KNOWN_ZIPF = 2.0
_WORD = re.compile(r"[^\W\d_]+")


def edits(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, swaps."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def keywords(modules: Iterable[ModuleType]) -> frozenset[str]:
    """The words of five letters or more that the modules' compiled patterns write out."""
    words: set[str] = set()
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                literal = re.sub(r"\\.", " ", value.pattern).casefold()
                words.update(w for w in _WORD.findall(literal) if len(w) >= _MIN_LENGTH)
    return frozenset(words)


@lru_cache(maxsize=4096)
def is_word(folded: str) -> bool:
    """Whether a casefolded word is a German or English word (not a typo)."""
    return max(zipf_frequency(folded, "de"), zipf_frequency(folded, "en")) >= _KNOWN_ZIPF


def _spelt(word: str, vocabulary: frozenset[str]) -> str:
    folded = word.casefold()
    if len(folded) < _MIN_LENGTH or folded in vocabulary or is_word(folded):
        return word
    if any(folded.startswith(k) or k.startswith(folded) for k in vocabulary):
        return word
    near = [k for k in vocabulary if abs(len(k) - len(folded)) <= 1 and edits(folded, k) == 1]
    return near[0] if len(near) == 1 else word


def with_keywords_spelt(text: str, vocabulary: frozenset[str]) -> str:
    """``text`` with each misspelt keyword written as the keyword (see the module)."""
    return _WORD.sub(lambda m: _spelt(m.group(), vocabulary), text)
