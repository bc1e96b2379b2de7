"""DOCX with python-docx: heading styles give sections, Word tables become table elements.

The zip container is checked before python-docx opens it (member count, total declared size,
compression ratio), so a zip bomb is refused without inflating anything. Python's zipfile never
inflates a member beyond its declared size, so the declared sizes bound what parsing can use.
Within that size, the parse budget (:mod:`luna.ingest.budget`) bounds the work: paragraphs and
XML elements are counted from the stream before python-docx builds its tree
(:mod:`luna.ingest.parsers.docx_scan`), and the walk below counts paragraphs and watches the
clock again.
Page headers/footers, footnotes, comments and text boxes are not part of the body and are
skipped; DOCX has no fixed pages, so ``page`` stays ``None``.

Runs Word does not show are dropped and counted (see :mod:`luna.ingest.hidden`): the hidden
character format (``w:vanish``, set on the run or its character or paragraph style), text under
2 pt, and white text with no shading, highlight, cell or page background behind it.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import docx
from docx.oxml.ns import qn
from docx.styles.style import BaseStyle
from docx.table import Table
from docx.text.paragraph import Paragraph

from luna.ingest.budget import ParseBudget
from luna.ingest.errors import CorruptDocumentError, DocumentError, DocumentTooLargeError
from luna.ingest.hidden import (
    DOCX_VANISH,
    TINY_POINTS,
    TINY_TEXT,
    WHITE_TEXT,
    HiddenTally,
    is_light_colour,
)
from luna.ingest.model import ParsedDocument, ParseLimits
from luna.ingest.parsers.docx_scan import check_xml_budget
from luna.ingest.structure import ElementBuilder, choose_title

MIME_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_HEADING_STYLE = re.compile(r"^(?:heading|überschrift|titre|título)\s*(\d)$", re.IGNORECASE)
_TITLE_STYLES = {"title", "titel"}
_LIST_STYLE = re.compile(r"list|liste|aufzählung|bullet", re.IGNORECASE)
_LIGHT_THEME_COLOURS = {"background1", "light1", "bg1", "lt1"}  # white in the default theme
# Fills behind a run: its own shading, its paragraph's, its table cell's or row's.
_FILLS = (
    "./w:rPr/w:shd/@w:fill | ancestor::w:p[1]/w:pPr/w:shd/@w:fill"
    " | ancestor::w:tc[1]/w:tcPr/w:shd/@w:fill | ancestor::w:tr[1]/w:trPr/w:shd/@w:fill"
)


def check_zip_container(data: bytes, filename: str, limits: ParseLimits) -> None:
    """Refuse containers that would inflate beyond the limits (zip bombs)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise CorruptDocumentError(filename, "damaged zip container") from None
    if len(members) > limits.max_zip_entries:
        raise DocumentTooLargeError(
            filename, f"{len(members)} zip members exceed the limit of {limits.max_zip_entries}"
        )
    total = sum(member.file_size for member in members)
    if total > limits.max_zip_uncompressed_bytes:
        raise DocumentTooLargeError(
            filename,
            f"declared uncompressed size {total:,} bytes exceeds the limit of "
            f"{limits.max_zip_uncompressed_bytes:,} bytes (zip bomb?)",
        )
    for member in members:
        if member.file_size < limits.zip_ratio_min_bytes:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > limits.max_zip_ratio:
            raise DocumentTooLargeError(
                filename,
                f"member {member.filename!r} inflates {ratio:,.0f}:1 "
                f"(limit {limits.max_zip_ratio:,.0f}:1, zip bomb?)",
            )


def parse_docx(data: bytes, filename: str, limits: ParseLimits) -> ParsedDocument:
    check_zip_container(data, filename, limits)
    budget = ParseBudget(filename, limits, "paragraphs")
    check_xml_budget(data, filename, limits, budget)
    try:
        document = docx.Document(io.BytesIO(data))
        builder = ElementBuilder()
        visibility = _RunVisibility(document, builder.hidden, budget)
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                budget.count()
                _add_paragraph(block, builder, visibility)
            else:
                _add_table(block, builder, visibility)
        metadata_title = document.core_properties.title
    except DocumentError:
        raise
    except Exception as exc:  # python-docx raises many types for malformed packages
        raise CorruptDocumentError(filename, f"not a readable Word document ({exc})") from None
    title = choose_title(builder, metadata_title, filename)
    return ParsedDocument(title, MIME_TYPE, None, builder.elements, builder.hidden.as_dict())


_Format = tuple[bool | None, float | None, bool | None]  # hidden, size in points, light colour
_UNSET: _Format = (None, None, None)
_R, _HYPERLINK, _RPR = qn("w:r"), qn("w:hyperlink"), qn("w:rPr")
_VAL = qn("w:val")


class _RunVisibility:
    """Which runs Word shows. Run formatting is resolved from the run's own properties, then its
    character style, then its paragraph's style (each with its base styles), then the document
    defaults; the most specific setting wins. Read from the XML with per-style caches: going
    through python-docx's style objects for every run tripled the parse time."""

    def __init__(self, document: Any, tally: HiddenTally, budget: ParseBudget) -> None:
        self.tally = tally
        self.budget = budget
        styles = document.styles.element
        self._styles = {s.get(qn("w:styleId")): s for s in styles.findall(qn("w:style"))}
        self._default = {
            s.get(qn("w:type")): s.get(qn("w:styleId"))
            for s in styles.findall(qn("w:style"))
            if s.get(qn("w:default")) in ("1", "true", "on")
        }
        defaults = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{_RPR}")
        self._document_format = _rpr_format(defaults)
        self._formats: dict[str | None, _Format] = {}
        self._table_shading: dict[str, bool] = {}
        page = document.element.xpath("./w:background/@w:color")
        self.page_coloured = bool(page) and _is_coloured_fill(str(page[0]))

    def text(self, paragraph: Paragraph) -> str:
        """The paragraph's text without hidden runs (counted in the tally); the same runs, in
        the same order, as ``paragraph.text`` (direct runs and hyperlink runs)."""
        p = paragraph._p
        style_id = p.xpath("string(./w:pPr/w:pStyle/@w:val)") or self._default.get("paragraph")
        paragraph_format = _merge(self._style_format(style_id), self._document_format)
        parts: list[str] = []
        for child in p:
            if child.tag == _R:
                runs = [child]
            elif child.tag == _HYPERLINK:
                runs = [r for r in child if r.tag == _R]
            else:
                continue
            for run in runs:
                self.budget.check_time()
                reason = self._hiding(run, paragraph_format)
                if reason is None:
                    parts.append(run.text)
                else:
                    self.tally.add(reason, run.text)
        return "".join(parts)

    def _hiding(self, run: Any, paragraph_format: _Format) -> str | None:
        properties = run.find(_RPR)
        character_style = None
        if properties is not None:
            style = properties.find(qn("w:rStyle"))
            character_style = style.get(_VAL) if style is not None else None
        hidden, points, light = _merge(
            _rpr_format(properties),
            self._style_format(character_style or self._default.get("character")),
            paragraph_format,
        )
        if hidden:
            return DOCX_VANISH
        if points is not None and points < TINY_POINTS:
            return TINY_TEXT
        if light and not self._has_background(run):
            return WHITE_TEXT
        return None

    def _style_format(self, style_id: str | None) -> _Format:
        """A style's run formatting merged with its base styles' (cached per style)."""
        if style_id not in self._formats:
            chain: list[_Format] = []
            current, seen = style_id, set()
            while current is not None and current in self._styles and current not in seen:
                seen.add(current)
                element = self._styles[current]
                chain.append(_rpr_format(element.find(_RPR)))
                based_on = element.find(qn("w:basedOn"))
                current = based_on.get(_VAL) if based_on is not None else None
            self._formats[style_id] = _merge(*chain)
        return self._formats[style_id]

    def _has_background(self, run: Any) -> bool:
        if self.page_coloured:
            return True
        highlight = run.xpath("string(./w:rPr/w:highlight/@w:val)")
        if highlight and highlight.lower() not in ("none", "white"):
            return True
        if any(_is_coloured_fill(str(fill)) for fill in run.xpath(_FILLS)):
            return True
        style_ids = run.xpath("ancestor::w:tbl[1]/w:tblPr/w:tblStyle/@w:val")
        return bool(style_ids) and self._table_style_shaded(str(style_ids[0]))

    def _table_style_shaded(self, style_id: str) -> bool:
        """Whether a table style colours cells (header rows of built-in styles carry white text
        on a coloured fill defined only in the style)."""
        if style_id not in self._table_shading:
            style = self._styles.get(style_id)
            fills = style.xpath(".//w:shd/@w:fill") if style is not None else []
            self._table_shading[style_id] = any(_is_coloured_fill(str(f)) for f in fills)
        return self._table_shading[style_id]


def _rpr_format(properties: Any) -> _Format:
    """Hidden, size (points) and light colour as set in one ``w:rPr``; ``None`` where unset."""
    if properties is None:
        return _UNSET
    vanish = properties.find(qn("w:vanish"))
    hidden = None if vanish is None else vanish.get(_VAL, "true") not in ("0", "false", "off")
    size = properties.find(qn("w:sz"))
    value = size.get(_VAL, "") if size is not None else ""
    points = int(value) / 2 if value.isdigit() else None
    colour = properties.find(qn("w:color"))
    return hidden, points, None if colour is None else _is_light_colour_element(colour)


def _is_light_colour_element(colour: Any) -> bool:
    theme = (colour.get(qn("w:themeColor")) or "").lower()
    if theme in _LIGHT_THEME_COLOURS:
        return True
    value = colour.get(_VAL) or "auto"
    return value.lower() != "auto" and is_light_colour(f"#{value}")


def _merge(*formats: _Format) -> _Format:
    """Per property, the first setting that is not ``None``."""
    hidden = next((f[0] for f in formats if f[0] is not None), None)
    points = next((f[1] for f in formats if f[1] is not None), None)
    light = next((f[2] for f in formats if f[2] is not None), None)
    return hidden, points, light


def _is_coloured_fill(fill: str) -> bool:
    """A shading fill that is set and not white ("auto" means none)."""
    return fill.lower() not in ("auto", "") and not is_light_colour(f"#{fill}")


def _add_paragraph(
    paragraph: Paragraph, builder: ElementBuilder, visibility: _RunVisibility
) -> None:
    text = visibility.text(paragraph)
    if not text.strip():
        return
    level = _heading_level(paragraph)
    if level == 0:
        if builder.title is None and not any(e.kind == "title" for e in builder.elements):
            builder.document_title(text)
        else:
            builder.heading(text, 1)
    elif level is not None:
        builder.heading(text, level)
    elif _is_list_item(paragraph):
        builder.add("list_item", text)
    else:
        builder.add("text", text)


def _heading_level(paragraph: Paragraph) -> int | None:
    """0 for the title style, 1-9 for headings (by style name or outline level), else None."""
    outline = _outline_level(paragraph._p)
    style: BaseStyle | None = paragraph.style
    while style is not None:
        name = (style.name or "").strip()
        if name.lower() in _TITLE_STYLES:
            return 0
        match = _HEADING_STYLE.match(name)
        if match:
            return int(match.group(1))
        if outline is None:
            outline = _outline_level(style.element)
        style = getattr(style, "base_style", None)
    return outline


def _outline_level(element: object) -> int | None:
    values = element.xpath("./w:pPr/w:outlineLvl/@w:val")  # type: ignore[attr-defined]
    if values and str(values[0]).isdigit() and int(values[0]) < 9:
        return int(values[0]) + 1
    return None


def _is_list_item(paragraph: Paragraph) -> bool:
    properties = paragraph._p.pPr
    if properties is not None and properties.find(qn("w:numPr")) is not None:
        return True
    style = paragraph.style
    return style is not None and bool(_LIST_STYLE.search(style.name or ""))


def _add_table(table: Table, builder: ElementBuilder, visibility: _RunVisibility) -> None:
    rows: list[list[str]] = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell repeats once per grid column
                continue
            seen.add(id(cell._tc))
            paragraphs = cell.paragraphs
            visibility.budget.count(len(paragraphs))
            texts = [visibility.text(p).strip() for p in paragraphs]
            cells.append(" ".join(text for text in texts if text))
        if any(cells):
            rows.append(cells)
    if not rows:
        return
    if len(rows) == 1 and len(rows[0]) == 1:
        builder.add("text", rows[0][0])  # a one-cell "box" is just text
        return
    builder.add("table", "\n".join(" | ".join(cells) for cells in rows))
