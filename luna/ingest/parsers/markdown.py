"""Markdown with markdown-it-py (CommonMark + pipe tables): ``#`` headings give sections.

A single top-level ``#`` heading at the start is the document title, not a section, so the
``##`` headings below it become the top-level sections. Inline markup is dropped (link texts
and image alt texts stay); code blocks are kept as text.

Raw HTML is read as HTML (see :mod:`luna.ingest.parsers.html`): its visible text stays, while
comments and hidden or white text are dropped and counted, and the state carries across
pieces, so a ``<div style="display:none">`` block hides the Markdown up to its ``</div>``.
"Comment" reference definitions (``[//]: # (...)``) are never rendered and are counted too.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.token import Token

from luna.ingest.hidden import HTML_COMMENT, MARKDOWN_COMMENT, HiddenTally
from luna.ingest.model import ParsedDocument, ParseLimits
from luna.ingest.parsers.html import HtmlVisibility
from luna.ingest.parsers.text import decode_text
from luna.ingest.structure import ElementBuilder, choose_title

MIME_TYPE = "text/markdown"
_FRONT_MATTER = re.compile(r"\A---\n.*?\n(?:---|\.\.\.)\n", re.DOTALL)
_COMMENT_LABELS = {"//", "#", "_", "COMMENT"}


class _RawHtml(HTMLParser):
    """Raw HTML inside Markdown, fed piece by piece: visible text out, hidden content counted."""

    def __init__(self, tally: HiddenTally) -> None:
        super().__init__(convert_charrefs=True)
        self.visibility = HtmlVisibility()
        self.tally = tally
        self._out: list[str] = []
        self._spacer = ""

    @property
    def hidden(self) -> str | None:
        return self.visibility.hidden

    def visible(self, fragment: str, *, block: bool) -> str:
        """The text of ``fragment`` a browser shows; tags become spaces in blocks only."""
        self._out, self._spacer = [], " " if block else ""
        self.feed(fragment)
        return "".join(self._out)

    def skip(self, text: str) -> bool:
        """Count ``text`` as hidden when the open HTML hides it; True if it was hidden."""
        reason = self.visibility.hidden
        if reason is not None:
            self.tally.add(reason, text)
        return reason is not None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.visibility.start(tag, attrs)
        self._out.append(self._spacer)

    def handle_endtag(self, tag: str) -> None:
        self.visibility.end(tag)
        self._out.append(self._spacer)

    def handle_data(self, data: str) -> None:
        if not self.skip(data):
            self._out.append(data)

    def handle_comment(self, data: str) -> None:
        self.tally.add(HTML_COMMENT, data)


def parse_markdown(data: bytes, filename: str, limits: ParseLimits) -> ParsedDocument:
    del limits
    text = _FRONT_MATTER.sub("", decode_text(data).replace("\r\n", "\n"), count=1)
    env: dict[str, dict[str, dict[str, str]]] = {}
    tokens = MarkdownIt("commonmark").enable("table").parse(text, env)
    builder = ElementBuilder()
    for label, reference in env.get("references", {}).items():
        if label in _COMMENT_LABELS or reference.get("href") == "#":
            builder.hidden.add(MARKDOWN_COMMENT, reference.get("title") or "")
    h1_count = sum(1 for t in tokens if t.type == "heading_open" and t.tag == "h1")
    first_block = next(
        (t for t in tokens if t.nesting == 1 or t.type in ("fence", "code_block")), None
    )
    title_is_h1 = (
        h1_count == 1
        and first_block is not None
        and first_block.type == "heading_open"
        and first_block.tag == "h1"
    )
    shift = 1 if title_is_h1 else 0
    _walk(tokens, builder, title_is_h1, shift)
    title = choose_title(builder, None, filename)
    return ParsedDocument(title, MIME_TYPE, None, builder.elements, builder.hidden.as_dict())


def _walk(tokens: list[Token], builder: ElementBuilder, title_is_h1: bool, shift: int) -> None:
    html = _RawHtml(builder.hidden)
    list_depth = 0
    item: list[str] | None = None
    table: list[list[str]] | None = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        kind = token.type
        if kind == "heading_open":
            text = _inline_text(tokens[index + 1], html)
            level = int(token.tag[1])
            if title_is_h1 and level == 1:
                builder.document_title(text)
            else:
                builder.heading(text, max(1, level - shift))
            index += 3
            continue
        if kind in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif kind == "list_item_open":
            if item:  # a nested list starts: emit the parent item first
                builder.add("list_item", " ".join(item))
            item = []
        elif kind == "list_item_close":
            if item:
                builder.add("list_item", " ".join(item))
            item = [] if list_depth > 1 else None
        elif kind == "table_open":
            table = []
        elif kind == "tr_open" and table is not None:
            table.append([])
        elif kind == "inline" and table is not None and table:
            table[-1].append(_inline_text(token, html))
        elif kind == "table_close" and table is not None:
            builder.add("table", "\n".join(" | ".join(row) for row in table if any(row)))
            table = None
        elif kind == "inline":
            text = _inline_text(token, html)
            if item is not None:
                item.append(text)
            else:
                builder.add("text", text)
        elif kind in ("fence", "code_block", "html_block"):
            if kind == "html_block":
                content = html.visible(token.content, block=True)
            elif html.skip(token.content):
                content = ""
            else:
                content = token.content
            if item is not None:
                item.append(content)
            else:
                builder.add("text", content)
        index += 1


def _inline_text(token: Token, html: _RawHtml) -> str:
    """The visible text of an inline token; raw HTML in it is read by ``html``."""
    if not token.children:
        return "" if html.skip(token.content) else token.content
    parts: list[str] = []
    for child in token.children:
        if child.type in ("text", "code_inline"):
            content = child.content
        elif child.type in ("softbreak", "hardbreak"):
            content = " "
        elif child.type == "image":
            content = child.content or str(child.attrs.get("alt", ""))
        elif child.type == "html_inline":
            parts.append(html.visible(child.content, block=False))
            continue
        else:
            continue
        if not html.skip(content):
            parts.append(content)
    return "".join(parts)
