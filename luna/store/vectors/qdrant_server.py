"""Qdrant server through ``qdrant-client`` (production, from compose.yaml)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from qdrant_client import QdrantClient, models

from luna.store.vectors.base import (
    CollectionInfo,
    PayloadFilter,
    VectorHit,
    VectorPoint,
    VectorStoreError,
    check_embedding,
)
from luna.store.vectors.edge import INDEXED_FIELDS
from luna.store.vectors.keywords import KEYWORD_VECTORS, KeywordEncoder, KeywordLanguage

log = logging.getLogger(__name__)


def to_qdrant_filter(filters: PayloadFilter | None) -> models.Filter | None:
    if not filters:
        return None
    conditions: list[Any] = []
    for key, value in filters.items():
        match: models.MatchValue | models.MatchAny
        if isinstance(value, str | int | bool):
            match = models.MatchValue(value=value)
        else:
            match = models.MatchAny(any=[str(v) for v in value])
        conditions.append(models.FieldCondition(key=key, match=match))
    return models.Filter(must=conditions)


class QdrantServerStore:
    """A collection on a Qdrant server; the embedding model is kept in collection metadata."""

    def __init__(
        self, client: QdrantClient, collection: str, dimension: int, embedding_model: str
    ) -> None:
        self._client = client
        self._name = collection
        self._dimension = dimension
        self._model = embedding_model
        self._keywords = KeywordEncoder()
        try:
            exists = client.collection_exists(collection)
        except Exception as exc:  # connection errors come in several types
            raise VectorStoreError(f"Qdrant is unreachable: {exc}") from exc
        if exists:
            info = client.get_collection(collection)
            params = info.config.params.vectors
            size = params.size if isinstance(params, models.VectorParams) else -1
            meta = info.config.metadata or {}
            check_embedding(
                str(meta.get("embedding_model", "unknown")),
                size,
                embedding_model,
                dimension,
                f"Qdrant collection '{collection}'",
            )
            sparse = info.config.params.sparse_vectors or {}
            self._keyword_search = set(sparse) >= set(KEYWORD_VECTORS.values())
            if not self._keyword_search:
                log.warning(
                    "Qdrant collection '%s' has no keyword index: search is dense-only until "
                    "`luna reindex` rebuilds it",
                    collection,
                )
        else:
            client.create_collection(
                collection,
                vectors_config=models.VectorParams(size=dimension, distance=models.Distance.COSINE),
                sparse_vectors_config={
                    name: models.SparseVectorParams(modifier=models.Modifier.IDF)
                    for name in KEYWORD_VECTORS.values()
                },
                metadata={"embedding_model": embedding_model, "dimension": dimension},
            )
            self._keyword_search = True
            for name in INDEXED_FIELDS:
                client.create_payload_index(collection, name, models.PayloadSchemaType.KEYWORD)

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def keyword_search(self) -> bool:
        return self._keyword_search

    def _vectors(self, point: VectorPoint) -> Any:
        dense = [float(x) for x in point.vector]
        if not (self._keyword_search and point.text):
            return dense
        return {"": dense} | {
            name: models.SparseVector(indices=v.indices, values=v.values)
            for name, v in self._keywords.documents(point.text).items()
        }

    def upsert(self, points: Sequence[VectorPoint]) -> None:
        if not points:
            return
        self._client.upsert(
            self._name,
            points=[
                models.PointStruct(id=str(p.id), vector=self._vectors(p), payload=p.payload)
                for p in points
            ],
            wait=True,
        )

    def search(
        self,
        vector: Sequence[float],
        *,
        limit: int = 5,
        filters: PayloadFilter | None = None,
        score_threshold: float | None = None,
    ) -> list[VectorHit]:
        result = self._client.query_points(
            self._name,
            query=list(vector),
            limit=limit,
            query_filter=to_qdrant_filter(filters),
            score_threshold=score_threshold,
            with_payload=True,
        )
        return [
            VectorHit(id=uuid.UUID(str(p.id)), score=float(p.score), payload=dict(p.payload or {}))
            for p in result.points
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
        result = self._client.query_points(
            self._name,
            query=models.SparseVector(indices=vector.indices, values=vector.values),
            using=name,
            limit=limit,
            query_filter=to_qdrant_filter(filters),
            with_payload=True,
        )
        return [
            VectorHit(id=uuid.UUID(str(p.id)), score=float(p.score), payload=dict(p.payload or {}))
            for p in result.points
        ]

    def delete_points(self, ids: Sequence[uuid.UUID]) -> None:
        if ids:
            self._client.delete(
                self._name, points_selector=models.PointIdsList(points=[str(i) for i in ids])
            )

    def delete_by_item(self, item_id: uuid.UUID) -> None:
        flt = to_qdrant_filter({"item_id": str(item_id)})
        assert flt is not None
        self._client.delete(self._name, points_selector=models.FilterSelector(filter=flt))

    def point_ids(self, filters: PayloadFilter | None = None) -> set[uuid.UUID]:
        ids: set[uuid.UUID] = set()
        offset: Any = None
        while True:
            records, offset = self._client.scroll(
                self._name,
                scroll_filter=to_qdrant_filter(filters),
                limit=1000,
                offset=offset,
                with_payload=False,
            )
            ids.update(uuid.UUID(str(r.id)) for r in records)
            if offset is None:
                return ids

    def info(self) -> CollectionInfo:
        count = self._client.count(self._name, exact=True).count
        return CollectionInfo(self._name, self._dimension, self._model, int(count))

    def close(self) -> None:
        self._client.close()
