"""HTML with the standard library's parser: h1-h6 give sections, li items, tables rows.

Scripts, styles, navigation and other non-content elements are skipped; nothing is fetched.
"""

from __future__ import annotations

from html.parser import HTMLParser

from luna.ingest.model import ParsedDocument, ParseLimits
from luna.ingest.parsers.text import decode_text
from luna.ingest.structure import ElementBuilder, choose_title

MIME_TYPE = "text/html"
_SKIP = {"script", "style", "noscript", "template", "svg", "head", "nav", "iframe", "object"}
_BLOCKS = {
    "p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote",
    "pre", "ul", "ol", "dl", "dt", "dd", "figure", "figcaption", "address", "form", "hr",
}  # fmt: skip
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}


class _Extractor(HTMLParser):
    def __init__(self, builder: ElementBuilder) -> None:
        super().__init__(convert_charrefs=True)
        self.builder = builder
        self.skip_depth = 0
        self.buffer: list[str] = []
        self.heading: int | None = None
        self.in_item = 0
        self.table: list[list[str]] | None = None
        self.cell: list[str] | None = None
        self.in_title = False
        self.metadata_title = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if tag in _SKIP:
            self.skip_depth += 1
            return
        if self.skip_depth:
            return
        if tag == "table":
            self._flush()
            self.table = []
        elif tag == "tr" and self.table is not None:
            self.table.append([])
        elif tag in ("td", "th") and self.table is not None:
            self.cell = []
        elif tag in _HEADINGS:
            self._flush()
            self.heading = _HEADINGS[tag]
        elif tag == "li":
            self._flush()
            self.in_item += 1
        elif tag in _BLOCKS:
            self._flush()
        elif tag == "br":
            self._text("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if self.skip_depth:
            return
        if tag in ("td", "th") and self.table is not None and self.cell is not None:
            if not self.table:
                self.table.append([])
            self.table[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table" and self.table is not None:
            rows = [" | ".join(row) for row in self.table if any(row)]
            self.table = None
            if rows:
                self.builder.add("table" if len(rows) > 1 else "text", "\n".join(rows))
        elif tag in _HEADINGS:
            text = "".join(self.buffer)
            self.buffer = []
            if self.heading is not None:
                self.builder.heading(text, self.heading)
            self.heading = None
        elif tag == "li":
            self._flush()
            self.in_item = max(0, self.in_item - 1)
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.metadata_title += data
        if not self.skip_depth:
            self._text(data)

    def _text(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)
        elif self.table is None:
            self.buffer.append(data)

    def _flush(self) -> None:
        text = "".join(self.buffer)
        self.buffer = []
        if text.strip():
            self.builder.add("list_item" if self.in_item else "text", text)


def parse_html(data: bytes, filename: str, limits: ParseLimits) -> ParsedDocument:
    del limits
    builder = ElementBuilder()
    extractor = _Extractor(builder)
    extractor.feed(decode_text(data))
    extractor.close()
    extractor._flush()
    title = choose_title(builder, extractor.metadata_title, filename)
    return ParsedDocument(title, MIME_TYPE, None, builder.elements)
