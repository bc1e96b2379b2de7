"""German ↔ English word translations for cross-language keyword search.

A German question about an English policy ("Frist", "Geschäftsführung", "melden") shares no
word with the passage that answers it ("within 2 working days … Managing Director"), and a
hand-written domain lexicon only knows the words someone thought of. The dictionary is the
Ding German–English dictionary (Debian/Ubuntu package ``trans-de-en``, about 200,000
entries, installed by ``make setup`` and the container image); where it is missing, Luna
falls back to its domain lexicon alone and says so once in the log.

Ding lines read ``German :: English``; `` | `` separates aligned sub-entries (inflections,
phrases), ``; `` synonyms, and ``{f}``, ``[techn.]``, ``(…)`` annotate. Only single-word
headwords are indexed, each with its first few translations: senses tagged with a technical,
economic or legal subject first, those of unrelated subjects (birds, anatomy, cooking …)
last; compounds the dictionary lacks ("Spitzenlastlimits") are split into known parts
("Spitzenlast" + "Limit"). Parsing takes seconds, so the parsed tables are cached next to the
model cache (``~/.cache/luna/dictionary``), keyed by the dictionary file's size and time, and
shared by every runtime of a process.
"""

from __future__ import annotations

import functools
import logging
import os
import pickle
import re
from collections.abc import Iterable
from pathlib import Path

from luna.core.language import Language

log = logging.getLogger(__name__)

DEFAULT_PATH = Path("/usr/share/trans/de-en")
MAX_TRANSLATIONS = 6  # per word: the first senses; later ones are rarer and add noise
_ANNOTATION = re.compile(
    r"\{[^}]*\}|\[[^\]]*\]|\([^)]*\)|/[^/]*/|<[^>]*>|"
    r"(?<!\w)(?:sb\./sth\.|sth\./sb\.|sb\.|sth\.|jdm\.|jdn\.|jds\.|etw\.)(?!\w)"
)
_WORD = re.compile(r"^[^\W\d_][\w-]*$")
_SUFFIXES_DE = ("es", "en", "er", "em", "ns", "s", "n", "e")
_SUFFIXES_EN = ("ies", "es", "s")
_TEXT_WORD = re.compile(r"[^\W\d_]{3,}")
_MIN_PART = 4  # shortest compound part looked up on its own
_TAG = re.compile(r"\[([a-z]+)\.?\]")
_RELEVANT = frozenset(
    [
        "techn",
        "electr",
        "econ",
        "fin",
        "adm",
        "jur",
        "constr",
        "mach",
        "phys",
        "envir",
        "telco",
        "comp",
        "transp",
        "statist",
    ]
)
_UNRELATED = frozenset(
    [
        "ornith",
        "med",
        "chem",
        "bot",
        "zool",
        "cook",
        "anat",
        "textil",
        "mus",
        "geol",
        "biol",
        "relig",
        "ling",
        "naut",
        "aviat",
        "psych",
        "lit",
        "biochem",
        "pharm",
        "poet",
        "astron",
        "min",
        "mil",
        "hist",
        "agr",
        "sport",
    ]
)
Tables = tuple[dict[str, list[str]], dict[str, list[str]]]


def _rank(line: str) -> int:
    tags = set(_TAG.findall(line))
    return 0 if tags & _RELEVANT else 2 if tags & _UNRELATED else 1


def _variants(side: str) -> list[str]:
    cleaned = (" ".join(_ANNOTATION.sub(" ", v).split()).strip(" /,.") for v in side.split(";"))
    return [v.removeprefix("to ") for v in cleaned if v and "…" not in v and "..." not in v]


def parse(lines: Iterable[str]) -> Tables:
    """German → English and English → German maps of Ding lines (single-word keys as written:
    "Melden" and "melden" differ)."""
    senses: tuple[dict[str, list[tuple[int, int, int, str]]], ...] = ({}, {})
    for number, line in enumerate(lines):
        if line.startswith("#") or " :: " not in line:
            continue
        rank = _rank(line)
        german, english = line.rstrip("\n").split(" :: ", 1)
        for de, en in zip(german.split(" | "), english.split(" | "), strict=False):
            de_words, en_words = _variants(de), _variants(en)
            pairs = ((de_words, en_words, senses[0]), (en_words, de_words, senses[1]))
            for source, targets, table in pairs:
                for word in source:
                    if _WORD.match(word):
                        found = table.setdefault(word, [])
                        found += [
                            (rank, number, i, t)
                            for i, t in enumerate(targets)
                            if len(t.split()) <= 3
                        ]
    maps: Tables = ({}, {})
    for table, out in zip(senses, maps, strict=True):
        for word, found in table.items():
            ordered = [t for *_, t in sorted(found)]
            out[word] = list(dict.fromkeys(ordered))[:MAX_TRANSLATIONS]
    return maps


class Dictionary:
    """Translations of single words between German and English."""

    def __init__(self, de_en: dict[str, list[str]], en_de: dict[str, list[str]]) -> None:
        self._tables: dict[Language, dict[str, list[str]]] = {"de": de_en, "en": en_de}

    @classmethod
    def shared(cls, path: Path = DEFAULT_PATH, cache_dir: Path | None = None) -> Dictionary | None:
        """``load``, once per process for each path (the tables take ~110 MB)."""
        return _shared(path, cache_dir)

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH, cache_dir: Path | None = None) -> Dictionary | None:
        """The dictionary at ``path`` (parsed tables cached in ``cache_dir``), or None (logged)
        when there is none."""
        if not path.is_file():
            log.warning(
                "no German-English dictionary at %s (install Debian's trans-de-en): "
                "cross-language keyword search uses the domain lexicon only",
                path,
            )
            return None
        stat = path.stat()
        cached = (
            cache_dir / f"dictionary-{stat.st_size}-{int(stat.st_mtime)}.pickle"
            if cache_dir is not None
            else None
        )
        if cached is not None and cached.is_file():
            with cached.open("rb") as stream:
                return cls(*pickle.load(stream))  # noqa: S301 - Luna's own cache file
        with path.open(encoding="utf-8", errors="replace") as lines:
            tables = parse(lines)
        if cached is not None:
            try:
                cached.parent.mkdir(parents=True, exist_ok=True)
                partial = cached.with_suffix(f".{os.getpid()}.partial")
                with partial.open("wb") as stream:
                    pickle.dump(tables, stream, protocol=pickle.HIGHEST_PROTOCOL)
                partial.replace(cached)
            except OSError as exc:  # a read-only home: parse again next time
                log.warning("could not cache the parsed dictionary in %s: %s", cached, exc)
        return cls(*tables)

    def knows(self, word: str, language: Language) -> bool:
        """Whether ``word`` (as written, capitalised or in lower case) is a ``language``
        headword."""
        table = self._tables[language]
        return any(form in table for form in (word, word.capitalize(), word.lower()))

    def language(self, text: str) -> Language:
        """German or English, by the words only one of the two knows (table rows and headings
        have too few function words for ``guess_language``); a tie counts as German."""
        german = english = 0
        for word in _TEXT_WORD.findall(text):
            de, en = self.knows(word, "de"), self.knows(word, "en")
            german += de and not en
            english += en and not de
        return "en" if english > german else "de"

    def translate(self, word: str, source: Language) -> list[str]:
        """``word``'s translations from ``source`` into the other language: the word as
        written, capitalised or in lower case, then without an inflection ending, then as a
        compound of known parts."""
        table = self._tables[source]
        for form in dict.fromkeys([word, word.capitalize(), word.lower()]):
            for stem in self._stems(form, source):
                if stem in table:
                    return list(table[stem])
        if source == "de":
            return self._compound(word.lower(), table)
        return []

    @staticmethod
    def _stems(word: str, source: Language) -> list[str]:
        suffixes = _SUFFIXES_DE if source == "de" else _SUFFIXES_EN
        stems = [word] + [word[: -len(s)] for s in suffixes if word.endswith(s)]
        if source == "en" and word.endswith("ies"):
            stems.append(word[:-3] + "y")
        return [s for s in stems if len(s) >= 3]

    def _compound(self, word: str, table: dict[str, list[str]]) -> list[str]:
        """A German compound as a known modifier and the longest known head ("spitzenlast
        limits" → peak load + limit), allowing a linking "s" and an inflection ending."""
        for cut in range(_MIN_PART, len(word) - _MIN_PART + 1):
            head, tail = word[:cut], word[cut:]
            tails = [
                s for t in (tail.capitalize(), tail) for s in self._stems(t, "de") if s in table
            ]
            heads = [
                h
                for w in (head.capitalize(), head)
                for h in (w, w.removesuffix("s"))
                if len(h) >= _MIN_PART and h in table
            ]
            if heads and tails:
                return table[heads[0]][:3] + table[tails[0]][:3]
        return []


@functools.cache
def _shared(path: Path, cache_dir: Path | None) -> Dictionary | None:
    return Dictionary.load(path, cache_dir)
