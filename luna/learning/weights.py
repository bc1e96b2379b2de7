"""Relevance weights per chunk and per document from votes on the answers that cited them.

Each weight is the lift of a target's smoothed, time-decayed approval (the share of up-votes
on the answers that cited it) over the approval of all answers, mapped around 1.0 (neutral):

- a vote's strength halves every ``half_life_days``;
- one user counts at most once per chunk (their latest vote on any answer citing it) and at
  most ``user_cap`` in total, so one busy or hostile user cannot swing the ranking;
- a target moves only once ``min_voters`` distinct users voted on it;
- ``prior_votes`` pseudo-votes at the overall approval shrink small samples towards 1.0
  (a Bayesian mean);
- a lift of ±1 (always/never approved) maps to ``1 ± strength``, clipped to ``[low, high]``:
  cosine scores of e5-style models crowd into a narrow band, so a few per cent already
  re-rank.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from luna.config import Settings

SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class Vote:
    """One user's vote on one answer, with what the answer cited."""

    user: str
    vote: int  # +1 or -1
    at: datetime
    chunk_ids: Sequence[int]
    item_ids: Sequence[str]
    question: str = ""


@dataclass(frozen=True)
class WeightParams:
    half_life_days: float = 30.0
    prior_votes: float = 10.0
    min_voters: int = 5
    user_cap: float = 25.0
    low: float = 0.5
    high: float = 1.5
    strength: float = 0.03  # the weight of a target with a lift of ±1 (before clipping): 1 ± this

    @classmethod
    def from_settings(cls, settings: Settings) -> WeightParams:
        return cls(
            half_life_days=settings.learning_half_life_days,
            prior_votes=settings.learning_prior_votes,
            min_voters=settings.learning_min_voters,
            user_cap=settings.learning_user_cap,
            low=settings.learning_weight_min,
            high=settings.learning_weight_max,
            strength=settings.learning_weight_strength,
        )


@dataclass
class WeightSet:
    """Weights that differ from 1.0, by chunk id and by item id, and how they came about."""

    chunks: dict[int, float] = field(default_factory=dict)
    items: dict[str, float] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)


def decay(age_s: float, half_life_days: float) -> float:
    """Exponential decay: 1.0 now, 0.5 after one half-life; future timestamps count as now."""
    return float(0.5 ** (max(age_s, 0.0) / (half_life_days * SECONDS_PER_DAY)))


def _one_vote_per_user(
    votes: Iterable[Vote], targets_of: str, now: datetime, half_life_days: float
) -> dict[tuple[str, Hashable], tuple[int, float]]:
    """(user, target) → (vote, decay) of the user's latest vote on an answer citing target."""
    latest: dict[tuple[str, Hashable], tuple[datetime, int]] = {}
    for v in votes:
        for target in set(getattr(v, targets_of)):
            key = (v.user, target)
            seen = latest.get(key)
            if seen is None or v.at >= seen[0]:
                latest[key] = (v.at, v.vote)
    return {
        key: (vote, decay((now - at).total_seconds(), half_life_days))
        for key, (at, vote) in latest.items()
    }


def _balance(
    per_user: dict[tuple[str, Hashable], tuple[int, float]], params: WeightParams
) -> tuple[dict[Hashable, float], int]:
    """Target → weight, for targets with enough voters; and how many users were capped.

    A weight is the lift of the target's smoothed approval over the approval of everything:
    being cited in answers users liked more (less) often than answers in general lifts
    (lowers) it. Approval everywhere equal, or everyone always happy, gives no signal.
    """
    total_by_user: dict[str, float] = defaultdict(float)
    for (user, _), (_, strength) in per_user.items():
        total_by_user[user] += strength
    scale = {u: min(1.0, params.user_cap / t) if t > 0 else 0.0 for u, t in total_by_user.items()}
    up: dict[Hashable, float] = defaultdict(float)
    mass: dict[Hashable, float] = defaultdict(float)
    voters: dict[Hashable, int] = defaultdict(int)
    for (user, target), (vote, strength) in per_user.items():
        s = strength * scale[user]
        up[target] += s if vote > 0 else 0.0
        mass[target] += s
        voters[target] += 1
    capped = sum(1 for s in scale.values() if s < 1.0)
    total = sum(mass.values())
    base = sum(up.values()) / total if total > 0 else 0.0
    if not 0.0 < base < 1.0:
        return {}, capped
    weights: dict[Hashable, float] = {}
    for target, m in mass.items():
        if voters[target] < params.min_voters:
            continue
        approval = (up[target] + params.prior_votes * base) / (m + params.prior_votes)
        # -1 (never approved) … 0 (as approved as anything) … +1 (always approved)
        lift = (approval - base) / (1.0 - base) if approval >= base else (approval - base) / base
        w = 1.0 + params.strength * lift
        if abs(w - 1.0) > 1e-6:
            weights[target] = round(min(params.high, max(params.low, w)), 6)
    return weights, capped


def compute_weights(votes: Sequence[Vote], now: datetime, params: WeightParams) -> WeightSet:
    """Per-chunk and per-item weights from ``votes`` as of ``now``."""
    by_chunk = _one_vote_per_user(votes, "chunk_ids", now, params.half_life_days)
    by_item = _one_vote_per_user(votes, "item_ids", now, params.half_life_days)
    chunk_weights, capped = _balance(by_chunk, params)
    item_weights, _ = _balance(by_item, params)
    return WeightSet(
        chunks={int(k): w for k, w in chunk_weights.items()},  # type: ignore[call-overload]
        items={str(k): w for k, w in item_weights.items()},
        stats={
            "votes": len(votes),
            "users": len({v.user for v in votes}),
            "users_capped": capped,
            "chunks_voted": len({t for _, t in by_chunk}),
            "chunks_weighted": len(chunk_weights),
            "items_weighted": len(item_weights),
        },
    )
