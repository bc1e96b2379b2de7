"""One extra chunk per table row, spelled out with its column headers.

A table chunk ("Modell | Leistung | Absicherung\\nWP-7 | 5,1 kW | C16\\nWP-9 | 7,0 kW | C20")
leaves a small model to line up cells with headers itself, and it reads the neighbouring row
or column often enough to matter. A row chunk states each cell with its header
("Modell: WP-9 · Leistung: 7,0 kW · Absicherung: C20"), under the table's section and caption,
so retrieval can hit the one row a question is about and the model reads no alignment at all.
The row as the document writes it comes first, so quotes and exact figures match the source.
The whole-table chunks stay for questions that compare rows. Two-column tables (a letter's
"Datum | 12.02.2026" head, a key-value list) are rows of pairs already and get none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import zip_longest

from luna.ingest.chunking import Chunk
from luna.ingest.model import Element, ParsedDocument
from luna.ingest.tokens import TokenCounter, approx_token_count

CELL_SEPARATOR = " | "
_CAPTION_MAX_WORDS = 20
_CAPTION = re.compile(r"(tabelle|table|tab\.|übersicht|overview)\b", re.IGNORECASE)
# A two-column table is a list of "key | value" pairs already: rows add nothing but noise.
_MIN_COLUMNS = 3


def header_rows(lines: Sequence[str]) -> list[int]:
    """The indexes of the lines that head a pipe table: the first row of each run of rows."""
    return [
        i
        for i, line in enumerate(lines)
        if CELL_SEPARATOR in line and (i == 0 or CELL_SEPARATOR not in lines[i - 1])
    ]


def render_row(header: list[str], cells: list[str]) -> str:
    """``header: cell`` pairs of one row; cells without a header stand alone."""
    pairs = []
    for name, value in zip_longest(header, cells, fillvalue=""):
        value = value.strip()
        if not value:
            continue
        pairs.append(f"{name.strip()}: {value}" if name.strip() else value)
    return " · ".join(pairs)


def _caption(elements: list[Element], index: int) -> str | None:
    """The table's caption: a short text right before it in the same section that names it
    ("Tabelle 2: Netzentgelte", "Operating modes:")."""
    if index == 0:
        return None
    before, table = elements[index - 1], elements[index]
    if before.kind != "text" or before.section != table.section:
        return None
    text = before.text.strip()
    named = _CAPTION.match(text) is not None or text.endswith(":")
    return text if named and len(text.split()) <= _CAPTION_MAX_WORDS else None


def table_row_chunks(
    doc: ParsedDocument,
    *,
    first_ordinal: int,
    max_tokens: int = 300,
    count_tokens: TokenCounter = approx_token_count,
) -> list[Chunk]:
    """A chunk per data row of every table with a header row, numbered from ``first_ordinal``."""
    chunks: list[Chunk] = []
    for index, element in enumerate(doc.elements):
        if element.kind != "table":
            continue
        header, *rows = [row.split(CELL_SEPARATOR) for row in element.text.split("\n")]
        if not rows or len(header) < _MIN_COLUMNS:
            continue
        lines = [element.section or doc.title]
        caption = _caption(doc.elements, index)
        if caption:
            lines.append(caption)
        for number, cells in enumerate(rows, start=1):
            rendered = render_row(header, cells)
            if not rendered:
                continue
            # The row as the document has it (for quotes and exact matches), then spelled out.
            original = [CELL_SEPARATOR.join(header), CELL_SEPARATOR.join(cells)]
            text = "\n".join([*lines, *original, rendered])
            while count_tokens(text) > max_tokens and " " in text:
                text = text.rsplit(" ", 1)[0]
            chunks.append(
                Chunk(
                    ordinal=first_ordinal + len(chunks),
                    text=text,
                    token_count=count_tokens(text),
                    page=element.page,
                    section=element.section,
                    metadata={
                        "page_end": element.page,
                        "sections": [element.section] if element.section else [],
                        "kinds": ["table_row"],
                        "table_row": number,
                        "overlap_tokens": 0,
                        "continued": False,
                    },
                )
            )
    return chunks
