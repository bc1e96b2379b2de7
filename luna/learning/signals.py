"""What a learning cycle learns from: votes on answers, curated pairs, and their split.

Votes come from ``feedback`` rows on ``answers`` (each answer lists the chunks and documents it
cited); curated pairs count as an up-vote by their curator on the passage they reference.
Questions are split deterministically by a hash of their normalised text: the held-out part
is never trained on and only used by the gate.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from luna.learning.weights import Vote
from luna.store.sql.models import Answer, CuratedPair, Feedback, ItemChunk

_SPACE = re.compile(r"\s+")


def normalise(question: str) -> str:
    return _SPACE.sub(" ", question.strip().lower())


def is_holdout(question: str, fraction: float) -> bool:
    """Deterministic split: the same question always lands on the same side."""
    digest = hashlib.sha256(normalise(question).encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < fraction


@dataclass(frozen=True)
class CuratedExample:
    question: str
    passage: str  # the referenced chunk's text, else the curated answer
    chunk_id: int | None
    item_id: str | None


@dataclass
class Signals:
    votes: list[Vote] = field(default_factory=list)
    curated: list[CuratedExample] = field(default_factory=list)
    chunk_items: dict[int, str] = field(default_factory=dict)  # cited chunk → its document
    inputs: dict[str, Any] = field(default_factory=dict)

    def split(self, fraction: float) -> tuple[list[Vote], list[Vote]]:
        """(training votes, held-out votes)."""
        train: list[Vote] = []
        held: list[Vote] = []
        for v in self.votes:
            (held if is_holdout(v.question, fraction) else train).append(v)
        return train, held


def _ints(values: Sequence[Any]) -> tuple[int, ...]:
    out = []
    for v in values or ():
        try:
            out.append(int(v))
        except (TypeError, ValueError):
            continue  # a malformed id in a stored answer is skipped, not fatal
    return tuple(out)


def load_signals(session: Session, until: datetime | None = None) -> Signals:
    """Every vote on an answer (up to ``until``) and every curated pair, with input counts."""
    query = (
        select(
            Feedback.id,
            Feedback.user_key,
            Feedback.vote,
            Feedback.updated_at,
            Answer.question,
            Answer.chunk_ids,
            Answer.item_ids,
        )
        .join(Answer, cast(Answer.id, String) == Feedback.target_id)
        .where(Feedback.target_type == "answer")
        .order_by(Feedback.id)
    )
    if until is not None:
        query = query.where(Feedback.updated_at <= until)
    votes: list[Vote] = []
    first_id = last_id = None
    first_at = last_at = None
    for fid, user_key, vote, at, question, chunk_ids, item_ids in session.execute(query):
        votes.append(
            Vote(
                user=user_key,
                vote=1 if vote > 0 else -1,
                at=at,
                chunk_ids=_ints(chunk_ids),
                item_ids=tuple(str(i) for i in item_ids or ()),
                question=question,
            )
        )
        first_id = fid if first_id is None else first_id
        last_id = fid
        first_at = at if first_at is None or at < first_at else first_at
        last_at = at if last_at is None or at > last_at else last_at
    curated = _curated(session, votes)
    return Signals(
        votes=votes,
        curated=curated,
        chunk_items=_chunk_items(session, {c for v in votes for c in v.chunk_ids}),
        inputs={
            "feedback_id_range": [first_id, last_id],
            "feedback_time_range": [
                first_at.isoformat() if first_at else None,
                last_at.isoformat() if last_at else None,
            ],
            "votes": len(votes),
            "up_votes": sum(1 for v in votes if v.vote > 0),
            "down_votes": sum(1 for v in votes if v.vote < 0),
            "voters": len({v.user for v in votes}),
            "curated_pairs": len(curated),
        },
    )


def _curated(session: Session, votes: list[Vote]) -> list[CuratedExample]:
    """Curated pairs as training examples; those referencing a passage also vote for it."""
    rows = session.execute(
        select(CuratedPair, ItemChunk.text, ItemChunk.item_id)
        .outerjoin(ItemChunk, ItemChunk.id == CuratedPair.chunk_id)
        .order_by(CuratedPair.id)
    ).all()
    examples = []
    for pair, chunk_text, chunk_item in rows:
        item_id: uuid.UUID | None = chunk_item or pair.item_id
        examples.append(
            CuratedExample(
                question=pair.question,
                passage=chunk_text or pair.answer,
                chunk_id=pair.chunk_id,
                item_id=str(item_id) if item_id else None,
            )
        )
        if pair.chunk_id is not None or item_id is not None:
            votes.append(
                Vote(
                    user=f"curator:{pair.created_by}",
                    vote=1,
                    at=pair.created_at,
                    chunk_ids=(pair.chunk_id,) if pair.chunk_id is not None else (),
                    item_ids=(str(item_id),) if item_id else (),
                    question=pair.question,
                )
            )
    return examples


def _chunk_items(session: Session, chunk_ids: set[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    ids = sorted(chunk_ids)
    for start in range(0, len(ids), 5000):
        rows = session.execute(
            select(ItemChunk.id, ItemChunk.item_id).where(
                ItemChunk.id.in_(ids[start : start + 5000])
            )
        )
        out.update({cid: str(item) for cid, item in rows})
    return out
