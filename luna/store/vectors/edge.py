"""Qdrant Edge: Qdrant's engine in-process on a local directory (the embedded default)."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from luna.store.vectors import owner
from luna.store.vectors.base import (
    CollectionInfo,
    PayloadFilter,
    VectorHit,
    VectorPoint,
    check_embedding,
)
from luna.store.vectors.keywords import KEYWORD_VECTORS, KeywordEncoder, KeywordLanguage

log = logging.getLogger(__name__)

INDEXED_FIELDS = ("item_id", "source", "labels")
_META_FILE = "luna-collection.json"


def to_edge_filter(filters: PayloadFilter | None) -> qe.Filter | None:
    if not filters:
        return None
    conditions: list[Any] = []
    for key, value in filters.items():
        if isinstance(value, str | int | bool):
            conditions.append(qe.FieldCondition(key=key, match=qe.MatchValue(value)))
        else:
            conditions.append(
                qe.FieldCondition(key=key, match=qe.MatchAny(any=[str(v) for v in value]))
            )
    return qe.Filter(must=conditions)


class EdgeVectorStore:
    """One Edge shard per collection under ``root/<collection>``; thread-safe for writes."""

    def __init__(self, root: Path, collection: str, dimension: int, embedding_model: str) -> None:
        self._path = root / collection
        self._name = collection
        self._dimension = dimension
        self._model = embedding_model
        self._lock = threading.Lock()
        self._keywords = KeywordEncoder()
        owner.claim(self._path)  # before the engine opens its files: a clear refusal
        try:
            self._open(collection, dimension, embedding_model)
        except BaseException:
            owner.release(self._path)
            raise

    def _open(self, collection: str, dimension: int, embedding_model: str) -> None:
        meta_path = self._path / _META_FILE
        if meta_path.exists():
            meta = json.loads(meta_path.read_text())
            check_embedding(
                meta["embedding_model"],
                int(meta["dimension"]),
                embedding_model,
                dimension,
                f"Qdrant Edge collection '{collection}' at {self._path}",
            )
            self._keyword_search = set(meta.get("keyword_vectors", [])) >= set(
                KEYWORD_VECTORS.values()
            )
            if not self._keyword_search:
                log.warning(
                    "Qdrant Edge collection '%s' has no keyword index: search is dense-only "
                    "until `luna reindex` rebuilds it",
                    collection,
                )
            self._shard = qe.EdgeShard.load(str(self._path / "shard"))
        else:
            self._path.mkdir(parents=True, exist_ok=True)
            config = qe.EdgeConfig(
                vectors=qe.EdgeVectorParams(size=dimension, distance=qe.Distance.Cosine),
                sparse_vectors={
                    name: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)
                    for name in KEYWORD_VECTORS.values()
                },
            )
            self._shard = qe.EdgeShard.create(str(self._path / "shard"), config)
            for name in INDEXED_FIELDS:
                self._shard.update(
                    qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Keyword)
                )
            self._keyword_search = True
            meta_path.write_text(
                json.dumps(
                    {
                        "embedding_model": embedding_model,
                        "dimension": dimension,
                        "keyword_vectors": sorted(KEYWORD_VECTORS.values()),
                    }
                )
            )

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def keyword_search(self) -> bool:
        return self._keyword_search

    def _vectors(self, point: VectorPoint) -> Any:
        dense = [float(x) for x in point.vector]
        if not (self._keyword_search and point.text):
            return dense if not self._keyword_search else {"": dense}
        sparse = self._keywords.documents(point.text)
        return {"": dense} | {
            name: qe.SparseVector(indices=v.indices, values=v.values) for name, v in sparse.items()
        }

    def upsert(self, points: Sequence[VectorPoint]) -> None:
        if not points:
            return
        batch = [qe.Point(id=str(p.id), vector=self._vectors(p), payload=p.payload) for p in points]
        with self._lock:
            self._shard.update(qe.UpdateOperation.upsert_points(batch))
            self._shard.flush()

    def search(
        self,
        vector: Sequence[float],
        *,
        limit: int = 5,
        filters: PayloadFilter | None = None,
        score_threshold: float | None = None,
    ) -> list[VectorHit]:
        request = qe.QueryRequest(
            limit=limit,
            query=qe.Query.Nearest([float(x) for x in vector]),
            with_payload=True,
            filter=to_edge_filter(filters),
            score_threshold=score_threshold,
        )
        return [
            VectorHit(id=uuid.UUID(str(p.id)), score=float(p.score), payload=dict(p.payload or {}))
            for p in self._shard.query(request)
        ]

    def search_keywords(
        self,
        text: str,
        *,
        language: KeywordLanguage,
        limit: int = 5,
        filters: PayloadFilter | None = None,
    ) -> list[VectorHit]:
        if not self._keyword_search:
            return []
        name, vector = self._keywords.query(text, language)
        if not vector.indices:
            return []
        request = qe.QueryRequest(
            limit=limit,
            query=qe.Query.Nearest(
                qe.SparseVector(indices=vector.indices, values=vector.values), using=name
            ),
            with_payload=True,
            filter=to_edge_filter(filters),
        )
        return [
            VectorHit(id=uuid.UUID(str(p.id)), score=float(p.score), payload=dict(p.payload or {}))
            for p in self._shard.query(request)
        ]

    def delete_points(self, ids: Sequence[uuid.UUID]) -> None:
        if not ids:
            return
        with self._lock:
            self._shard.update(qe.UpdateOperation.delete_points([str(i) for i in ids]))
            self._shard.flush()

    def delete_by_item(self, item_id: uuid.UUID) -> None:
        flt = to_edge_filter({"item_id": str(item_id)})
        assert flt is not None
        with self._lock:
            self._shard.update(qe.UpdateOperation.delete_points_by_filter(flt))
            self._shard.flush()

    def point_ids(self, filters: PayloadFilter | None = None) -> set[uuid.UUID]:
        ids: set[uuid.UUID] = set()
        offset: Any = None
        while True:
            records, offset = self._shard.scroll(
                qe.ScrollRequest(
                    offset=offset, limit=1000, filter=to_edge_filter(filters), with_payload=False
                )
            )
            ids.update(uuid.UUID(str(r.id)) for r in records)
            if offset is None:
                return ids

    def info(self) -> CollectionInfo:
        points = self._shard.count(qe.CountRequest(exact=True))
        return CollectionInfo(self._name, self._dimension, self._model, int(points))

    def close(self) -> None:
        with self._lock:
            try:
                self._shard.flush()
                self._shard.close()
            finally:
                owner.release(self._path)
