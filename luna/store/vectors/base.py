"""The vector-store interface the rest of Luna sees, whichever Qdrant runs underneath.

Point ids are derived from ``item_chunks`` rows (:func:`chunk_point_id`), so SQL and Qdrant can
always be reconciled: a chunk's vector id is a pure function of its item, content and ordinal.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from luna.store.vectors.keywords import KeywordLanguage

# Fixed namespace for Luna's deterministic point ids (uuid5). Never change it: ids in existing
# collections are derived from it.
POINT_NAMESPACE = uuid.UUID("6f1c1f0e-4a55-4a8e-9a57-1c4a2e6b7d10")

FilterValue = str | int | bool | Sequence[str] | Sequence[int]
PayloadFilter = Mapping[str, FilterValue]


def chunk_point_id(item_id: uuid.UUID, content_hash: str, ordinal: int) -> uuid.UUID:
    """The vector id of chunk ``ordinal`` of one version (content hash) of an item."""
    return uuid.uuid5(POINT_NAMESPACE, f"{item_id}:{content_hash}:{ordinal}")


@dataclass(frozen=True)
class VectorPoint:
    id: uuid.UUID
    vector: Sequence[float]
    payload: dict[str, Any] = field(default_factory=dict)
    # The text indexed for keyword (BM25) search; None leaves the point dense-only.
    text: str | None = None


@dataclass(frozen=True)
class VectorHit:
    id: uuid.UUID
    score: float
    payload: dict[str, Any]


@dataclass(frozen=True)
class CollectionInfo:
    name: str
    dimension: int
    embedding_model: str
    points: int


class VectorStoreError(RuntimeError):
    """The vector store is unreachable or refused an operation."""


class EmbeddingMismatchError(VectorStoreError):
    """The collection was built with another embedding model or dimension."""


class VectorStore(Protocol):
    """Cosine-similarity store of chunk vectors with payload filters."""

    @property
    def dimension(self) -> int: ...

    def upsert(self, points: Sequence[VectorPoint]) -> None: ...

    def search(
        self,
        vector: Sequence[float],
        *,
        limit: int = 5,
        filters: PayloadFilter | None = None,
        score_threshold: float | None = None,
    ) -> list[VectorHit]: ...

    def search_keywords(
        self,
        text: str,
        *,
        language: KeywordLanguage,
        limit: int = 5,
        filters: PayloadFilter | None = None,
    ) -> list[VectorHit]:
        """BM25 hits for ``text``; empty when the collection has no keyword index yet."""
        ...

    @property
    def keyword_search(self) -> bool:
        """Whether the collection carries the keyword vectors (else: `luna reindex`)."""
        ...

    def delete_points(self, ids: Sequence[uuid.UUID]) -> None: ...

    def delete_by_item(self, item_id: uuid.UUID) -> None: ...

    def point_ids(self, filters: PayloadFilter | None = None) -> set[uuid.UUID]: ...

    def info(self) -> CollectionInfo: ...

    def close(self) -> None: ...


def check_embedding(
    stored_model: str, stored_dim: int, want_model: str, want_dim: int, where: str
) -> None:
    """Refuse to mix vectors of different embedding models in one collection."""
    if stored_dim != want_dim or stored_model != want_model:
        raise EmbeddingMismatchError(
            f"{where} holds {stored_dim}-d vectors of '{stored_model}', but the configured "
            f"embedding model is '{want_model}' ({want_dim}-d); run `luna reindex` to rebuild it"
        )
