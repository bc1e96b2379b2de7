"""Markdown with markdown-it-py (CommonMark + pipe tables): ``#`` headings give sections.

A single top-level ``#`` heading at the start is the document title, not a section, so the
``##`` headings below it become the top-level sections. Inline markup is dropped (link texts
and image alt texts stay); code blocks are kept as text.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from luna.ingest.model import ParsedDocument, ParseLimits
from luna.ingest.parsers.text import decode_text
from luna.ingest.structure import ElementBuilder, choose_title

MIME_TYPE = "text/markdown"
_FRONT_MATTER = re.compile(r"\A---\n.*?\n(?:---|\.\.\.)\n", re.DOTALL)


def parse_markdown(data: bytes, filename: str, limits: ParseLimits) -> ParsedDocument:
    del limits
    text = _FRONT_MATTER.sub("", decode_text(data).replace("\r\n", "\n"), count=1)
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    builder = ElementBuilder()
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
    return ParsedDocument(choose_title(builder, None, filename), MIME_TYPE, None, builder.elements)


def _walk(tokens: list[Token], builder: ElementBuilder, title_is_h1: bool, shift: int) -> None:
    list_depth = 0
    item: list[str] | None = None
    table: list[list[str]] | None = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        kind = token.type
        if kind == "heading_open":
            text = _inline_text(tokens[index + 1])
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
            table[-1].append(_inline_text(token))
        elif kind == "table_close" and table is not None:
            builder.add("table", "\n".join(" | ".join(row) for row in table if any(row)))
            table = None
        elif kind == "inline":
            text = _inline_text(token)
            if item is not None:
                item.append(text)
            else:
                builder.add("text", text)
        elif kind in ("fence", "code_block", "html_block"):
            content = (
                re.sub(r"<[^>]+>", " ", token.content) if kind == "html_block" else token.content
            )
            if item is not None:
                item.append(content)
            else:
                builder.add("text", content)
        index += 1


def _inline_text(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content or str(child.attrs.get("alt", "")))
    return "".join(parts) if token.children else token.content
