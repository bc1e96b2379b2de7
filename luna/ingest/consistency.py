"""Drift between SQL, Qdrant and the object store: find it, and repair what can be repaired.

SQL is the source of truth (the items, and the ingest jobs for staged uploads). Repairs: orphan
vectors and orphan objects (staged uploads no job waits for among them) are deleted; chunks whose
vector is missing are re-embedded from their SQL text (no re-parsing); items stuck mid-ingest
are marked failed; ready items whose original is gone are reported (nothing to rebuild from).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from langchain_core.embeddings import Embeddings
from sqlalchemy import select

from luna.ingest.context import indexed_text, openings
from luna.ingest.object_keys import key_item, key_started
from luna.ingest.pipeline import chunk_point
from luna.ingest.staging import STAGING_PREFIX, staged_at, staged_keys_in_use
from luna.store.factory import Stores
from luna.store.objects.base import PROCESSED_PREFIX, RAW_PREFIX
from luna.store.sql.database import session_scope
from luna.store.sql.models import Item, ItemChunk, ItemStatus

STUCK_AFTER = timedelta(minutes=30)


@dataclass
class DriftReport:
    items: int = 0
    chunks: int = 0
    vectors: int = 0
    orphan_vectors: list[uuid.UUID] = field(default_factory=list)
    missing_vectors: list[uuid.UUID] = field(default_factory=list)
    orphan_objects: list[str] = field(default_factory=list)
    missing_originals: list[uuid.UUID] = field(default_factory=list)
    stuck_items: list[uuid.UUID] = field(default_factory=list)
    repaired: bool = False

    @property
    def clean(self) -> bool:
        return not (
            self.orphan_vectors
            or self.missing_vectors
            or self.orphan_objects
            or self.missing_originals
            or self.stuck_items
        )


def check_drift(stores: Stores, *, now: datetime | None = None) -> DriftReport:
    now = now or datetime.now(UTC)
    # Objects before rows: a new version's objects are written before its row names them and
    # the replaced ones deleted after, so this order never reports a serving original missing.
    keys = set(stores.objects.list(RAW_PREFIX)) | set(stores.objects.list(PROCESSED_PREFIX))
    staged = stores.objects.list(STAGING_PREFIX)
    with stores.sessions() as session:
        staged_in_use = staged_keys_in_use(session)
        items = list(
            session.execute(
                select(Item.id, Item.status, Item.raw_key, Item.processed_key, Item.updated_at)
            )
        )
        chunk_points = set(session.scalars(select(ItemChunk.point_id)))
    vector_points = stores.vectors.point_ids()
    known_keys = {k for row in items for k in (row.raw_key, row.processed_key) if k}
    in_flight = (ItemStatus.PENDING, ItemStatus.PARSED, ItemStatus.EMBEDDED)
    busy = {
        str(row.id)
        for row in items
        if row.status in in_flight and now - row.updated_at <= STUCK_AFTER
    }
    return DriftReport(
        items=len(items),
        chunks=len(chunk_points),
        vectors=len(vector_points),
        orphan_vectors=sorted(vector_points - chunk_points),
        missing_vectors=sorted(chunk_points - vector_points),
        orphan_objects=sorted(
            [k for k in keys - known_keys if not _maybe_in_flight(k, busy, now)]
            + [k for k in staged if k not in staged_in_use and not _just_staged(k, now)]
        ),
        missing_originals=sorted(
            row.id
            for row in items
            if row.status is ItemStatus.READY and (not row.raw_key or row.raw_key not in keys)
        ),
        stuck_items=sorted(
            row.id
            for row in items
            if row.status in in_flight and now - row.updated_at > STUCK_AFTER
        ),
    )


def _maybe_in_flight(key: str, busy: set[str], now: datetime) -> bool:
    """Whether an object no row names may belong to a run still under way: its keys commit
    last, and a new version of a ready item writes its objects while the row stays ``ready``,
    so the run's start in the key counts as well as the item's status."""
    started = key_started(key)
    return key_item(key) in busy or (started is not None and now - started <= STUCK_AFTER)


def _just_staged(key: str, now: datetime) -> bool:
    """Whether an upload may be between its staging and its job's queueing."""
    started = staged_at(key)
    return started is not None and now - started <= STUCK_AFTER


def repair_drift(
    stores: Stores, embeddings: Embeddings, *, now: datetime | None = None
) -> DriftReport:
    """Repair what :func:`check_drift` finds, then return the report of the state before."""
    report = check_drift(stores, now=now)
    if report.orphan_vectors:
        stores.vectors.delete_points(report.orphan_vectors)
    for key in report.orphan_objects:
        stores.objects.delete(key)
    if report.missing_vectors:
        with stores.sessions() as session:
            chunks = list(
                session.execute(
                    select(
                        ItemChunk.point_id,
                        ItemChunk.item_id,
                        ItemChunk.ordinal,
                        ItemChunk.text,
                        ItemChunk.page,
                        ItemChunk.section,
                        Item.title,
                    )
                    .join(Item, Item.id == ItemChunk.item_id)
                    .where(ItemChunk.point_id.in_(report.missing_vectors))
                )
            )
            titles = {c.item_id: c.title for c in chunks}
            contexts = openings(session, titles)
        texts = [
            indexed_text(
                c.text, title=c.title, context=contexts.get(c.item_id, ""), ordinal=c.ordinal
            )
            for c in chunks
        ]
        vectors = embeddings.embed_documents(texts)
        stores.vectors.upsert(
            [
                chunk_point(
                    c.point_id,
                    v,
                    item_id=c.item_id,
                    ordinal=c.ordinal,
                    title=c.title,
                    page=c.page,
                    section=c.section,
                    text=t,
                )
                for c, v, t in zip(chunks, vectors, texts, strict=True)
            ]
        )
    if report.stuck_items:
        with session_scope(stores.sessions) as session:
            for item_id in report.stuck_items:
                item = session.get(Item, item_id)
                if item is not None:
                    item.status = ItemStatus.FAILED
                    item.error = "ingest interrupted; upload again or re-ingest"
    report.repaired = True
    return report
