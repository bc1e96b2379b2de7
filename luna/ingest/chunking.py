"""Structure-aware chunking of a parsed document for embedding and retrieval.

Rules, in order of priority:

* every chunk stays within ``max_tokens`` as measured by ``count_tokens`` on its full text,
  including the heading line (a single word longer than the budget is the only exception);
* a chunk never spans two top-level sections;
* each chunk's first line is its section's heading path (the document title for text before
  the first heading), so a retrieved chunk says where it comes from;
* a section that fits is kept whole, and small neighbouring sections of the same top-level
  section are packed together (their own headings become lines in the text);
* a section that does not fit is split at element boundaries, then sentences, then words;
  consecutive chunks of one section share up to ``overlap_tokens`` of trailing text;
* a table stays whole if it fits, otherwise it is split by rows with its header row repeated.

The same input always gives the same chunks.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from luna.ingest.model import SECTION_SEPARATOR, Element, ElementKind, ParsedDocument
from luna.ingest.sentences import split_sentences
from luna.ingest.tokens import TokenCounter, approx_token_count


@dataclass(frozen=True, slots=True)
class Chunk:
    """One retrievable piece of a document, ready for ``item_chunks`` and the vector store.

    ``page`` is where the chunk's own (non-overlap) text starts; ``metadata`` holds
    JSON-ready details: ``page_end``, ``sections`` (full heading paths covered), ``kinds``
    (element kinds present), ``overlap_tokens`` (tokens repeated from the previous chunk)
    and ``continued`` (true when the chunk continues a section split over several chunks).
    """

    ordinal: int
    text: str
    token_count: int
    page: int | None
    section: str | None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Unit:
    """A piece of a section's body that is never split further: an element, a sentence, a
    group of table rows or a run of words."""

    text: str
    kind: ElementKind
    page: int | None
    joiner: str  # "\n" before a new element, " " before the next sentence of the same one
    carried: bool = False  # repeated from the previous chunk as overlap


@dataclass(slots=True)
class _Section:
    path: str | None
    units: list[_Unit]


@dataclass(slots=True)
class _Draft:
    """A chunk before numbering: one or more sections' units under one heading line."""

    section: str | None
    parts: list[tuple[str | None, list[_Unit]]]  # (sub-heading line or None, units)
    continued: bool = False


def chunk_elements(
    doc: ParsedDocument,
    *,
    max_tokens: int = 300,
    overlap_tokens: int = 50,
    count_tokens: TokenCounter = approx_token_count,
    merge_sections: bool = True,
) -> list[Chunk]:
    """Cut ``doc`` into chunks of at most ``max_tokens`` (see the module docstring)."""
    if max_tokens < 16:
        raise ValueError("max_tokens must be at least 16")
    if not 0 <= overlap_tokens <= max_tokens // 2:
        raise ValueError("overlap_tokens must be between 0 and max_tokens / 2")
    chunker = _Chunker(doc, max_tokens, overlap_tokens, count_tokens)
    drafts: list[_Draft] = []
    for group in _top_level_groups(_sections(doc.elements)):
        drafts.extend(chunker.chunk_group(group, merge_sections))
    return [chunker.finish(ordinal, draft) for ordinal, draft in enumerate(drafts)]


def _sections(elements: list[Element]) -> list[_Section]:
    """Consecutive body elements per heading path; headings themselves become the path."""
    sections: list[_Section] = []
    for element in elements:
        if element.kind == "title":
            continue
        joiner = "\n"
        unit = _Unit(element.text, element.kind, element.page, joiner)
        if sections and sections[-1].path == element.section:
            sections[-1].units.append(unit)
        else:
            sections.append(_Section(element.section, [unit]))
    if not sections:  # headings only: index them rather than nothing
        for element in elements:
            sections.append(
                _Section(element.section, [_Unit(element.text, "text", element.page, "\n")])
            )
    return sections


def _top_level(path: str | None) -> str | None:
    return path.split(SECTION_SEPARATOR)[0] if path else None


def _top_level_groups(sections: list[_Section]) -> list[list[_Section]]:
    groups: list[list[_Section]] = []
    for section in sections:
        if groups and _top_level(groups[-1][0].path) == _top_level(section.path):
            groups[-1].append(section)
        else:
            groups.append([section])
    return groups


def _common_path(paths: list[str | None]) -> str | None:
    split = [p.split(SECTION_SEPARATOR) if p else [] for p in paths]
    common: list[str] = []
    for parts in zip(*split, strict=False):
        if all(part == parts[0] for part in parts):
            common.append(parts[0])
        else:
            break
    return SECTION_SEPARATOR.join(common) or None


def _relative(path: str | None, base: str | None) -> str | None:
    if not path or path == base:
        return None
    if base and path.startswith(base + SECTION_SEPARATOR):
        return path[len(base) + len(SECTION_SEPARATOR) :]
    return path


class _Chunker:
    def __init__(
        self, doc: ParsedDocument, max_tokens: int, overlap: int, count: TokenCounter
    ) -> None:
        self.doc = doc
        self.max_tokens = max_tokens
        self.overlap = overlap
        self.count = count

    # -- rendering
    def heading_line(self, section: str | None) -> str:
        line = section or self.doc.title
        limit = self.max_tokens // 3
        parts = line.split(SECTION_SEPARATOR)
        while len(parts) > 1 and self.count(SECTION_SEPARATOR.join(parts)) > limit:
            parts = parts[1:]  # keep the most specific headings
        line = SECTION_SEPARATOR.join(parts)
        if self.count(line) > limit:
            line = self._fit_words(line.split(), limit, from_end=False)
        return line

    def render(self, draft: _Draft) -> str:
        lines = [self.heading_line(draft.section)]
        for subheading, units in draft.parts:
            body = ""
            for unit in units:
                body = f"{body}{unit.joiner}{unit.text}" if body else unit.text
            lines.extend(x for x in (subheading, body) if x)
        return "\n".join(lines)

    def fits(self, draft: _Draft) -> bool:
        return self.count(self.render(draft)) <= self.max_tokens

    # -- one top-level section
    def chunk_group(self, group: list[_Section], merge: bool) -> list[_Draft]:
        drafts: list[_Draft] = []
        pending: _Draft | None = None  # whole small sections being packed together
        for section in group:
            whole = _Draft(section.path, [(None, section.units)])
            if self.fits(whole):
                if merge and pending is not None:
                    merged = self._merge(pending, section)
                    if self.fits(merged):
                        pending = merged
                        continue
                if pending is not None:
                    drafts.append(pending)
                pending = whole
                continue
            if pending is not None:
                drafts.append(pending)
                pending = None
            drafts.extend(self._split_section(section))
        if pending is not None:
            drafts.append(pending)
        return drafts

    def _merge(self, draft: _Draft, section: _Section) -> _Draft:
        paths = [p for p in self._paths(draft)] + [section.path]
        base = _common_path(paths)
        parts: list[tuple[str | None, list[_Unit]]] = [
            (_relative(path, base), units)
            for path, (_, units) in zip(self._paths(draft), draft.parts, strict=True)
        ]
        parts.append((_relative(section.path, base), section.units))
        return _Draft(base, parts)

    @staticmethod
    def _paths(draft: _Draft) -> list[str | None]:
        # A draft's parts carry headings relative to its section; rebuild the full paths.
        paths: list[str | None] = []
        for subheading, _ in draft.parts:
            if subheading is None:
                paths.append(draft.section)
            elif draft.section:
                paths.append(f"{draft.section}{SECTION_SEPARATOR}{subheading}")
            else:
                paths.append(subheading)
        return paths

    def _split_section(self, section: _Section) -> list[_Draft]:
        heading = self.heading_line(section.path)
        budget = self.max_tokens - self.count(heading) - 2
        units = [piece for unit in section.units for piece in self._pieces(unit, budget)]
        drafts: list[_Draft] = []
        current: list[_Unit] = []
        for unit in units:
            candidate = _Draft(section.path, [(None, [*current, unit])])
            if not current or self.fits(candidate):
                current.append(unit)
                continue
            drafts.append(_Draft(section.path, [(None, current)], continued=bool(drafts)))
            alone = self.count(self.render(_Draft(section.path, [(None, [unit])])))
            tail = self._overlap_tail(current, min(self.overlap, self.max_tokens - alone - 2))
            current = [*tail, unit]
            if tail and not self.fits(_Draft(section.path, [(None, current)])):
                current = [unit]
        if current:
            drafts.append(_Draft(section.path, [(None, current)], continued=bool(drafts)))
        return drafts

    # -- splitting units to the budget
    def _pieces(self, unit: _Unit, budget: int) -> list[_Unit]:
        if self.count(unit.text) <= budget:
            return [unit]
        if unit.kind == "table":
            return self._table_pieces(unit, budget)
        pieces: list[_Unit] = []
        for index, sentence in enumerate(split_sentences(unit.text)):
            joiner = unit.joiner if index == 0 else " "
            if self.count(sentence) <= budget:
                pieces.append(replace(unit, text=sentence, joiner=joiner))
                continue
            for n, words in enumerate(self._word_runs(sentence.split(), budget)):
                pieces.append(replace(unit, text=words, joiner=joiner if n == 0 else " "))
        return pieces

    def _table_pieces(self, unit: _Unit, budget: int) -> list[_Unit]:
        header, *rows = unit.text.split("\n")
        pieces: list[_Unit] = []
        current: list[str] = []
        for row in rows:
            candidate = "\n".join([header, *current, row])
            if current and self.count(candidate) > budget:
                pieces.append(replace(unit, text="\n".join([header, *current])))
                current = []
            if self.count("\n".join([header, row])) > budget:  # one huge row: cut its words
                pieces.extend(
                    replace(unit, text=words, kind="text")
                    for words in self._word_runs(row.split(), budget)
                )
                continue
            current.append(row)
        if current:
            pieces.append(replace(unit, text="\n".join([header, *current])))
        return pieces

    def _word_runs(self, words: list[str], budget: int) -> list[str]:
        runs: list[str] = []
        start = 0
        while start < len(words):
            end = start + 1
            while end < len(words) and self.count(" ".join(words[start : end + 1])) <= budget:
                end += 1
            runs.append(" ".join(words[start:end]))
            start = end
        return runs

    def _fit_words(self, words: list[str], budget: int, *, from_end: bool) -> str:
        chosen: list[str] = []
        for word in reversed(words) if from_end else words:
            trial = [word, *chosen] if from_end else [*chosen, word]
            if self.count(" ".join(trial)) > budget:
                break
            chosen = trial
        return " ".join(chosen)

    def _overlap_tail(self, units: list[_Unit], limit: int) -> list[_Unit]:
        """Trailing text of a chunk (at most ``limit`` tokens) repeated at the start of the
        next one: whole sentences or elements where they fit, else the last words."""
        if limit <= 0:
            return []
        tail: list[_Unit] = []
        for unit in reversed(units):
            if unit.kind == "table":
                break
            text = "".join(u.joiner + u.text for u in [unit, *tail]).strip()
            if self.count(text) > limit:
                break
            tail.insert(0, replace(unit, carried=True))
        if tail:
            return tail
        last = units[-1]
        if last.kind == "table":
            return []
        words = self._fit_words(last.text.split(), limit, from_end=True)
        if not words or words == last.text:
            return []
        return [replace(last, text=words, carried=True)]

    # -- the final chunk
    def finish(self, ordinal: int, draft: _Draft) -> Chunk:
        text = self.render(draft)
        units = [unit for _, part in draft.parts for unit in part]
        own = [u for u in units if not u.carried] or units
        carried = [u for u in units if u.carried]
        pages = [u.page for u in own if u.page is not None]
        kinds = sorted({u.kind for u in own})
        overlap = self.count(" ".join(u.text for u in carried)) if carried else 0
        return Chunk(
            ordinal=ordinal,
            text=text,
            token_count=self.count(text),
            page=pages[0] if pages else None,
            section=draft.section,
            metadata={
                "page_end": pages[-1] if pages else None,
                "sections": [p for p in self._paths(draft) if p] or [],
                "kinds": kinds,
                "overlap_tokens": overlap,
                "continued": draft.continued,
            },
        )
