"""Build candidate learned states from the training side of the signals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings
from sqlalchemy import select
from sqlalchemy.orm import Session

from luna.learning.adapter import Matrix, fit_adapter
from luna.learning.labels import label_questions
from luna.learning.signals import CuratedExample
from luna.learning.weights import Vote, WeightParams, WeightSet, compute_weights
from luna.store.sql.models import ItemChunk

MAX_PAIRS = 5000  # distinct training questions the adapter fits on (most voted first)


def train_weights(votes: Sequence[Vote], now: datetime, params: WeightParams) -> WeightSet:
    return compute_weights(votes, now, params)


def _chunk_texts(session: Session, ids: set[int]) -> dict[int, str]:
    rows = session.execute(select(ItemChunk.id, ItemChunk.text).where(ItemChunk.id.in_(ids)))
    return {cid: text for cid, text in rows}


def train_adapter(
    session: Session,
    embeddings: Embeddings,
    votes: Sequence[Vote],
    curated: Sequence[CuratedExample],
    chunk_items: dict[int, str],
    ridge: float,
    min_voters: int,
) -> tuple[Matrix | None, dict[str, Any]]:
    """The query adapter fitted on (question, mean of its wanted passages) pairs from the
    labelled training questions and on curated pairs; None when there is nothing to fit."""
    labels = [
        label
        for label in label_questions(
            votes, embeddings.embed_query, chunk_items, min_voters=min_voters
        ).values()
        if label.chunks
    ][:MAX_PAIRS]
    chunk_ids = {c for label in labels for c in label.chunks}
    texts = _chunk_texts(session, chunk_ids) if chunk_ids else {}
    ordered = sorted(texts)
    vectors = dict(
        zip(ordered, embeddings.embed_documents([texts[c] for c in ordered]), strict=True)
    )
    queries: list[list[float]] = []
    passages: list[list[float]] = []
    for label in labels:
        found = [vectors[c] for c in label.chunks if c in vectors]
        if found:
            queries.append(embeddings.embed_query(label.question))
            passages.append(np.mean(np.asarray(found, dtype=np.float64), axis=0).tolist())
    if curated:
        curated_passages = embeddings.embed_documents([c.passage for c in curated])
        for example, passage in zip(curated, curated_passages, strict=True):
            queries.append(embeddings.embed_query(example.question))
            passages.append(passage)
    stats = {"pairs": len(queries), "from_feedback": len(queries) - len(curated), "ridge": ridge}
    if not queries:
        return None, stats
    return fit_adapter(queries, passages, ridge), stats
