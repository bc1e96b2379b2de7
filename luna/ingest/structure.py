"""Turning a stream of headings and blocks into elements with heading paths.

Every parser feeds an :class:`ElementBuilder`; it cleans the text, keeps the stack of open
headings and stamps each element with its section path. The heading heuristics for formats
without styles (plain text, PDF) live here too, so all formats agree on what a heading is.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from luna.ingest.cleaning import clean_text
from luna.ingest.hidden import HiddenTally
from luna.ingest.model import SECTION_SEPARATOR, Element, ElementKind

_NUMBERED = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,5})\.?\s+(?P<rest>\S.*)$")
_PARAGRAPH_SIGN = re.compile(r"^§\s*\d+[a-z]?\.?\s+(?P<rest>\S.*)$")
_BULLET = re.compile(r"^(?:[•·▪■◦●○‣∙]|[-–*](?=\s)|\(?\d{1,2}[.)](?=\s)|\(?[a-z]\)(?=\s))\s*")
_SENTENCE_END = (".", ",", ";", ":", "!")


def looks_like_heading_text(text: str, max_chars: int = 100) -> bool:
    """Short, starts with a capital (or digit/§), does not end like a sentence."""
    text = text.strip()
    if not text or len(text) > max_chars or text.endswith(_SENTENCE_END):
        return False
    first = text[0]
    return first.isupper() or first.isdigit() or first == "§"


def numbered_heading_level(text: str) -> int | None:
    """Level implied by a heading number ("3" -> 1, "3.1" -> 2, "§ 5" -> 1), or ``None`` when
    ``text`` does not look like a numbered heading."""
    text = text.strip()
    match = _NUMBERED.match(text)
    if match and looks_like_heading_text(match["rest"]) and not match["rest"][0].isdigit():
        return match["num"].count(".") + 1
    match = _PARAGRAPH_SIGN.match(text)
    if match and looks_like_heading_text(match["rest"]):
        return 1
    return None


def strip_bullet(text: str) -> tuple[bool, str]:
    """(is a list item, text without its bullet or enumerator)."""
    match = _BULLET.match(text)
    if not match:
        return False, text
    rest = text[match.end() :]
    return bool(rest.strip()), rest if rest.strip() else text


class SectionTracker:
    """The stack of open headings; entering a heading closes those at its level and below."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, str]] = []

    def enter(self, level: int, heading: str) -> str:
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, heading))
        return self.path or heading

    @property
    def path(self) -> str | None:
        return SECTION_SEPARATOR.join(text for _, text in self._stack) or None


class ElementBuilder:
    """Collects cleaned elements in reading order, and the tally of hidden content dropped
    (parsers add what they skip; cleaning's removal of Unicode tag characters is counted here)."""

    def __init__(self) -> None:
        self.elements: list[Element] = []
        self.title: str | None = None
        self.hidden = HiddenTally()
        self._sections = SectionTracker()

    def document_title(self, text: str, page: int | None = None) -> None:
        """The document's own title: an element without section, never part of a path."""
        self.hidden.add_tag_characters(text)
        text = " ".join(clean_text(text).split())
        if text:
            self.title = self.title or text
            self.elements.append(Element("title", text, page, None))

    def heading(self, text: str, level: int, page: int | None = None) -> None:
        self.hidden.add_tag_characters(text)
        text = " ".join(clean_text(text).split())
        if text:
            path = self._sections.enter(max(1, level), text)
            self.elements.append(Element("title", text, page, path))

    def add(self, kind: ElementKind, text: str, page: int | None = None) -> None:
        self.hidden.add_tag_characters(text)
        text = clean_text(text)
        if kind != "table":
            text = " ".join(text.split())
        if text:
            self.elements.append(Element(kind, text, page, self._sections.path))


_JUNK_TITLE = re.compile(
    r"\.(?:docx?|pdf|odt|rtf|txt|md)$|^(?:microsoft word\b|untitled|unbenannt|\(unspecified\)|"
    r"title|titel|dokument\d*|document\d*)$|^microsoft word -",
    re.IGNORECASE,
)


def choose_title(builder: ElementBuilder, metadata_title: str | None, filename: str) -> str:
    """The visible title, else a sensible metadata title, else the first heading, else the
    file name without extension."""
    if builder.title:
        return builder.title
    metadata = " ".join((metadata_title or "").split())
    if metadata and not _JUNK_TITLE.search(metadata):
        return metadata
    for element in builder.elements:
        if element.kind == "title":
            return element.text
    return PurePath(filename).stem or filename
