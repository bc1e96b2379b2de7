"""Decide a document's format from its bytes; the name and declared type only break ties.

Binary formats are recognised by their magic numbers (and, for zip and OLE2 containers, by
the members inside), so a PDF renamed to ``.txt`` is still parsed as a PDF and an image renamed
to ``.pdf`` is refused. Among text formats (which have no magic number) the extension and MIME
type choose between plain text, Markdown, HTML, CSV and e-mail (EML). The formats after HTML
are read through the optional ``unstructured`` extra (``luna.ingest.unstructured_parser``).
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
    # through the optional `unstructured` extra
    XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    CSV = "text/csv"
    PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    EML = "message/rfc822"
    MSG = "application/vnd.ms-outlook"
    ODT = "application/vnd.oasis.opendocument.text"
    RTF = "application/rtf"
    EPUB = "application/epub+zip"


# The file names a folder scan (``luna ingest add DIR``) and the upload picker offer: every
# format above by its usual extensions. Detection itself goes by the bytes.
BUILT_IN_SUFFIXES = (".pdf", ".docx", ".txt", ".md", ".markdown", ".html", ".htm")
EXTRA_SUFFIXES = (".xlsx", ".csv", ".pptx", ".eml", ".msg", ".odt", ".rtf", ".epub")
KNOWN_SUFFIXES = BUILT_IN_SUFFIXES + EXTRA_SUFFIXES


_REFUSED_MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"RIFF", "a RIFF media file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "an executable"),
]
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Outlook .msg: an OLE2 container whose streams are named "__substg1.0_<property>" (UTF-16).
_MSG_STREAM = "__substg1.0_".encode("utf-16-le")
_RTF = b"{\\rtf"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_MARKDOWN_EXT = {".md", ".markdown", ".mdown", ".mkd"}
_HTML_EXT = {".html", ".htm", ".xhtml"}
_OOXML = {
    "word/document.xml": DocumentFormat.DOCX,
    "xl/workbook.xml": DocumentFormat.XLSX,
    "ppt/presentation.xml": DocumentFormat.PPTX,
}
# The first member of an OpenDocument or EPUB container names its type.
_ZIP_MIMETYPES = {
    "application/vnd.oasis.opendocument.text": DocumentFormat.ODT,
    "application/epub+zip": DocumentFormat.EPUB,
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
        if _MSG_STREAM in data:
            return DocumentFormat.MSG
        raise UnsupportedDocumentError(
            filename, "legacy binary Office format (.doc/.xls); save it as DOCX or PDF"
        )
    if data.startswith(_RTF):
        return DocumentFormat.RTF
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
            mimetype = ""
            if "mimetype" in names:  # read 100 bytes at most: never inflate a whole member
                with archive.open("mimetype") as stream:
                    mimetype = stream.read(100).decode("ascii", "replace").strip()
    except zipfile.BadZipFile:
        # Looks like a zip but is not one: most likely a truncated DOCX.
        raise CorruptDocumentError(filename, "damaged zip container") from None
    for member, document_format in _OOXML.items():
        if member in names:
            return document_format
    if mimetype in _ZIP_MIMETYPES:
        return _ZIP_MIMETYPES[mimetype]
    if "content.xml" in names and mimetype:
        raise UnsupportedDocumentError(
            filename, f"OpenDocument type {mimetype} is not supported (only texts, ODT)"
        )
    raise UnsupportedDocumentError(filename, "a zip archive, not an office document")


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
    if suffix == ".csv" or mime in {"text/csv", "application/csv"}:
        return DocumentFormat.CSV
    if suffix == ".eml" or mime == "message/rfc822":
        return DocumentFormat.EML
    return DocumentFormat.TEXT
