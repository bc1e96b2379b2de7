"""Dense retrieval with filters, near-duplicate removal and a relevance-weight hook.

Vector hits are only trusted when ``item_chunks`` has a row for their point id: the SQL row is
the commit point of an ingest, so a half-ingested or orphaned vector is never returned, and the
chunk text, title, page and section always come from SQL.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from langchain_core.embeddings import Embeddings
from sqlalchemy import cast, select
from sqlalchemy.orm import Session, sessionmaker

from luna.observability.metrics import RETRIEVAL_DURATION
from luna.store.sql.models import Item, ItemChunk, ItemStatus, Label, LabelTarget
from luna.store.vectors.base import PayloadFilter, VectorStore

# Per-document/per-chunk relevance weights (filled by learning jobs; 1.0 = neutral).
WeightHook = Callable[[Sequence["RetrievedChunk"]], Mapping[int, float]]
# A learned map of the query embedding before search (the identity when nothing is learned).
QueryAdapter = Callable[[Sequence[float]], Sequence[float]]

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class RetrievalFilter:
    item_ids: Sequence[uuid.UUID] | None = None
    sources: Sequence[str] | None = None
    labels: Mapping[str, str] | None = None  # e.g. {"topic": "tariff"}


@dataclass(frozen=True)
class RetrievedChunk:
    chunk_id: int
    point_id: uuid.UUID
    item_id: uuid.UUID
    title: str
    source: str
    page: int | None
    section: str | None
    text: str
    score: float  # cosine similarity times the relevance weight

    def citation(self) -> str:
        where = [f"p. {self.page}"] if self.page else []
        if self.section:
            where.append(self.section)
        return f"{self.title} ({', '.join(where)})" if where else self.title


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def near_duplicate(a: str, b: str, threshold: float = 0.85) -> bool:
    """Jaccard overlap of word sets; overlapping chunk windows and copied passages score high."""
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return False
    return len(wa & wb) / len(wa | wb) >= threshold


class Retriever:
    def __init__(
        self,
        vectors: VectorStore,
        sessions: sessionmaker[Session],
        embeddings: Embeddings,
        *,
        weights: WeightHook | None = None,
        adapter: QueryAdapter | None = None,
        oversample: int = 3,
    ) -> None:
        self._vectors = vectors
        self._sessions = sessions
        self._embeddings = embeddings
        self._weights = weights
        self._adapter = adapter
        self._oversample = oversample

    @RETRIEVAL_DURATION.time()
    def search(
        self,
        query: str,
        *,
        top_k: int = 4,
        filters: RetrievalFilter | None = None,
        score_threshold: float | None = None,
    ) -> list[RetrievedChunk]:
        vector: Sequence[float] = self._embeddings.embed_query(query)
        if self._adapter is not None:
            vector = self._adapter(vector)
        with self._sessions() as session:
            payload_filter = self._payload_filter(session, filters)
            if payload_filter is not None and not payload_filter.get("item_id"):
                return []  # the SQL-side filter matched no document
            hits = self._vectors.search(
                vector,
                limit=top_k * self._oversample,
                filters=payload_filter,
                score_threshold=score_threshold,
            )
            chunks = self._resolve(session, [(h.id, h.score) for h in hits])
        if self._weights is not None and chunks:
            factors = self._weights(chunks)
            chunks = [
                RetrievedChunk(**{**c.__dict__, "score": c.score * factors.get(c.chunk_id, 1.0)})
                for c in chunks
            ]
            chunks.sort(key=lambda c: c.score, reverse=True)
        kept: list[RetrievedChunk] = []
        for chunk in chunks:
            if not any(near_duplicate(chunk.text, k.text) for k in kept):
                kept.append(chunk)
            if len(kept) == top_k:
                break
        return kept

    def _payload_filter(
        self, session: Session, filters: RetrievalFilter | None
    ) -> PayloadFilter | None:
        """Metadata filters are resolved in SQL to item ids, the one field vectors carry."""
        if filters is None or not (filters.item_ids or filters.sources or filters.labels):
            return None
        query = select(Item.id).where(Item.status == ItemStatus.READY)
        if filters.item_ids:
            query = query.where(Item.id.in_(list(filters.item_ids)))
        if filters.sources:
            query = query.where(Item.source.in_(list(filters.sources)))
        for name, value in (filters.labels or {}).items():
            labelled = select(cast(Label.target_id, Item.id.type)).where(
                Label.target_type == LabelTarget.ITEM, Label.name == name, Label.value == value
            )
            query = query.where(Item.id.in_(labelled))
        return {"item_id": [str(i) for i in session.scalars(query)]}

    def _resolve(
        self, session: Session, hits: Sequence[tuple[uuid.UUID, float]]
    ) -> list[RetrievedChunk]:
        if not hits:
            return []
        rows = session.execute(
            select(ItemChunk, Item.title, Item.source)
            .join(Item, Item.id == ItemChunk.item_id)
            .where(ItemChunk.point_id.in_([pid for pid, _ in hits]))
            .where(Item.status == ItemStatus.READY)
        ).all()
        by_point = {chunk.point_id: (chunk, title, source) for chunk, title, source in rows}
        resolved = []
        for point_id, score in hits:
            if point_id not in by_point:
                continue  # an orphan or not-yet-committed vector: never served
            chunk, title, source = by_point[point_id]
            resolved.append(
                RetrievedChunk(
                    chunk_id=chunk.id,
                    point_id=point_id,
                    item_id=chunk.item_id,
                    title=title,
                    source=source,
                    page=chunk.page,
                    section=chunk.section,
                    text=chunk.text,
                    score=score,
                )
            )
        return resolved
