"""DOCX with python-docx: heading styles give sections, Word tables become table elements.

The zip container is checked before python-docx opens it (member count, total declared size,
compression ratio), so a zip bomb is refused without inflating anything. Python's zipfile never
inflates a member beyond its declared size, so the declared sizes bound what parsing can use.
Page headers/footers, footnotes, comments and text boxes are not part of the body and are
skipped; DOCX has no fixed pages, so ``page`` stays ``None``.
"""

from __future__ import annotations

import io
import re
import zipfile

import docx
from docx.oxml.ns import qn
from docx.styles.style import BaseStyle
from docx.table import Table
from docx.text.paragraph import Paragraph

from luna.ingest.errors import CorruptDocumentError, DocumentTooLargeError
from luna.ingest.model import ParsedDocument, ParseLimits
from luna.ingest.structure import ElementBuilder, choose_title

MIME_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_HEADING_STYLE = re.compile(r"^(?:heading|überschrift|titre|título)\s*(\d)$", re.IGNORECASE)
_TITLE_STYLES = {"title", "titel"}
_LIST_STYLE = re.compile(r"list|liste|aufzählung|bullet", re.IGNORECASE)


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
    try:
        document = docx.Document(io.BytesIO(data))
        builder = ElementBuilder()
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                _add_paragraph(block, builder)
            else:
                _add_table(block, builder)
        metadata_title = document.core_properties.title
    except Exception as exc:  # python-docx raises many types for malformed packages
        raise CorruptDocumentError(filename, f"not a readable Word document ({exc})") from None
    return ParsedDocument(
        choose_title(builder, metadata_title, filename), MIME_TYPE, None, builder.elements
    )


def _add_paragraph(paragraph: Paragraph, builder: ElementBuilder) -> None:
    text = paragraph.text
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


def _add_table(table: Table, builder: ElementBuilder) -> None:
    rows: list[list[str]] = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell repeats once per grid column
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(p.text.strip() for p in cell.paragraphs if p.text.strip()))
        if any(cells):
            rows.append(cells)
    if not rows:
        return
    if len(rows) == 1 and len(rows[0]) == 1:
        builder.add("text", rows[0][0])  # a one-cell "box" is just text
        return
    builder.add("table", "\n".join(" | ".join(cells) for cells in rows))
