"""Entry point of document parsing: detect the format from the bytes, extract, validate.

A document either comes back with at least one element of text or raises a
:class:`~luna.ingest.errors.DocumentError` subclass naming the problem and the file, so the
pipeline can mark it failed with a reason instead of indexing nothing. Hidden content the
parser dropped (``ParsedDocument.hidden``) is logged as a warning: it is how prompt
injections hide, and the admin should know which file carried some.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from luna.ingest.detect import DocumentFormat, detect_format
from luna.ingest.errors import DocumentTooLargeError, EmptyDocumentError
from luna.ingest.model import ParsedDocument, ParseLimits
from luna.ingest.parsers.docx import parse_docx
from luna.ingest.parsers.html import parse_html
from luna.ingest.parsers.markdown import parse_markdown
from luna.ingest.parsers.pdf import parse_pdf
from luna.ingest.parsers.text import parse_text
from luna.ingest.unstructured_parser import UNSTRUCTURED_FORMATS, parse_unstructured

Parser = Callable[[bytes, str, ParseLimits], ParsedDocument]

PARSERS: dict[DocumentFormat, Parser] = {
    DocumentFormat.PDF: parse_pdf,
    DocumentFormat.DOCX: parse_docx,
    DocumentFormat.TEXT: parse_text,
    DocumentFormat.MARKDOWN: parse_markdown,
    DocumentFormat.HTML: parse_html,
    # the optional `unstructured` extra; without it these raise MissingExtraError (a 415)
    **{fmt: partial(parse_unstructured, fmt) for fmt in UNSTRUCTURED_FORMATS},
}

SUPPORTED_MIME_TYPES = tuple(str(fmt) for fmt in DocumentFormat)

log = logging.getLogger(__name__)


def parse_document(
    data: bytes,
    filename: str,
    mime_type: str | None = None,
    *,
    limits: ParseLimits | None = None,
) -> ParsedDocument:
    """Parse an uploaded file into cleaned, sectioned elements.

    The format comes from the bytes (magic numbers); ``filename`` and ``mime_type`` only choose
    among text formats and name the file in error messages. Raises ``UnsupportedDocumentError``
    (``MissingExtraError`` for a format whose optional extra is not installed),
    ``EmptyDocumentError``, ``EncryptedDocumentError``, ``CorruptDocumentError`` or
    ``DocumentTooLargeError``.
    """
    limits = limits or ParseLimits()
    if len(data) > limits.max_bytes:
        raise DocumentTooLargeError(
            filename, f"{len(data):,} bytes exceed the upload limit of {limits.max_bytes:,}"
        )
    document_format = detect_format(data, filename, mime_type)
    document = PARSERS[document_format](data, filename, limits)
    if not any(element.text.strip() for element in document.elements):
        raise EmptyDocumentError(filename, "no extractable text")
    characters = sum(len(element.text) for element in document.elements)
    if characters > limits.max_text_chars:
        raise DocumentTooLargeError(
            filename,
            f"{characters:,} characters of text exceed the limit of {limits.max_text_chars:,}",
        )
    if document.hidden:
        log.warning(
            "%s: dropped %d characters of hidden content (%s)",
            filename,
            document.hidden_chars,
            ", ".join(f"{reason} {count}" for reason, count in document.hidden.items()),
        )
    return document
