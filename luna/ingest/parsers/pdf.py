"""PDF text with PDFium (pypdfium2): per page, with the layout cues that give structure.

PDFium yields characters with their boxes, baselines and font sizes. From those this module
rebuilds lines, drops running headers/footers and page numbers, takes lines set larger than
the body text (or bold numbered lines) as headings, joins body lines into paragraphs by their
spacing, keeps bullets as list items and turns runs of lines with column gaps into tables
(a header whose cells wrap, which PDFium gives cell by cell, is rejoined into one row).
Single-column layouts are the target; multi-column pages come out in PDFium's reading order.

Glyphs no reader sees (invisible, white, tiny or off-page text) are dropped and counted; see
:mod:`luna.ingest.parsers.pdf_visibility`. Text lines count against the parse budget and the
clock is checked while glyphs are read (:mod:`luna.ingest.budget`): the page limit alone does
not bound a page that holds millions of glyphs.
"""

from __future__ import annotations

import ctypes
import itertools
import statistics
import threading
from collections import Counter
from dataclasses import dataclass, field

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]

from luna.ingest.budget import ParseBudget
from luna.ingest.cleaning import is_page_number, join_lines, repeated_lines, running_line_key
from luna.ingest.errors import (
    CorruptDocumentError,
    DocumentTooLargeError,
    EmptyDocumentError,
    EncryptedDocumentError,
)
from luna.ingest.hidden import HiddenTally
from luna.ingest.model import ParsedDocument, ParseLimits
from luna.ingest.parsers.pdf_visibility import PageScene
from luna.ingest.structure import (
    ElementBuilder,
    choose_title,
    numbered_heading_level,
    strip_bullet,
)

MIME_TYPE = "application/pdf"
# PDFium is not thread-safe: one document at a time per process.
_PDFIUM_LOCK = threading.Lock()
_MARGIN_SHARE = 0.09  # top/bottom share of the page where running headers/footers live
_COLUMN_GAP_EM = 1.2  # a horizontal gap wider than this many font sizes separates table cells
_HEADING_SIZE_RATIO = 1.15  # a line this much larger than the body text is a heading
_BOLD_MARKERS = ("bold", "black", "heavy", "semibold", "demi")
_GLYPHS_PER_CLOCK_CHECK = 1024
_CELL_MAX_LINES = 8  # a table cell wraps onto at most this many lines


@dataclass(slots=True)
class _Glyph:
    char: str
    left: float
    right: float
    size: float
    baseline: float
    index: int


@dataclass(slots=True)
class _Line:
    page: int
    cells: list[str]
    spans: list[tuple[float, float]]  # x extent of each cell
    size: float
    bold: bool
    x0: float
    x1: float
    baseline: float
    top: float
    bottom: float

    @property
    def text(self) -> str:
        return " ".join(self.cells)


@dataclass(slots=True)
class _Page:
    number: int
    width: float
    height: float
    lines: list[_Line] = field(default_factory=list)


def parse_pdf(data: bytes, filename: str, limits: ParseLimits) -> ParsedDocument:
    hidden = HiddenTally()
    with _PDFIUM_LOCK:
        pages, metadata_title = _read_pages(data, filename, limits, hidden)
    _check_text_layer(pages, filename)
    lines = _merge_wrapped_rows(_drop_running_lines(pages))
    builder = ElementBuilder()
    _Assembler(lines, builder).run()
    if not builder.elements:
        raise EmptyDocumentError(filename, "no text left after removing headers and footers")
    title = choose_title(builder, metadata_title, filename)
    hidden.merge(builder.hidden)
    return ParsedDocument(title, MIME_TYPE, len(pages), builder.elements, hidden.as_dict())


# --- reading ---------------------------------------------------------------------------
def _read_pages(
    data: bytes, filename: str, limits: ParseLimits, hidden: HiddenTally
) -> tuple[list[_Page], str]:
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise EncryptedDocumentError(filename, "the PDF is password-protected") from None
        raise CorruptDocumentError(filename, f"not a readable PDF ({exc})") from None
    try:
        count = len(document)
        if count == 0:
            raise CorruptDocumentError(filename, "the PDF has no pages")
        if count > limits.max_pages:
            raise DocumentTooLargeError(
                filename, f"{count} pages exceed the limit of {limits.max_pages}"
            )
        budget = ParseBudget(filename, limits, "text lines")
        pages = [_read_page(document, index, hidden, budget) for index in range(count)]
        title = str(document.get_metadata_value("Title") or "")
    except pdfium.PdfiumError as exc:
        raise CorruptDocumentError(filename, f"unreadable page ({exc})") from None
    finally:
        document.close()
    return pages, title


def _read_page(document: object, index: int, hidden: HiddenTally, budget: ParseBudget) -> _Page:
    page = document[index]  # type: ignore[index]
    try:
        width, height = page.get_size()
        scene = PageScene(page)
        textpage = page.get_textpage()
        try:
            lines = _page_lines(textpage, index + 1, scene, hidden, budget)
        finally:
            textpage.close()
    finally:
        page.close()
    budget.count(len(lines))
    return _Page(index + 1, float(width), float(height), lines)


def _page_lines(
    textpage: object, page_number: int, scene: PageScene, hidden: HiddenTally, budget: ParseBudget
) -> list[_Line]:
    handle = textpage.raw  # type: ignore[attr-defined]
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
    lines: list[_Line] = []
    current: list[_Glyph | None] = []  # None marks a space
    for index in range(pdfium_c.FPDFText_CountChars(handle)):
        if index % _GLYPHS_PER_CLOCK_CHECK == 0:
            budget.check_time()
        code = pdfium_c.FPDFText_GetUnicode(handle, index)
        if code in (10, 13):
            _flush_line(current, lines, handle, page_number)
            current = []
            continue
        char = chr(code) if code else ""
        if not char or char.isspace() or pdfium_c.FPDFText_IsGenerated(handle, index) == 1:
            current.append(None)
            continue
        pdfium_c.FPDFText_GetCharBox(
            handle, index, ctypes.byref(left), ctypes.byref(right), ctypes.byref(bottom),
            ctypes.byref(top),
        )  # fmt: skip
        size = float(pdfium_c.FPDFText_GetFontSize(handle, index))
        box = (left.value, bottom.value, right.value, top.value)
        reason = scene.hiding(handle, index, size, box)
        if reason is not None:
            hidden.add(reason, char)
            current.append(None)
            continue
        pdfium_c.FPDFText_GetCharOrigin(
            handle, index, ctypes.byref(origin_x), ctypes.byref(origin_y)
        )
        glyph = _Glyph(char, left.value, right.value, size, origin_y.value, index)
        current.append(glyph)
    _flush_line(current, lines, handle, page_number)
    return lines


def _flush_line(chars: list[_Glyph | None], out: list[_Line], handle: object, page: int) -> None:
    glyphs = [g for g in chars if g is not None]
    if not glyphs:
        return
    size = statistics.median(g.size for g in glyphs) or 1.0
    cells: list[str] = []
    spans: list[tuple[float, float]] = []
    text: list[str] = []
    start = glyphs[0]
    previous: _Glyph | None = None
    pending_space = False
    for glyph in chars:
        if glyph is None:
            pending_space = True
            continue
        if previous is not None and glyph.left - previous.right > _COLUMN_GAP_EM * size:
            cells.append("".join(text).strip())
            spans.append((start.left, previous.right))
            text, pending_space, start = [], False, glyph
        elif pending_space and previous is not None:
            text.append(" ")
        pending_space = False
        text.append(glyph.char)
        previous = glyph
    cells.append("".join(text).strip())
    spans.append((start.left, glyphs[-1].right))
    baseline = statistics.median(g.baseline for g in glyphs)
    out.append(
        _Line(
            page=page,
            cells=cells,
            spans=spans,
            size=round(size * 2) / 2,
            bold=_is_bold(handle, glyphs[0].index) and _is_bold(handle, glyphs[-1].index),
            x0=glyphs[0].left,
            x1=max(g.right for g in glyphs),
            baseline=baseline,
            top=baseline + size * 0.75,
            bottom=baseline - size * 0.25,
        )
    )


def _is_bold(handle: object, index: int) -> bool:
    if pdfium_c.FPDFText_GetFontWeight(handle, index) >= 600:
        return True
    buffer = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    length = pdfium_c.FPDFText_GetFontInfo(handle, index, buffer, 128, ctypes.byref(flags))
    name = buffer.value.decode("latin-1").lower() if length else ""
    return any(marker in name for marker in _BOLD_MARKERS) or bool(flags.value & 0x40000)


def _check_text_layer(pages: list[_Page], filename: str) -> None:
    glyphs = "".join(cell for page in pages for line in page.lines for cell in line.cells)
    glyphs = "".join(glyphs.split())
    if not glyphs:
        raise EmptyDocumentError(
            filename,
            "no extractable text: the PDF has no text layer (a scan?); OCR is not supported",
        )
    unreadable = sum(1 for c in glyphs if c == "\ufffd" or "\ue000" <= c <= "\uf8ff")
    if unreadable > len(glyphs) / 2:
        raise EmptyDocumentError(
            filename, "no extractable text: the fonts carry no Unicode mapping"
        )


def _drop_running_lines(pages: list[_Page]) -> list[_Line]:
    """Lines in the top/bottom margin that repeat across pages, and page numbers there."""

    def in_margin(line: _Line, page: _Page) -> bool:
        zone = page.height * _MARGIN_SHARE
        return line.top > page.height - zone or line.bottom < zone

    candidates = [[ln.text for ln in page.lines if in_margin(ln, page)] for page in pages]
    running = repeated_lines(candidates)
    kept: list[_Line] = []
    for page in pages:
        for line in page.lines:
            if in_margin(line, page) and (
                running_line_key(line.text) in running or is_page_number(line.text)
            ):
                continue
            kept.append(line)
    return kept


# --- table rows written cell by cell ---------------------------------------------------
def _merge_wrapped_rows(lines: list[_Line]) -> list[_Line]:
    """Table rows whose cells wrap (headers and body rows alike), rejoined into one row of
    cells.

    PDFium gives such a row cell by cell ("Arbeitspreis Niedertarif", "(NT)", then "Mo–Fr
    22:00–06:00 Uhr, Sa, So", "und bundeseinheitliche Feiertage", then "ct/kWh | 18,20 |
    21,66"): each wrapped line is a line of its own, and the baseline climbs back up where the
    next cell starts. A run of lines that climbs back up, each climb to a cell further right,
    is one row where its fragments fill three columns or more, or where a row of two or more
    cells follows it (a header over two columns). Cells centred or set at the row's bottom
    come on one line below the upper lines of the cells that wrap ("Arbeitspreis
    Hochtarif", then "(HT) | Mo–Fr 07:00–20:00 Uhr | ct/kWh | 21,30"): that line ends the
    run, where the lines above it fill a column of their own or one of its cells' (a
    paragraph's line above a table spans several cells and stays a paragraph). A row's
    fragments are grouped into columns by their horizontal extent and each column's lines
    read top to bottom."""
    merged: list[_Line] = []
    index = 0
    while index < len(lines):
        end = _row_run_end(lines, index)
        if end is None:
            merged.append(lines[index])
            index += 1
            continue
        merged.append(_row_of(lines[index:end]))
        index = end
    return merged


def _climbs_to_next_cell(previous: _Line, line: _Line) -> bool:
    rise = line.baseline - previous.baseline
    return (
        line.page == previous.page
        and line.size * 0.5 < rise <= line.size * _CELL_MAX_LINES
        and line.x0 > previous.x0 + previous.size
    )


def _wraps_below(previous: _Line, line: _Line) -> bool:
    """The next line of the same cell: just below, within the cell's horizontal extent."""
    drop = previous.baseline - line.baseline
    return (
        line.page == previous.page
        and 0 < drop <= line.size * 1.5
        and any(_overlaps((line.x0, line.x1), span) for span in previous.spans)
    )


def _row_run_end(lines: list[_Line], start: int) -> int | None:
    """The end of the row run starting at ``start`` (see :func:`_merge_wrapped_rows`)."""
    if start + 1 >= len(lines):
        return None
    index, climbs = start + 1, 0
    while index < len(lines):
        if climbs == 0 and index - start >= _CELL_MAX_LINES:
            return None  # a cell's lines, and no next cell: body text, not a table row
        previous, line = lines[index - 1], lines[index]
        if _climbs_to_next_cell(previous, line):
            climbs += 1
        elif not _wraps_below(previous, line):
            break
        elif len(line.cells) > 2:  # the row's other cells, centred or set at its bottom
            run = lines[start : index + 1]
            return index + 1 if len(_fragment_columns(run)) >= len(line.cells) else None
        index += 1
    if climbs == 0:
        return None
    if len(_fragment_columns(lines[start:index])) >= 3:
        return index
    if index >= len(lines):
        return None
    next_row = lines[index]
    if len(next_row.cells) < 2 or next_row.page != lines[start].page:
        return None
    if next_row.baseline >= min(line.baseline for line in lines[start:index]):
        return None
    return index


_Fragment = tuple[float, float, float, str]  # x0, x1, -baseline, text


def _fragment_columns(run: list[_Line]) -> list[list[_Fragment]]:
    """A run's cell fragments grouped into columns by their horizontal extent."""
    fragments = sorted(
        (span[0], span[1], -line.baseline, cell)
        for line in run
        for span, cell in zip(line.spans, line.cells, strict=True)
    )
    columns: list[list[_Fragment]] = []
    for fragment in fragments:
        if columns and fragment[0] <= max(f[1] for f in columns[-1]):
            columns[-1].append(fragment)
        else:
            columns.append([fragment])
    return columns


def _row_of(run: list[_Line]) -> _Line:
    columns = _fragment_columns(run)
    top_down = [sorted(column, key=lambda f: (f[2], f[0])) for column in columns]
    cells = [" ".join(f[3] for f in column) for column in top_down]
    spans = [(min(f[0] for f in column), max(f[1] for f in column)) for column in columns]
    baselines = [line.baseline for line in run]
    size = statistics.median(line.size for line in run)
    return _Line(
        page=run[0].page,
        cells=cells,
        spans=spans,
        size=size,
        bold=all(line.bold for line in run),
        x0=min(line.x0 for line in run),
        x1=max(line.x1 for line in run),
        baseline=min(baselines),
        top=max(baselines) + size * 0.75,
        bottom=min(baselines) - size * 0.25,
    )


# --- structure -------------------------------------------------------------------------
class _Assembler:
    """Groups lines into headings, paragraphs, list items and tables."""

    def __init__(self, lines: list[_Line], builder: ElementBuilder) -> None:
        self.lines = lines
        self.builder = builder
        self.body_size = _body_size(lines)
        self.pitch = _body_pitch(lines, self.body_size)
        self.heading_levels = self._heading_levels()
        self.title_lines = self._title_lines()
        # the open block
        self.kind: str | None = None
        self.block: list[_Line] = []
        self.rows: list[list[tuple[float, float, str]]] = []  # cells as (x0, x1, text)

    def run(self) -> None:
        index = 0
        while index < len(self.lines):
            line = self.lines[index]
            if index in self.title_lines:
                self._flush()
                group = [ln.text for i, ln in enumerate(self.lines) if i in self.title_lines]
                self.builder.document_title(" ".join(group), line.page)
                index = max(self.title_lines) + 1
                continue
            if self._is_heading(line):
                self._flush()
                parts = [line]
                while index + 1 < len(self.lines) and self._continues_heading(
                    parts[-1], self.lines[index + 1]
                ):
                    index += 1
                    parts.append(self.lines[index])
                text = " ".join(p.text for p in parts)
                self.builder.heading(text, self._level(line, text), line.page)
            else:
                self._body_line(line)
            index += 1
        self._flush()

    # -- headings
    def _is_heading(self, line: _Line) -> bool:
        text = line.text
        if len(line.cells) > 1 or not any(c.isalpha() for c in text) or len(text) > 150:
            return False
        if line.size >= self.body_size * _HEADING_SIZE_RATIO:
            return True
        return (
            line.bold
            and line.size >= self.body_size * 0.95
            and numbered_heading_level(text) is not None
        )

    def _continues_heading(self, previous: _Line, line: _Line) -> bool:
        return (
            self._is_heading(line)
            and line.page == previous.page
            and line.size == previous.size
            and numbered_heading_level(line.text) is None
            and 0 < previous.baseline - line.baseline <= previous.size * 1.5
        )

    def _heading_levels(self) -> dict[float, int]:
        sizes = sorted(
            {ln.size for ln in self.lines if self._is_heading(ln) and ln.size > self.body_size},
            reverse=True,
        )
        return {size: rank + 1 for rank, size in enumerate(sizes)}

    def _title_lines(self) -> set[int]:
        """The document title: the first heading, on page 1, in a size no other heading has."""
        headings = [i for i, ln in enumerate(self.lines) if self._is_heading(ln)]
        if not headings:
            return set()
        first = headings[0]
        line = self.lines[first]
        if line.page != 1 or numbered_heading_level(line.text) is not None:
            return set()
        group = {first}
        while first + 1 < len(self.lines) and self._continues_heading(
            self.lines[first], self.lines[first + 1]
        ):
            first += 1
            group.add(first)
        others = [self.lines[i].size for i in headings if i not in group]
        if others and line.size <= max(others):
            return set()
        return group

    def _level(self, line: _Line, text: str) -> int:
        numbered = numbered_heading_level(text)
        if numbered is not None:
            return numbered
        rank = self.heading_levels.get(line.size, len(self.heading_levels) + 1)
        # The title's size is rank 1 when a title exists; section headings start below it.
        return max(1, rank - 1) if self.title_lines else rank

    # -- body
    def _body_line(self, line: _Line) -> None:
        if len(line.cells) > 1:
            if self.kind != "table":
                self._flush()
                self.kind = "table"
            self.rows.append(
                [(*span, cell) for span, cell in zip(line.spans, line.cells, strict=True)]
            )
            self.block.append(line)
            return
        if self.kind == "table" and self._continues_cell(line):
            return
        if strip_bullet(line.text)[0]:
            self._flush()
            self.kind, self.block = "list_item", [line]
            return
        if self.kind in ("text", "list_item") and self._continues_block(line):
            self.block.append(line)
            return
        self._flush()
        self.kind, self.block = "text", [line]

    def _continues_cell(self, line: _Line) -> bool:
        """A wrapped table cell: a line aligned with a column, tight below the last row."""
        last = self.block[-1]
        if line.page != last.page or line.baseline > self.block[0].baseline + line.size * 0.5:
            return False
        if last.baseline - line.baseline > line.size * 1.45:
            return False
        if not any(_overlaps((line.x0, line.x1), span) for span in _columns(self.rows)):
            return False
        self.rows[-1].append((line.x0, line.x1, line.text))
        self.block.append(line)
        return True

    def _continues_block(self, line: _Line) -> bool:
        previous = self.block[-1]
        first = self.block[0]
        if self.kind == "list_item" and line.x0 <= first.x0 + 1.0:
            return False
        if line.page != previous.page:
            return not previous.text.rstrip().endswith((".", ":", "!", "?"))
        gap = previous.baseline - line.baseline
        if gap <= 0 or gap > max(self.pitch * 1.25, line.size * 1.1):
            return False
        return abs(line.size - previous.size) < 1.0

    def _flush(self) -> None:
        if self.kind == "table":
            if len(self.rows) >= 2:
                self.builder.add("table", _table_text(self.rows), self.block[0].page)
            else:
                for row in self.rows:
                    self.builder.add("text", " ".join(c[2] for c in row), self.block[0].page)
        elif self.kind in ("text", "list_item") and self.block:
            texts = [ln.text for ln in self.block]
            if self.kind == "list_item":
                texts[0] = strip_bullet(texts[0])[1]
            self.builder.add(self.kind, join_lines(texts), self.block[0].page)  # type: ignore[arg-type]
        self.kind, self.block, self.rows = None, [], []


def _body_size(lines: list[_Line]) -> float:
    weights: Counter[float] = Counter()
    for line in lines:
        weights[line.size] += len(line.text)
    return weights.most_common(1)[0][0] if weights else 10.0


def _body_pitch(lines: list[_Line], body_size: float) -> float:
    """Typical baseline distance between consecutive body lines (the line spacing)."""
    gaps = [
        a.baseline - b.baseline
        for a, b in itertools.pairwise(lines)
        if a.page == b.page and a.size == b.size == body_size and a.baseline > b.baseline
    ]
    return statistics.median(gaps) if gaps else body_size * 1.2


def _overlaps(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _columns(rows: list[list[tuple[float, float, str]]]) -> list[tuple[float, float]]:
    """Column extents: the union of overlapping cell extents over all rows."""
    columns: list[tuple[float, float]] = []
    for x0, x1 in sorted((c[0], c[1]) for row in rows for c in row):
        if columns and x0 <= columns[-1][1]:
            columns[-1] = (columns[-1][0], max(columns[-1][1], x1))
        else:
            columns.append((x0, x1))
    return columns


def _table_text(rows: list[list[tuple[float, float, str]]]) -> str:
    """Rows joined by newlines, cells placed in their column and joined by " | "."""
    columns = _columns(rows)
    grid = []
    for row in rows:
        cells = [""] * len(columns)
        for x0, x1, text in row:
            column = next(i for i, span in enumerate(columns) if _overlaps((x0, x1), span))
            cells[column] = f"{cells[column]} {text}".strip()
        grid.append(cells)
    return "\n".join(" | ".join(cells).rstrip(" |") for cells in _header_over_its_column(grid))


def _header_over_its_column(grid: list[list[str]]) -> list[list[str]]:
    """A heading set apart from its column's values (a left-aligned heading over right-aligned
    numbers): a column with text in the header row alone, beside one with text in every row
    but the header, is one column."""
    column = 0
    while len(grid) > 1 and column + 1 < len(grid[0]):
        pair = [[row[column], row[column + 1]] for row in grid]
        heading_only = [bool(pair[0][0]), *(not cells[0] for cells in pair[1:])]
        values_only = [not pair[0][1], *(bool(cells[1]) for cells in pair[1:])]
        if all(heading_only) and all(values_only):
            for row in grid:
                row[column : column + 2] = [row[column] or row[column + 1]]
        column += 1
    return grid
