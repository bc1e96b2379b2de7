"""What parsing hands to chunking: a document as an ordered list of typed, located elements."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

ElementKind = Literal["title", "text", "list_item", "table"]

SECTION_SEPARATOR = " > "


@dataclass(frozen=True, slots=True)
class Element:
    """One block of a document.

    ``section`` is the heading path the element sits under ("3 Preise > 3.1 Arbeitspreis");
    a heading (``kind="title"``) carries the path that ends with itself. ``page`` is 1-based and
    ``None`` for formats without fixed pages. Tables are rows joined by newlines, cells by " | ".
    """

    kind: ElementKind
    text: str
    page: int | None = None
    section: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """The cleaned content of one uploaded file.

    ``hidden`` counts the characters of content no reader of the rendered file sees (HTML
    comments, hidden or white or 1-pt text, invisible PDF text, Unicode tag characters) that the
    parser dropped, by reason (see :mod:`luna.ingest.hidden`); empty for an ordinary document.
    Hidden text is how prompt injections travel, so ingest logs it for the admin.
    """

    title: str
    mime_type: str
    pages: int | None
    elements: list[Element] = field(default_factory=list)
    hidden: Mapping[str, int] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """All element texts, one block per line group (handy for tests and previews)."""
        return "\n\n".join(element.text for element in self.elements)

    @property
    def hidden_chars(self) -> int:
        """All characters of hidden content dropped while parsing."""
        return sum(self.hidden.values())


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """Guards against hostile or runaway input. The size limits raise ``DocumentTooLargeError``
    (413); the parse budget (elements, XML elements, seconds) raises
    ``ParseBudgetExceededError`` (422) naming its setting."""

    max_bytes: int = 50 * 1024 * 1024
    """Largest accepted upload."""
    max_pages: int = 500
    """Most PDF pages parsed (checked before any text is extracted)."""
    max_zip_entries: int = 2_000
    """Most members in a DOCX container."""
    max_zip_uncompressed_bytes: int = 200 * 1024 * 1024
    """Largest total declared uncompressed size of a DOCX container."""
    max_zip_ratio: float = 100.0
    """Highest compression ratio of one DOCX member larger than ``zip_ratio_min_bytes``."""
    zip_ratio_min_bytes: int = 1024 * 1024
    """Members smaller than this are exempt from the ratio check (small XML compresses well)."""
    max_text_chars: int = 5_000_000
    """Most characters of extracted text kept from one document."""
    max_elements: int = 100_000
    """Most blocks one document is parsed into: DOCX paragraphs (table cells included), PDF
    text lines. Empty ones count too: they cost parsing time while adding no text."""
    max_xml_elements: int = 1_000_000
    """Most XML elements in a DOCX body, counted while streaming it, before any tree is built
    (each costs a few hundred bytes in memory once parsed)."""
    max_parse_seconds: float = 60.0
    """Longest wall time parsing one document may take; checked inside the parsers' loops."""
