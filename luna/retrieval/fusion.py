"""Reciprocal rank fusion: one ranking from several (dense, keyword, per sub-query).

RRF needs no score calibration between lists whose scores mean different things (cosine
similarity, BM25), which is why hybrid search engines default to it: an item's fused score is
the sum over lists of ``weight / (k + rank)``. ``k = 60`` is the constant of the original
paper (Cormack et al., 2009) and Qdrant's default.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

RRF_K = 60


@dataclass(frozen=True)
class RankedList:
    """Point ids best first, from one search, with the weight of that search in the fusion."""

    ids: Sequence[uuid.UUID]
    weight: float = 1.0


def reciprocal_rank_fusion(
    lists: Sequence[RankedList], k: int = RRF_K
) -> list[tuple[uuid.UUID, float]]:
    """Fused (id, score) pairs, best first; ties keep the order of first appearance."""
    scores: dict[uuid.UUID, float] = {}
    for ranked in lists:
        for rank, point_id in enumerate(dict.fromkeys(ranked.ids), start=1):
            scores[point_id] = scores.get(point_id, 0.0) + ranked.weight / (k + rank)
    return sorted(scores.items(), key=lambda item: item[1], reverse=True)
