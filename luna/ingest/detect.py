"""Decide a document's format from its bytes; the name and declared type only break ties.

Binary formats are recognised by their magic numbers, so a PDF renamed to ``.txt`` is still
parsed as a PDF and an image renamed to ``.pdf`` is refused. Among text formats (which have no
magic number) the extension and MIME type choose between plain text, Markdown and HTML.
"""

from __future__ import annotations

import io
import zipfile
from enum import StrEnum
from pathlib import PurePath

from luna.ingest.errors import (
    CorruptDocumentError,
    EmptyDocumentError,
    EncryptedDocumentError,
    UnsupportedDocumentError,
)


class DocumentFormat(StrEnum):
    PDF = "application/pdf"
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    TEXT = "text/plain"
    MARKDOWN = "text/markdown"
    HTML = "text/html"


_REFUSED_MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"RIFF", "a RIFF media file"),
    (b"{\\rtf", "an RTF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "an executable"),
]
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_MARKDOWN_EXT = {".md", ".markdown", ".mdown", ".mkd"}
_HTML_EXT = {".html", ".htm", ".xhtml"}
_OOXML_OTHERS = {
    "xl/workbook.xml": "an Excel workbook",
    "ppt/presentation.xml": "a PowerPoint presentation",
}


def detect_format(data: bytes, filename: str, mime_type: str | None = None) -> DocumentFormat:
    """Return the format of ``data`` or raise why it cannot be parsed."""
    if not data.strip():
        raise EmptyDocumentError(filename, "the file is empty")
    head = data[:1024]
    # PDF readers accept up to 1 KiB of junk before the header; text that merely mentions
    # "%PDF-" is still text.
    if data.lstrip().startswith(b"%PDF-") or (b"%PDF-" in head and not _looks_like_text(data)):
        return DocumentFormat.PDF
    if data.startswith(_ZIP):
        return _detect_zip(data, filename)
    if data.startswith(_OLE2):
        # Password-protected OOXML files are OLE2 containers with an "EncryptedPackage" stream.
        if "EncryptedPackage".encode("utf-16-le") in data[:65536] or b"EncryptedPackage" in data:
            raise EncryptedDocumentError(filename, "the Office document is password-protected")
        raise UnsupportedDocumentError(
            filename, "legacy binary Office format (.doc/.xls); save it as DOCX or PDF"
        )
    for magic, what in _REFUSED_MAGIC:
        if data.startswith(magic):
            raise UnsupportedDocumentError(filename, f"the file is {what}, not a text document")
    if not _looks_like_text(data):
        raise UnsupportedDocumentError(filename, "unknown binary format")
    return _text_flavour(data, filename, mime_type)


def _detect_zip(data: bytes, filename: str) -> DocumentFormat:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        # Looks like a zip but is not one: most likely a truncated DOCX.
        raise CorruptDocumentError(filename, "damaged zip container") from None
    if "word/document.xml" in names:
        return DocumentFormat.DOCX
    for member, what in _OOXML_OTHERS.items():
        if member in names:
            raise UnsupportedDocumentError(filename, f"the file is {what}, not a text document")
    if "content.xml" in names and "mimetype" in names:
        raise UnsupportedDocumentError(filename, "OpenDocument files are not supported yet")
    raise UnsupportedDocumentError(filename, "a zip archive, not a Word document")


def _looks_like_text(data: bytes) -> bool:
    sample = data[:8192]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16 with BOM
    if b"\x00" in sample:
        return False
    control = sum(1 for byte in sample if byte < 9 or 13 < byte < 32)
    return control <= len(sample) // 100


def _text_flavour(data: bytes, filename: str, mime_type: str | None) -> DocumentFormat:
    suffix = PurePath(filename).suffix.lower()
    mime = (mime_type or "").split(";")[0].strip().lower()
    start = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if (
        start.startswith((b"<!doctype html", b"<html"))
        or suffix in _HTML_EXT
        or mime
        in {
            "text/html",
            "application/xhtml+xml",
        }
    ):
        return DocumentFormat.HTML
    if suffix in _MARKDOWN_EXT or mime in {"text/markdown", "text/x-markdown"}:
        return DocumentFormat.MARKDOWN
    return DocumentFormat.TEXT
