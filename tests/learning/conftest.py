"""A runtime over the sample knowledge base (ingested once per module) with the real embedding
model, memoised per text so every distinct question is embedded once per module; and the API
fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from luna.config import Settings
from luna.evals.knowledge import ingest_samples
from luna.learning.gate import CachedEmbeddings
from luna.runtime import Runtime
from luna.store.factory import Stores
from tests.api.conftest import client, users
from tests.emptying import empty_stores

__all__ = ["client", "users"]

LEARNING_TABLES = "answers, feedback, learning_cycles, learned_states, curated_pairs, users"


@pytest.fixture(scope="module")
def kb(settings: Settings, stores: Stores) -> Iterator[Runtime]:
    # Learning is proven on the dense retriever: hybrid retrieval already ranks the simulated
    # paraphrases of the sample questions near the top (held-out MRR 0.94 before any vote),
    # which leaves the gate nothing to measure a gain on.
    dense = settings.model_copy(update={"retrieval_keywords": False})
    runtime = Runtime(dense, stores)
    runtime.__dict__["embeddings"] = CachedEmbeddings(runtime.embeddings)
    ingest_samples(runtime)
    yield runtime
    runtime.close()
    empty_stores(stores)


@pytest.fixture
def runtime(kb: Runtime) -> Iterator[Runtime]:
    """The knowledge-base runtime; users, answers, votes and learned states are removed after
    each test (the documents stay)."""
    yield kb
    with kb.stores.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {LEARNING_TABLES} RESTART IDENTITY CASCADE"))
    kb.learned_state.refresh()
