"""Plain text: decoding, and structure recovered from conventions.

Headings are lines underlined with ``===``/``---``, numbered lines standing alone ("3 Preise",
"3.1 Arbeitspreis", "§ 5 Messung") and short all-caps lines. Bullets and enumerations become
list items; blocks whose lines split into aligned columns (tabs, runs of two or more spaces,
or pipes) become tables. A rule of dashes (one across the table or one per column) between
a table's header row and its rows, or above or below the table, belongs to the table (it is
dropped), not a heading's underline: the header stays the table's first row. Form feeds
separate pages; running header/footer lines repeated at the top or bottom of those pages are
dropped.
"""

from __future__ import annotations

import re

from luna.ingest.cleaning import is_page_number, join_lines, repeated_lines, running_line_key
from luna.ingest.model import ParsedDocument, ParseLimits
from luna.ingest.structure import (
    ElementBuilder,
    choose_title,
    looks_like_heading_text,
    numbered_heading_level,
    strip_bullet,
)

MIME_TYPE = "text/plain"
_UNDERLINE = re.compile(r"^\s*(=+|-+)\s*$")
# A rule drawn per column ("-------  ------  ----"), under a fixed-width table's header.
_COLUMN_RULE = re.compile(r"^\s*(?:-+(?:[\s|+]+-+)+|=+(?:[\s|+]+=+)+)\s*$")
_CELL_SPLIT = re.compile(r"\t+|\s{2,}|\s*\|\s*")
_ALL_CAPS = re.compile(r"^[^a-zäöüß]*[A-ZÄÖÜ][^a-zäöüß]*$")
_NUMBER_PREFIX = re.compile(r"^\s*\d+(?:\.\d+)*\.?\s+")
# "Schwellwert Netzbezug: 480 kW (…)": a label, its colon and the value, on a line of its own;
# joined into one paragraph, "Max. Ladeleistung: 200 kW Max. Entladeleistung: 200 kW" reads as
# sentences cut at "Max." and the figures lose their labels.
_KEY_VALUE = re.compile(r"^\s*(?P<key>[^\W\d][^:]{1,47}):\s+(?P<value>\S.*)$")


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 (German legacy files)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def parse_text(data: bytes, filename: str, limits: ParseLimits) -> ParsedDocument:
    del limits  # size is checked before parsing; plain text needs no further limit
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n")
    raw_pages = text.split("\f")
    paged = len(raw_pages) > 1
    builder = ElementBuilder()
    pages = _drop_running_lines([page.split("\n") for page in raw_pages]) if paged else None
    for number, lines in enumerate(pages or [text.split("\n")], start=1):
        _parse_lines(lines, builder, number if paged else None, first_page=number == 1)
    return ParsedDocument(
        choose_title(builder, None, filename),
        MIME_TYPE,
        len(raw_pages) if paged else None,
        builder.elements,
        builder.hidden.as_dict(),
    )


def _drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    def edges(lines: list[str]) -> list[str]:
        filled = [line for line in lines if line.strip()]
        return filled[:2] + filled[-2:] if len(filled) > 4 else []

    running = repeated_lines([edges(lines) for lines in pages])
    cleaned = []
    for lines in pages:
        edge = set(edges(lines))
        cleaned.append(
            [
                line
                for line in lines
                if not (
                    line in edge and (running_line_key(line) in running or is_page_number(line))
                )
            ]
        )
    return cleaned


def _cell_count(line: str) -> int:
    return len([c for c in _CELL_SPLIT.split(line.strip()) if c])


def _without_table_rules(block: list[str]) -> list[str]:
    """The block less the rules that divide or frame a table: a line of ``-``/``=`` between
    two rows of two or more aligned cells (counts at most one apart, as :func:`_is_table`
    allows: a header's last heading may span two columns), or above or below two such rows.
    A line of one cell over the rule is a heading it underlines, not a table's edge."""

    def cells(i: int) -> int:
        inside = 0 <= i < len(block) and not _is_rule(block[i])
        return _cell_count(block[i]) if inside else 0

    def table_rule(i: int) -> bool:
        before, after = cells(i - 1), cells(i + 1)
        if before >= 2 and after >= 2:
            return abs(before - after) <= 1
        if before >= 2:  # closing the table
            return abs(cells(i - 2) - before) <= 1
        if before == 1:
            return False  # a heading's underline ("1. Kenndaten" over "------------")
        return after >= 2 and abs(cells(i + 2) - after) <= 1  # opening the table

    return [line for i, line in enumerate(block) if not (_is_rule(line) and table_rule(i))]


def _is_rule(line: str) -> bool:
    return bool(_UNDERLINE.match(line) or _COLUMN_RULE.match(line))


def _blocks(lines: list[str]) -> list[list[str]]:
    """Runs of non-blank lines; an underlined heading is split off as its own block."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    blocks = [kept for block in blocks if (kept := _without_table_rules(block))]
    out: list[list[str]] = []
    for block in blocks:
        start = 0
        for i in range(1, len(block)):
            if _UNDERLINE.match(block[i]) and not _UNDERLINE.match(block[i - 1]) and i > start:
                if i - 1 > start:
                    out.append(block[start : i - 1])
                out.append(block[i - 1 : i + 1])
                start = i + 1
        if start < len(block):
            out.append(block[start:])
    return out


def _parse_lines(
    lines: list[str], builder: ElementBuilder, page: int | None, *, first_page: bool
) -> None:
    for position, block in enumerate(_blocks(lines)):
        first = block[0].strip()
        underline = _UNDERLINE.match(block[1]) if len(block) == 2 else None
        if underline:
            underline_level = 1 if underline.group(1).startswith("=") else 2
            if first_page and position == 0 and underline_level == 1:
                builder.document_title(first, page)
            else:
                builder.heading(first, underline_level, page)
            continue
        if first_page and position == 0 and builder.title is None and _is_title_line(block):
            builder.document_title(first, page)
            block = block[1:]
            if not block:
                continue
            first = block[0].strip()
        if len(block) > 1 and _is_caps_heading(first):  # "3. EINWEISUNG" over its text
            builder.heading(first, numbered_heading_level(first) or 1, page)
            block = block[1:]
            first = block[0].strip()
        if len(block) == 1:
            level = numbered_heading_level(first)
            if level is not None:
                builder.heading(first, level, page)
                continue
            if _ALL_CAPS.match(first) and looks_like_heading_text(first, 80):
                builder.heading(first, 1, page)
                continue
        if _is_table(block):
            rows = [" | ".join(c for c in _CELL_SPLIT.split(line.strip()) if c) for line in block]
            builder.add("table", "\n".join(rows), page)
            continue
        if len(block) >= 2 and all(_KEY_VALUE.match(line) for line in block):
            for line in block:  # a protocol's "Label: value" lines: each a statement of its own
                builder.add("text", " ".join(line.split()), page)
            continue
        _add_paragraphs_and_items(block, builder, page)


def _is_title_line(block: list[str]) -> bool:
    """A short first line that stands alone: a block of its own, or followed by a line that
    does not continue it (a wrapped sentence continues in lower case, "Strom-" + "preis")."""
    first = block[0].strip()
    if (
        numbered_heading_level(first) is not None
        or strip_bullet(first)[0]
        or not looks_like_heading_text(first, 120)
    ):
        return False
    if len(block) == 1:
        return True
    second = block[1].strip()
    return len(block) <= 3 and not second[:1].islower() and not first.endswith("-")


def _is_caps_heading(line: str) -> bool:
    """A numbered line in capitals ("3. EINWEISUNG", "2 MESSUNGEN UND PRÜFUNGEN"): a heading
    even with its section's text right below it (an enumeration item is not in capitals)."""
    words = _NUMBER_PREFIX.sub("", line)
    return (
        words != line
        and len(words) >= 4
        and bool(_ALL_CAPS.match(words))
        and looks_like_heading_text(line, 80)
    )


def _is_table(block: list[str]) -> bool:
    if len(block) < 2:
        return False
    counts = [len([c for c in _CELL_SPLIT.split(line.strip()) if c]) for line in block]
    return min(counts) >= 2 and max(counts) - min(counts) <= 1


def _add_paragraphs_and_items(block: list[str], builder: ElementBuilder, page: int | None) -> None:
    kind = "text"
    current: list[str] = []
    indent = 0

    def flush() -> None:
        if current:
            builder.add("list_item" if kind == "list_item" else "text", join_lines(current), page)

    for line in block:
        is_item, rest = strip_bullet(line.strip())
        line_indent = len(line) - len(line.lstrip())
        if is_item:
            flush()
            kind, current, indent = "list_item", [rest], line_indent
        elif kind == "list_item" and line_indent > indent:
            current.append(line.strip())
        elif kind == "list_item":
            flush()
            kind, current = "text", [line.strip()]
        else:
            current.append(line.strip())
    flush()
