"""From which date, and in which version, a document's content applies — read from its wording.

Customers keep last year's FAQ beside this year's and superseded policy versions beside the
current one; retrieval needs each item's date to prefer the current one. Only dates that follow
a cue count (:mod:`luna.ingest.validity_patterns`), and only where such cues live: the first
elements, short closing elements (footers), revision histories and titles. Precedence, most
specific first: an explicit valid-from date, the latest row of a revision history, a dated
version ("Version 2 vom …"), "Stand"/"as of", a letter's date — in the head, then in the footer
— and last a year in the title ("FAQ 2025").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from luna.ingest import validity_patterns as p
from luna.ingest.model import ParsedDocument

ValidityKind = Literal["valid_from", "revision", "as_of", "letter_date", "year", "version"]
"""What the date is: ``version`` means only a version was found, no date."""

HEAD_ELEMENTS = 8
HEAD_CHARS = 2_500
"""The start of a document searched for cues: its first elements, up to this many characters."""
TAIL_ELEMENTS = 2
FOOTER_MAX_CHARS = 160
"""Closing elements up to this length are read as footers ("Stand 03/2026 · Version 2.1")."""
EVIDENCE_MAX_CHARS = 300
TITLE_LINE_MAX_CHARS = 120


@dataclass(frozen=True, slots=True)
class Validity:
    """The date from which a document's content applies, its version, and where both came from.

    ``valid_from`` falls back to the "Stand", letter or title-year date when the document names
    no explicit valid-from date; ``kind`` says which it was (``None``: nothing found). Month-only
    dates are the 1st, years the 1st of January.
    """

    valid_from: date | None = None
    version: str | None = None
    kind: ValidityKind | None = None
    evidence: str | None = None
    supersedes: str | None = None


@dataclass(frozen=True, slots=True)
class _Found:
    kind: ValidityKind
    when: date | None
    version: str | None
    evidence: str


def _ungroup(pattern: str) -> str:
    return re.sub(r"\(\?P<\w+>", "(?:", pattern)


_I = re.IGNORECASE
_FORMATS = tuple(re.compile(f, _I) for f in p.DATE_FORMATS)
ANY_DATE = r"(?<!\d)(?:{})(?!\d)".format("|".join(_ungroup(f) for f in p.DATE_FORMATS))
_ANY_DATE = re.compile(ANY_DATE, _I)


def _cue_pattern(cues: Iterable[str]) -> re.Pattern[str]:
    return re.compile(rf"(?:{'|'.join(cues)}){p.CUE_GAP}(?P<date>{ANY_DATE})", _I)


_VALID_FROM = _cue_pattern(p.VALID_FROM_CUES)
_AS_OF = _cue_pattern(p.AS_OF_CUES)
_LETTER_FIELD = re.compile(
    rf"(?-i:{'|'.join(p.LETTER_DATE_CUES)}){p.CUE_GAP}(?P<date>{ANY_DATE})", _I
)
_LETTER_PLACE = re.compile(p.LETTER_PLACE_LINE.replace("{date}", ANY_DATE), _I)
_VERSIONS = tuple(re.compile(v, _I) for v in p.VERSION_PATTERNS)
_DATED_VERSIONS = tuple(
    re.compile(rf"{v}{p.VERSION_DATED_GAP}(?P<date>{ANY_DATE})", _I) for v in p.VERSION_PATTERNS
)
_SUPERSEDES = re.compile(rf"(?:{'|'.join(p.SUPERSEDES_CUES)})\s+(?P<ref>[^\n;]{{1,200}})", _I)
_SUPERSEDES_ARTICLES = re.compile(p.SUPERSEDES_ARTICLES, _I)
_YEARS = tuple(re.compile(y, _I) for y in p.YEAR_PATTERNS)
_TITLE_END_YEAR = re.compile(p.TITLE_END_YEAR, _I)
_HISTORY = re.compile(p.HISTORY_HEADING, _I)
_HISTORY_VERSION = re.compile(p.HISTORY_VERSION_HEADER, _I)
_HISTORY_VALID_FROM = re.compile(p.HISTORY_VALID_FROM_HEADER, _I)
_HISTORY_DATE = re.compile(p.HISTORY_DATE_HEADER, _I)
_HISTORY_CELL = re.compile(p.HISTORY_VERSION_CELL, _I)
_HISTORY_LINE = re.compile(r"^\s*(?:v|Version\s*|Rev\.?\s*)?(?P<version>\d+(?:\.\d+){0,3})\b", _I)
_WORD_BEFORE = re.compile(r"([^\W\d_]+)[\W_]*$")


def parse_date(text: str) -> date | None:
    """A date in one of :data:`~luna.ingest.validity_patterns.DATE_FORMATS`, else ``None``."""
    for fmt in _FORMATS:
        match = fmt.fullmatch(text.strip())
        if match is not None:
            return _to_date(match)
    return None


def _to_date(match: re.Match[str]) -> date | None:
    parts = match.groupdict()
    year = int(parts["year"])
    year += 2000 if year < 100 else 0
    name = parts.get("month_name")
    month = p.MONTHS.get(name.lower().rstrip(".")) if name else int(parts["month"])
    if month is None or not p.EARLIEST_YEAR <= year <= p.LATEST_YEAR:
        return None
    try:
        return date(year, month, int(parts.get("day") or 1))
    except ValueError:  # 31.02., month 13
        return None


def extract_validity(document: ParsedDocument) -> Validity:
    """The validity a document states about itself; all fields ``None`` if it states none.

    The start of the document speaks first: a footer is only read when the start names no
    date, so a short closing sentence ("… gilt ab 01.08.2025 …") cannot outrank the header.
    """
    head = _head(document)
    supersedes, texts = _take_supersedes([*(text for _, text in head), *_tail(document, len(head))])
    head_texts, tail_texts = texts[: len(head)], texts[len(head) :]
    history = _revision_history(document)
    found = (
        _stated(head_texts, history)
        or _stated(tail_texts, None)
        or _year(document, [text for kind, text in head if kind == "title"], head_texts)
    )
    versioned = (
        history
        or _first_of(texts, _DATED_VERSIONS, "revision")
        or _first_of(texts, _VERSIONS, "version")
    )
    if found is None and versioned is None:
        return Validity(supersedes=supersedes)
    evidence = [f.evidence for f in (found, versioned) if f is not None]
    if len(evidence) == 2 and evidence[1] in evidence[0]:
        evidence.pop()
    return Validity(
        valid_from=found.when if found else None,
        version=versioned.version if versioned else None,
        kind=found.kind if found else "version",
        evidence=" · ".join(evidence)[:EVIDENCE_MAX_CHARS],
        supersedes=supersedes,
    )


def _stated(texts: Sequence[str], history: _Found | None) -> _Found | None:
    """The most specific dated cue in ``texts``, with a revision history ranked second."""
    return (
        _first(texts, _VALID_FROM, "valid_from")
        or history
        or _first_of(texts, _DATED_VERSIONS, "revision")
        or _first(texts, _AS_OF, "as_of")
        or _letter_date(texts)
    )


# --- where cues live ---------------------------------------------------------------------------


def _head(document: ParsedDocument) -> list[tuple[str, str]]:
    """(kind, text) of the first elements, cut to the character budget."""
    head: list[tuple[str, str]] = []
    budget = HEAD_CHARS
    for element in document.elements[:HEAD_ELEMENTS]:
        if budget <= 0:
            break
        head.append((element.kind, element.text[:budget]))
        budget -= len(element.text)
    return head


def _tail(document: ParsedDocument, head_count: int) -> list[str]:
    """Short closing elements after the head: where a single-page footer ends up."""
    start = max(head_count, len(document.elements) - TAIL_ELEMENTS)
    return [
        e.text
        for e in document.elements[start:]
        if e.kind != "table" and len(e.text) <= FOOTER_MAX_CHARS
    ]


# --- cues ----------------------------------------------------------------------------------


def _evidence(text: str) -> str:
    return " ".join(text.split())[:EVIDENCE_MAX_CHARS]


def _word_before(text: str, index: int) -> str:
    match = _WORD_BEFORE.search(text[:index])
    return match.group(1).lower() if match else ""


def _first(texts: Sequence[str], pattern: re.Pattern[str], kind: ValidityKind) -> _Found | None:
    for text in texts:
        for match in pattern.finditer(text):
            when = parse_date(match["date"])
            if when is not None:
                return _Found(kind, when, None, _evidence(match[0]))
    return None


def _first_of(
    texts: Sequence[str], patterns: Sequence[re.Pattern[str]], kind: ValidityKind
) -> _Found | None:
    """The earliest match of any of ``patterns`` (each has a ``version`` group) in ``texts``."""
    for text in texts:
        matches = [
            m
            for pattern in patterns
            for m in pattern.finditer(text)
            if _word_before(text, m.start()) not in p.VERSION_EXCLUDED_PREFIXES
        ]
        for match in sorted(matches, key=lambda m: m.start()):
            when = parse_date(match["date"]) if "date" in match.groupdict() else None
            if kind == "version" or when is not None:
                return _Found(kind, when, match["version"], _evidence(match[0]))
    return None


def _letter_date(texts: Sequence[str]) -> _Found | None:
    for text in texts:
        for pattern in (_LETTER_FIELD, _LETTER_PLACE):
            for match in pattern.finditer(text):
                if _word_before(text, match.start()) in p.LETTER_DATE_DENIED_BEFORE:
                    continue
                when = parse_date(match["date"])
                if when is not None:
                    return _Found("letter_date", when, None, _evidence(match[0]))
    return None


def _year(document: ParsedDocument, head_titles: list[str], texts: Sequence[str]) -> _Found | None:
    """A year in the title, a heading at the start or a short first line ("FAQ 2025")."""
    titles = [document.title, *head_titles]
    first_lines = [t for t in texts[:3] if len(t) <= TITLE_LINE_MAX_CHARS]
    candidates = [(t, (*_YEARS, _TITLE_END_YEAR)) for t in titles]
    candidates += [(t, _YEARS) for t in first_lines]
    for text, patterns in candidates:
        for pattern in patterns:
            for match in pattern.finditer(text):
                before = _word_before(text, match.start("year"))
                if before in p.LAW_PREFIXES or before.rstrip(".") in p.MONTHS:
                    continue
                when = date(int(match["year"]), 1, 1)
                return _Found("year", when, None, _evidence(match[0].strip(" _-–:,")))
    return None


def _take_supersedes(texts: Sequence[str]) -> tuple[str | None, list[str]]:
    """What the document says it supersedes, and the texts with those phrases blanked out, so
    the superseded version's number and date are not read as this document's."""
    supersedes: str | None = None
    cleaned: list[str] = []
    for text in texts:
        for match in _SUPERSEDES.finditer(text):
            ref = match["ref"]
            end = _reference_end(ref)
            if end is None:
                continue  # "ersetzt keine Rechtsberatung": names no version or date
            if supersedes is None:
                supersedes = _SUPERSEDES_ARTICLES.sub("", " ".join(ref[:end].split()))
            stop = match.start("ref") + end + (ref[end : end + 1] == ")")
            text = text[: match.start()] + " " * (stop - match.start()) + text[stop:]
        cleaned.append(text)
    return supersedes, cleaned


def _reference_end(ref: str) -> int | None:
    """Where the superseded reference ends: after its first date, else after its version."""
    found = _ANY_DATE.search(ref)
    if found is None:
        versions = [m for v in _VERSIONS if (m := v.search(ref)) is not None]
        found = min(versions, key=lambda m: m.start(), default=None)
    return None if found is None else found.end()


# --- revision histories ----------------------------------------------------------------------


def _revision_history(document: ParsedDocument) -> _Found | None:
    """The latest row (by date, then version) of any revision-history table or section."""
    rows: list[_Found] = []
    for element in document.elements:
        in_history = bool(element.section and _HISTORY.search(element.section))
        if element.kind == "table":
            rows.extend(_table_rows(element.text.split("\n"), in_history))
        elif in_history and element.kind != "title":
            rows.extend(_history_lines(element.text.split("\n")))
    if not rows:
        return None
    return max(rows, key=lambda r: (r.when is not None, r.when or date.min, _version_key(r)))


def _table_rows(lines: list[str], in_history: bool) -> list[_Found]:
    table = [[cell.strip() for cell in line.split(" | ")] for line in lines if line.strip()]
    if not table:
        return []
    header = table[0]
    version_col = _column(header, _HISTORY_VERSION)
    date_col = _column(header, _HISTORY_VALID_FROM)
    date_col = date_col if date_col is not None else _column(header, _HISTORY_DATE)
    if version_col is None:
        # A price table with a date column is no history; a headerless table under a
        # "Änderungshistorie" heading is.
        return _history_lines(lines) if in_history else []
    rows = []
    for cells, line in zip(table[1:], lines[1:], strict=False):
        cell = _HISTORY_CELL.fullmatch(cells[version_col]) if version_col < len(cells) else None
        if cell is None:
            continue
        if date_col is not None and date_col < len(cells):
            when = parse_date(cells[date_col])
        else:
            when = _first_date(line)
        rows.append(_Found("revision", when, cell["version"], _evidence(line)))
    return rows


def _history_lines(lines: list[str]) -> list[_Found]:
    rows = []
    for line in lines:
        match = _HISTORY_LINE.match(line)
        if match is not None:
            rest = line[match.end() :]
            rows.append(_Found("revision", _first_date(rest), match["version"], _evidence(line)))
    return rows


def _column(header: list[str], pattern: re.Pattern[str]) -> int | None:
    return next((i for i, cell in enumerate(header) if pattern.search(cell)), None)


def _first_date(text: str) -> date | None:
    for match in _ANY_DATE.finditer(text):
        when = parse_date(match[0])
        if when is not None:
            return when
    return None


def _version_key(row: _Found) -> tuple[tuple[int, int], ...]:
    parts = re.findall(r"\d+|[A-Za-z]", row.version or "")
    return tuple((0, int(x)) if x.isdigit() else (1, ord(x.lower())) for x in parts)
