"""Relevance labels derived from votes: which documents and passages a question wants.

One answer's vote says little about each of the passages it cited. Pooled over the question
and its near-duplicates (other users' phrasings whose embeddings are close), the documents
that up-voted answers cite and down-voted ones do not stand out: each document's approval is
the (Laplace-smoothed) share of up-votes among the answers citing it, and the labels are the
documents approved by most and within ``APPROVAL_MARGIN`` of the best one. The gate labels
held-out questions this way; the adapter trains on the passages of the labelled documents
that up-voted answers cited.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from luna.learning.signals import normalise
from luna.learning.weights import Vote

SIMILAR = 0.9  # cosine of two question embeddings that counts as the same question
MAX_NEIGHBOURS = 10
APPROVAL_MARGIN = 0.15  # documents within this of the best approval are labelled too


@dataclass(frozen=True)
class QuestionLabel:
    question: str
    items: frozenset[str]  # the documents the question wants
    chunks: frozenset[int]  # their passages that up-voted answers in the group cited


def label_questions(
    votes: Sequence[Vote],
    embed: Callable[[str], list[float]],
    chunk_items: Mapping[int, str],
    only: Collection[str] | None = None,
    min_voters: int = 1,
) -> dict[str, QuestionLabel]:
    """Normalised question → its label, for the questions in ``only`` (default: all).

    ``chunk_items`` maps each cited chunk id to its document (chunks gone since are skipped).
    A group voted on by fewer than ``min_voters`` distinct users gets no label: a few users,
    hostile or not, cannot teach the adapter or the gate what a question wants.
    """
    texts = sorted({normalise(v.question): v.question for v in votes}.items())
    if not texts:
        return {}
    index = {norm: i for i, (norm, _) in enumerate(texts)}
    ups: list[dict[str, float]] = [defaultdict(float) for _ in texts]
    cited: list[dict[str, float]] = [defaultdict(float) for _ in texts]
    upvoted_chunks: list[dict[str, set[int]]] = [defaultdict(set) for _ in texts]
    voters: list[set[str]] = [set() for _ in texts]
    for v in votes:
        i = index[normalise(v.question)]
        voters[i].add(v.user)
        for item in set(v.item_ids):
            cited[i][item] += 1
            ups[i][item] += 1 if v.vote > 0 else 0
        if v.vote > 0:
            for chunk in v.chunk_ids:
                if chunk in chunk_items:
                    upvoted_chunks[i][chunk_items[chunk]].add(chunk)
    wanted = [n for n in (only if only is not None else index) if n in index]
    if not wanted:
        return {}
    vectors = np.asarray([embed(q) for _, q in texts], dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    labels = {}
    for norm in sorted(wanted):
        i = index[norm]
        sims = vectors @ vectors[i]
        group = {i} | {
            int(j) for j in np.argsort(-sims)[: MAX_NEIGHBOURS + 1] if sims[j] >= SIMILAR
        }
        if len(set().union(*(voters[j] for j in group))) < min_voters:
            continue
        up_total: dict[str, float] = defaultdict(float)
        n_total: dict[str, float] = defaultdict(float)
        for j in group:
            for item, n in cited[j].items():
                n_total[item] += n
                up_total[item] += ups[j][item]
        approval = {item: (up_total[item] + 1) / (n + 2) for item, n in n_total.items()}
        best = max(approval.values(), default=0.0)
        items = frozenset(
            item for item, a in approval.items() if a >= 0.5 and a >= best - APPROVAL_MARGIN
        )
        if not items:
            continue
        chunks = frozenset(c for j in group for item in items for c in upvoted_chunks[j][item])
        labels[norm] = QuestionLabel(texts[i][1], items, chunks)
    return labels
