"""Bad input raises one specific, named error; nothing comes back empty."""

from __future__ import annotations

import pytest

from luna.ingest import (
    CorruptDocumentError,
    DocumentError,
    DocumentTooLargeError,
    EmptyDocumentError,
    EncryptedDocumentError,
    ParseLimits,
    UnsupportedDocumentError,
    parse_document,
)
from tests.ingest.conftest import FIXTURES, KNOWLEDGE


@pytest.mark.parametrize(
    ("fixture", "error", "phrase"),
    [
        ("encrypted.pdf", EncryptedDocumentError, "password"),
        ("corrupt.pdf", CorruptDocumentError, "not a readable PDF"),
        ("scanned.pdf", EmptyDocumentError, "no text layer"),
        ("empty.txt", EmptyDocumentError, "empty"),
        ("zip-bomb.docx", DocumentTooLargeError, "zip bomb"),
    ],
)
def test_failure_fixture_raises_its_specific_error_naming_the_file(
    fixture: str, error: type[DocumentError], phrase: str
) -> None:
    with pytest.raises(error) as caught:
        parse_document((FIXTURES / fixture).read_bytes(), fixture)
    assert str(caught.value).startswith(f"{fixture}: ")
    assert phrase in str(caught.value)
    assert caught.value.filename == fixture


def test_zip_bomb_is_refused_by_total_size_even_with_a_lenient_ratio() -> None:
    limits = ParseLimits(max_zip_ratio=1e9, max_zip_uncompressed_bytes=32 * 1024 * 1024)
    with pytest.raises(DocumentTooLargeError, match="declared uncompressed size"):
        parse_document((FIXTURES / "zip-bomb.docx").read_bytes(), "bomb.docx", limits=limits)


def test_zip_bomb_guard_passes_the_real_docx_sample() -> None:
    name = "luna-therm-lw9-anleitung-auszug.docx"
    limits = ParseLimits(max_zip_uncompressed_bytes=1024 * 1024)
    assert parse_document((KNOWLEDGE / name).read_bytes(), name, limits=limits).elements


def test_pdf_over_the_page_limit_is_refused_before_extraction() -> None:
    name = "luna-strom-dynamisch-preisblatt.pdf"
    with pytest.raises(DocumentTooLargeError, match="3 pages exceed the limit of 2"):
        parse_document((KNOWLEDGE / name).read_bytes(), name, limits=ParseLimits(max_pages=2))


def test_upload_over_the_byte_limit_is_refused() -> None:
    with pytest.raises(DocumentTooLargeError, match="upload limit"):
        parse_document(b"x" * 101, "big.txt", limits=ParseLimits(max_bytes=100))


def test_zero_byte_file_is_empty() -> None:
    with pytest.raises(EmptyDocumentError):
        parse_document(b"", "nothing.pdf")


def test_type_comes_from_the_bytes_not_the_name() -> None:
    pdf = (KNOWLEDGE / "luna-store-10-manual-excerpt.pdf").read_bytes()
    assert parse_document(pdf, "renamed.txt", "text/plain").mime_type == "application/pdf"
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    with pytest.raises(UnsupportedDocumentError, match="PNG image"):
        parse_document(png, "photo.pdf", "application/pdf")


def test_text_that_mentions_the_pdf_header_is_still_text() -> None:
    doc = parse_document(b"Jede PDF-Datei beginnt mit %PDF-1.7 im Kopf.\n", "notiz.md")
    assert doc.mime_type == "text/markdown"


def test_legacy_binary_office_formats_are_unsupported() -> None:
    # XLSX, PPTX, ODT and the rest: tests/ingest/test_unstructured.py
    legacy = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)
    with pytest.raises(UnsupportedDocumentError, match="legacy"):
        parse_document(legacy, "old.doc")


def test_password_protected_docx_is_encrypted_not_corrupt() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100) + "EncryptedPackage".encode("utf-16-le")
    with pytest.raises(EncryptedDocumentError):
        parse_document(ole, "geheim.docx")


def test_truncated_docx_is_corrupt() -> None:
    data = (KNOWLEDGE / "luna-therm-lw9-anleitung-auszug.docx").read_bytes()
    with pytest.raises(CorruptDocumentError):
        parse_document(data[: len(data) // 2], "cut.docx")


def test_binary_garbage_is_unsupported() -> None:
    with pytest.raises(UnsupportedDocumentError):
        parse_document(bytes(range(256)) * 4, "blob.bin")
