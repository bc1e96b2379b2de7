"""When passages disagree, the newest valid source wins; the older statement is named, not used.

A small model quotes whichever passage it reads first, so last year's FAQ ("Grundpreis
12,90 €") beats this year's price sheet ("Grundpreis 14,90 €") half the time. Here, before
the prompt is built:

* passages of an older version of the same document (``luna.retrieval.versions``: same title
  once years, versions and dates are removed, "Energy Policy v1" / "Energy Policy v2") are
  dropped when the current version is among the passages (retrieval adds it);
* a figure stated for the same attribute (lexicon concept) and unit in an older document and,
  differently, in a newer one about the same subject (their titles share a distinctive word)
  is a conflict: the older sentence is removed from the prompt text
  and recorded, so the answer can say which older statement the current figure supersedes.

Dates come from the items' validity (``valid_from``, extracted at ingest, correctable by the
admin); undated passages never supersede and are never superseded. A question that names an
older source's own year or version ("from the 2025 FAQ to the 2026 price sheet", "what did
Version 1.0 say") asks about that source itself: it is kept whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from luna.core.language import Language
from luna.retrieval.lexicon import attribute_groups, contains_term
from luna.retrieval.queries import same_product

# What an older document's sentence that a newer one contradicts becomes in the prompt.
SUPERSEDED = "[superseded by a newer source]"

_VALUE = re.compile(
    r"(?<![\w.,])(\d{1,7}(?:[.,]\d{1,4})?)\s*(ct/kwh|cent/kwh|€/kwh|eur/kwh|€/monat|€/month|"
    r"€/jahr|€/year|€|eur|euro|kwh|kw|%)(?!\w)",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.!?\n]*(?:[.!?](?!\d)|\n|$)")


@dataclass(frozen=True)
class Statement:
    concept: int  # index into the lexicon's attribute groups
    value: str  # canonical: decimal point
    written: str  # as the document writes it
    unit: str  # casefolded
    sentence: str


@dataclass(frozen=True)
class Supersession:
    """An older passage's figure that a newer passage states differently."""

    old_n: int
    new_n: int
    old_title: str
    new_title: str
    new_valid_from: str
    old_value: str
    new_value: str
    unit: str
    sentence: str

    def note(self, language: Language) -> str:
        """The sentence that names the superseded statement in the answer."""
        when = _display_date(self.new_valid_from, language)
        if language == "de":
            return (
                f"Hinweis: „{self.old_title}“ nennt noch {self.old_value} {self.unit}; "
                f"das ist durch „{self.new_title}“ (gültig ab {when}) überholt [{self.new_n}]."
            )
        return (
            f'Note: "{self.old_title}" still states {self.old_value} {self.unit}; this is '
            f'superseded by "{self.new_title}" (valid from {when}) [{self.new_n}].'
        )


def _display_date(iso: str, language: Language) -> str:
    day = date.fromisoformat(iso)
    return f"{day:%d.%m.%Y}" if language == "de" else day.isoformat()


_TITLE_WORD = re.compile(r"[^\W\d_]{5,}")
_GENERIC_TITLE_WORDS = frozenset(
    [
        "häufige",
        "fragen",
        "questions",
        "frequently",
        "asked",
        "hinweise",
        "notes",
        "information",
        "informationen",
        "dokument",
        "document",
        "seite",
        "page",
    ]
)


def same_subject(title_a: str, title_b: str) -> bool:
    """Whether two documents are about the same thing: their titles share a distinctive word
    ("LindenStrom Dynamik" in an FAQ and a price sheet). A battery manual's "peak shaving
    100 kW" does not contradict a site policy's "peak-load limit 190 kW"."""
    words_a = {w.casefold() for w in _TITLE_WORD.findall(title_a)} - _GENERIC_TITLE_WORDS
    words_b = {w.casefold() for w in _TITLE_WORD.findall(title_b)} - _GENERIC_TITLE_WORDS
    return bool(words_a & words_b)


def statements(text: str) -> list[Statement]:
    """Figures with units in ``text``, each tied to the attribute named closest before it in
    its sentence (or, failing that, after it)."""
    groups = attribute_groups()
    found: list[Statement] = []
    for match in _SENTENCE.finditer(text):
        sentence = match.group(0)
        lowered = sentence.casefold()
        mentions = sorted(
            (at, index)
            for index, group in enumerate(groups)
            for term in group
            if contains_term(lowered, term)
            for at in [lowered.find(term)]
            if at >= 0
        )
        if not mentions:
            continue
        for value in _VALUE.finditer(sentence):
            before = [index for at, index in mentions if at < value.start()]
            concept = before[-1] if before else mentions[0][1]
            number = value.group(1).replace(".", "").replace(",", ".")
            if "," not in value.group(1) and "." in value.group(1):
                number = value.group(1)  # an English decimal point
            found.append(
                Statement(
                    concept, number, value.group(1), value.group(2).casefold(), sentence.strip()
                )
            )
    return found


def asked_for(question: str, source: dict[str, Any]) -> bool:
    """Whether ``question`` names ``source``'s own year (of its validity) or version."""
    year = str(source.get("valid_from") or "")[:4]
    if year and re.search(rf"(?<!\d){year}(?!\d)", question):
        return True
    version = str(source.get("version") or "").removesuffix(".0")
    return bool(version) and bool(
        re.search(
            rf"\b(?:version|fassung|v\.?)\s*{re.escape(version)}(?:\.0)?(?![\d.]\d)",
            question,
            re.IGNORECASE,
        )
    )


def in_force_on(sources: Sequence[dict[str, Any]], day: date) -> list[dict[str, Any]]:
    """The passages less those of a version not in force on ``day``: a newer version valid
    only from a later day, an older one whose successor among ``sources`` was valid on it.
    Documents of no version chain stay, whatever their date (a note of March 2025 about
    December 2024): "December 2024's bill" is priced by the 2024 price sheet, the 2025 one
    took over only in January."""

    def starts(source: dict[str, Any]) -> date | None:
        written = source.get("valid_from")
        return date.fromisoformat(str(written)[:10]) if written else None

    successors = {str(s["item_id"]): starts(s) for s in sources if s.get("item_id")}
    successor_ids = {str(s.get("superseded_by")) for s in sources if s.get("superseded_by")}
    kept = []
    for source in sources:
        start = starts(source)
        successor = successors.get(str(source.get("superseded_by")))
        not_yet = str(source.get("item_id")) in successor_ids and start is not None and start > day
        if not not_yet and (successor is None or successor > day):
            kept.append(source)
    return kept


def supersede(
    sources: list[dict[str, Any]], question: str = ""
) -> tuple[list[dict[str, Any]], list[Supersession]]:
    """The passages for the prompt (older versions dropped, conflicting older sentences
    removed from ``text``, unless ``question`` asks for the older source by its year or
    version; those are marked ``asked``) and the supersessions found. The input is not
    modified."""
    asked = {s["n"] for s in sources if question and asked_for(question, s)}
    dated = [s for s in sources if s.get("valid_from")]
    present = {s["item_id"] for s in sources}
    kept = [s for s in sources if s.get("superseded_by") not in present or s["n"] in asked]
    found: list[Supersession] = []
    removed: dict[int, set[str]] = {}
    by_source = {s["n"]: statements(s["text"]) for s in dated}
    for old in dated:
        if old["n"] in asked:
            continue
        for new in dated:
            if new["valid_from"] <= old["valid_from"] or new["item_id"] == old["item_id"]:
                continue
            if not same_subject(old["title"], new["title"]):
                continue
            for before in by_source[old["n"]]:
                now = next(
                    (
                        st
                        for st in by_source[new["n"]]
                        if st.concept == before.concept
                        and st.unit == before.unit
                        and same_product(st.sentence, before.sentence)
                    ),
                    None,
                )
                if now is None or now.value == before.value:
                    continue
                found.append(
                    Supersession(
                        old_n=old["n"],
                        new_n=new["n"],
                        old_title=old["title"],
                        new_title=new["title"],
                        new_valid_from=new["valid_from"],
                        old_value=before.written,
                        new_value=now.written,
                        unit=before.unit,
                        sentence=before.sentence,
                    )
                )
                removed.setdefault(old["n"], set()).add(before.sentence)
    prompt_sources = []
    for source in kept:
        text = source["text"]
        for sentence in removed.get(source["n"], ()):
            text = text.replace(sentence, SUPERSEDED)
        prompt_sources.append(
            source | {"text": text} | ({"asked": True} if source["n"] in asked else {})
        )
    return prompt_sources, _unique(found)


def _unique(found: list[Supersession]) -> list[Supersession]:
    seen: set[tuple[int, str, str]] = set()
    unique = []
    for item in found:
        key = (item.old_n, item.old_value, item.unit)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique
