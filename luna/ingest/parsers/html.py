"""HTML with the standard library's parser: h1-h6 give sections, li items, tables rows.

Scripts, styles, navigation and other non-content elements are skipped; nothing is fetched.
Content a browser would not show is dropped and counted (see :mod:`luna.ingest.hidden`):
comments, elements with the ``hidden`` attribute or hiding inline styles (``display:none``,
``visibility:hidden``, ``opacity:0``, a font size under 2 pt, pushed off-screen), and white
text without a coloured background. Stylesheets are not evaluated: inline styles only.
"""

from __future__ import annotations

from html.parser import HTMLParser

from luna.ingest.hidden import (
    CSS_HIDDEN,
    HTML_COMMENT,
    WHITE_TEXT,
    css_background_dark,
    css_declarations,
    css_hiding,
    css_text_colour,
    is_light_colour,
)
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
_VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr",
}  # fmt: skip


class HtmlVisibility:
    """The open elements and whether their content is visible.

    Each entry keeps the element's own hiding reason (inherited by everything inside), whether
    a coloured background is in effect and whether the text colour in effect is light; white
    text is hidden only while no background shows it. Void elements never open an entry; an end
    tag closes up to its matching start tag, and a ``<p>`` closes an open ``<p>``."""

    def __init__(self) -> None:
        self._stack: list[tuple[str, str | None, bool, bool]] = []

    @property
    def hidden(self) -> str | None:
        """Why text at this point is hidden, or ``None`` when it is visible."""
        for _, reason, _, _ in self._stack:
            if reason is not None:
                return reason
        if self._stack and self._stack[-1][3] and not self._stack[-1][2]:
            return WHITE_TEXT
        return None

    def start(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        if tag == "p" and self._stack and self._stack[-1][0] == "p":
            self._stack.pop()
        values = {name.lower(): value or "" for name, value in attrs}
        style = css_declarations(values.get("style", ""))
        dark, light = self._stack[-1][2:] if self._stack else (False, False)
        bgcolor = values.get("bgcolor")
        dark = dark or css_background_dark(style) or bool(bgcolor and not is_light_colour(bgcolor))
        colour = css_text_colour(style)
        if colour is None and tag == "font" and values.get("color"):
            colour = is_light_colour(values["color"])
        reason = CSS_HIDDEN if "hidden" in values else css_hiding(style)
        self._stack.append((tag, reason, dark, light if colour is None else colour))

    def end(self, tag: str) -> None:
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                return


class _Extractor(HTMLParser):
    def __init__(self, builder: ElementBuilder) -> None:
        super().__init__(convert_charrefs=True)
        self.builder = builder
        self.visibility = HtmlVisibility()
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
        self.visibility.start(tag, attrs)
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
        self.visibility.end(tag)
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
        if self.skip_depth:
            return
        reason = self.visibility.hidden
        if reason is not None:
            self.builder.hidden.add(reason, data)
        else:
            self._text(data)

    def handle_comment(self, data: str) -> None:
        if not self.skip_depth:
            self.builder.hidden.add(HTML_COMMENT, data)

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
    return ParsedDocument(title, MIME_TYPE, None, builder.elements, builder.hidden.as_dict())
