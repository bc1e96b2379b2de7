"""Vector stores: Qdrant Edge (embedded default), the Qdrant client implementation and
PostgreSQL + pgvector.

The client implementation runs here against qdrant-client's in-process mode, which speaks the
same client API as a Qdrant server (no Qdrant server binary is installable on this machine);
the postgres backend against pgserver (tests/store/conftest.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from qdrant_client import QdrantClient
from sqlalchemy import Engine

from luna.store.vectors.base import (
    EmbeddingMismatchError,
    VectorPoint,
    VectorStore,
    chunk_point_id,
)
from luna.store.vectors.edge import EdgeVectorStore
from luna.store.vectors.postgres import PostgresVectorStore, drop_postgres_collection
from luna.store.vectors.qdrant_server import QdrantServerStore

DIM = 16


def _unit(seed: int) -> list[float]:
    v = np.random.default_rng(seed).normal(size=DIM)
    return list(v / np.linalg.norm(v))


@pytest.fixture(params=["edge", "qdrant-client", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorStore]:
    if request.param == "edge":
        yield EdgeVectorStore(tmp_path, "chunks", DIM, "test-model")
    elif request.param == "qdrant-client":
        yield QdrantServerStore(QdrantClient(location=":memory:"), "chunks", DIM, "test-model")
    else:
        engine: Engine = request.getfixturevalue("pgvector_engine")
        collection = f"t_{uuid.uuid4().hex[:12]}"
        yield PostgresVectorStore(engine, collection, DIM, "test-model")
        drop_postgres_collection(engine, collection)


def _points(item_id: uuid.UUID, n: int, seed: int, source: str) -> list[VectorPoint]:
    return [
        VectorPoint(
            id=chunk_point_id(item_id, "a" * 64, i),
            vector=_unit(seed + i),
            payload={"item_id": str(item_id), "ordinal": i, "source": source},
        )
        for i in range(n)
    ]


def test_upsert_search_filter_and_delete_by_item(store: VectorStore):
    doc_a, doc_b = uuid.uuid4(), uuid.uuid4()
    store.upsert(_points(doc_a, 5, 0, "tariff"))
    store.upsert(_points(doc_b, 5, 100, "manual"))
    assert store.info().points == 10

    hits = store.search(_unit(2), limit=3)
    assert hits[0].id == chunk_point_id(doc_a, "a" * 64, 2)
    assert hits[0].score == pytest.approx(1.0, abs=1e-4)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)

    only_b = store.search(_unit(2), limit=10, filters={"source": "manual"})
    assert {h.payload["item_id"] for h in only_b} == {str(doc_b)}
    assert len(only_b) == 5
    either = store.search(_unit(2), limit=10, filters={"item_id": [str(doc_a), str(doc_b)]})
    assert len(either) == 10
    assert all(h.score >= 0.99 for h in store.search(_unit(2), limit=10, score_threshold=0.99))

    store.delete_by_item(doc_a)
    assert store.info().points == 5
    assert store.point_ids() == {p.id for p in _points(doc_b, 5, 100, "manual")}

    store.upsert(_points(doc_b, 1, 500, "manual"))  # same id: replaced, not added
    assert store.info().points == 5
    store.delete_points([chunk_point_id(doc_b, "a" * 64, 0)])
    assert store.info().points == 4


def test_point_ids_are_derived_from_chunk_rows():
    item = uuid.uuid4()
    assert chunk_point_id(item, "a" * 64, 3) == chunk_point_id(item, "a" * 64, 3)
    assert chunk_point_id(item, "a" * 64, 3) != chunk_point_id(item, "b" * 64, 3)
    assert chunk_point_id(item, "a" * 64, 3) != chunk_point_id(item, "a" * 64, 4)


def test_edge_collection_persists_and_refuses_another_embedding_model(tmp_path: Path):
    store = EdgeVectorStore(tmp_path, "chunks", DIM, "model-a")
    store.upsert(_points(uuid.uuid4(), 3, 0, "x"))
    store.close()

    reopened = EdgeVectorStore(tmp_path, "chunks", DIM, "model-a")
    assert reopened.info().points == 3
    reopened.close()
    with pytest.raises(EmbeddingMismatchError, match="luna reindex"):
        EdgeVectorStore(tmp_path, "chunks", 768, "nomic-embed-text")


def test_qdrant_collection_refuses_another_dimension():
    client = QdrantClient(location=":memory:")
    QdrantServerStore(client, "chunks", DIM, "model-a")
    with pytest.raises(EmbeddingMismatchError, match="768"):
        QdrantServerStore(client, "chunks", 768, "nomic-embed-text")
