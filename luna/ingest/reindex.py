"""``luna reindex``: rebuild the vector collection from ``item_chunks`` (no re-parsing).

Run after changing the embedding model: the collection refuses vectors of another model or
dimension, so the chunks are re-embedded with the configured model. Everything is embedded
*before* the old collection is dropped, so a failing embedding model leaves the old index in
place; the window without an index is only the time it takes to write the new vectors.
Point ids stay those recorded in ``item_chunks``, so SQL and Qdrant reconcile as before.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from langchain_core.embeddings import Embeddings
from sqlalchemy import select

from luna.ingest.context import indexed_text, opening
from luna.ingest.pipeline import chunk_point
from luna.store.factory import Stores
from luna.store.sql.models import Item, ItemChunk, ItemStatus
from luna.store.vectors.base import VectorPoint


class ReindexError(RuntimeError):
    """The configured embedding model does not give vectors of the configured dimension."""


@dataclass(frozen=True)
class ReindexReport:
    items: int
    chunks: int
    dimension: int
    embedding_model: str
    seconds: float


def reindex(
    stores: Stores,
    embeddings: Embeddings,
    *,
    batch_size: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ReindexReport:
    """Re-embed every chunk of every ready item into a fresh collection."""
    started = time.perf_counter()
    settings = stores.settings
    batch_size = batch_size or settings.embed_batch_size
    with stores.sessions() as session:
        rows = session.execute(
            select(
                ItemChunk.item_id,
                ItemChunk.ordinal,
                ItemChunk.text,
                ItemChunk.point_id,
                ItemChunk.page,
                ItemChunk.section,
                Item.title,
            )
            .join(Item, Item.id == ItemChunk.item_id)
            .where(Item.status == ItemStatus.READY)
            .order_by(ItemChunk.item_id, ItemChunk.ordinal)
        ).all()

    contexts: dict[uuid.UUID, str] = {}
    for row in rows:  # ordered by item and ordinal: the first row is the document's opening
        contexts.setdefault(row.item_id, opening(row.text, row.title))
    points: list[VectorPoint] = []
    for lo in range(0, len(rows), batch_size):
        part = rows[lo : lo + batch_size]
        texts = [
            indexed_text(r.text, title=r.title, context=contexts[r.item_id], ordinal=r.ordinal)
            for r in part
        ]
        vectors = embeddings.embed_documents(texts)
        for row, vector, text in zip(part, vectors, texts, strict=True):
            if len(vector) != settings.vector_dimension:
                raise ReindexError(
                    f"'{settings.embedding_model}' returned {len(vector)}-d vectors, but the "
                    f"collection is configured for {settings.vector_dimension}-d"
                )
            points.append(
                chunk_point(
                    row.point_id,
                    vector,
                    item_id=row.item_id,
                    ordinal=row.ordinal,
                    title=row.title,
                    page=row.page,
                    section=row.section,
                    text=text,
                )
            )
        if on_progress is not None:
            on_progress(len(points), len(rows))

    store = stores.rebuild_vectors()
    for lo in range(0, len(points), 256):
        store.upsert(points[lo : lo + 256])
    return ReindexReport(
        items=len({r.item_id for r in rows}),
        chunks=len(points),
        dimension=settings.vector_dimension,
        embedding_model=settings.embedding_model,
        seconds=round(time.perf_counter() - started, 2),
    )
