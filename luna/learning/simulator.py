"""Feedback simulator: the proof that learning from votes improves retrieval.

Simulated users ask paraphrases of the retrieval eval questions (``evals/retrieval_qa``); the
answer cites the first ``cite`` of the ``top_k`` passages the active retriever returns (no
language model: learning changes retrieval, so an ``answers`` row with the cited chunk ids is
enough); users vote: honest ones up if a cited passage comes from an expected document, down
otherwise, flipped with probability ``noise``; adversarial ones up-vote every answer that
cites their target document and down-vote every other one.

Paraphrases fall on the same side of the held-out split as the learning cycle puts them
(:func:`luna.learning.signals.is_holdout`), so :func:`truth_metrics` on the held-out ones
measures ranking quality on questions the cycle never trained on, against the ground truth.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from luna.core.pseudonym import pseudonym_secret, user_key
from luna.evals.datasets import QaCase, dataset_path, load_jsonl
from luna.evals.knowledge import file_name
from luna.evals.metrics import mean_metrics, ranking_scores, reciprocal_rank
from luna.learning.signals import is_holdout
from luna.retrieval.retriever import RetrievedChunk, Retriever
from luna.runtime import Runtime
from luna.store.sql.database import session_scope
from luna.store.sql.models import Answer, Feedback, Role, User

_PREFIXES = {
    "de": ("", "Kurze Frage: ", "Hallo, ", "Sag mal, ", "Ich hätte gern gewusst: ", "Frage: "),
    "en": ("", "Quick question: ", "Hi, ", "Tell me, ", "I'd like to know: ", "Question: "),
}
_SUFFIXES = {
    "de": ("", " Danke!", " Bitte kurz erklären.", " Für meinen Haushalt.", " Vielen Dank."),
    "en": ("", " Thanks!", " Please explain briefly.", " For my home.", " Thank you."),
}


@dataclass(frozen=True)
class SimQuestion:
    case_id: str
    text: str
    documents: frozenset[str]  # expected documents (file names)
    heldout: bool


def _variant(question: str, language: str, rng: random.Random) -> str:
    words = question.rstrip("?").split()
    if len(words) > 5 and rng.random() < 0.5:  # drop a filler-ish word, never the first
        del words[rng.randrange(1, len(words))]
    text = " ".join(words) + ("?" if rng.random() < 0.7 else "")
    if rng.random() < 0.3:
        text = text.lower()
    prefix = rng.choice(_PREFIXES[language])
    if prefix and not text[:2].isupper():
        text = text[0].lower() + text[1:]
    return f"{prefix}{text}{rng.choice(_SUFFIXES[language])}".strip()


def sim_questions(
    *,
    variants: int = 8,
    holdout_fraction: float = 0.3,
    seed: int = 7,
    cases: int | None = None,
) -> list[SimQuestion]:
    """``variants`` distinct paraphrases of every (or the first ``cases``) answerable
    retrieval eval question."""
    rng = random.Random(seed)  # noqa: S311 (a reproducible simulation, not security)
    answerable = [c for c in load_jsonl(dataset_path("retrieval", None), QaCase) if c.answerable]
    out: list[SimQuestion] = []
    for case in answerable[:cases]:
        docs = frozenset(r.document for r in case.references)
        seen: set[str] = set()
        for _ in range(variants * 10):
            if len(seen) == variants:
                break
            text = _variant(case.question, case.language, rng)
            if text not in seen:
                seen.add(text)
                out.append(SimQuestion(case.id, text, docs, is_holdout(text, holdout_fraction)))
    return out


@dataclass(frozen=True)
class SimUser:
    id: int
    key: str
    adversarial: bool


def create_users(
    runtime: Runtime, honest: int, adversarial: int, prefix: str = "sim"
) -> list[SimUser]:
    """Customer accounts for the simulation (no usable password: they never log in)."""
    secret = pseudonym_secret(runtime.settings)
    users = []
    with session_scope(runtime.stores.sessions) as session:
        for n in range(honest + adversarial):
            user = User(
                username=f"{prefix}-{n:04d}",
                password_hash="!",  # noqa: S106 (no password: these accounts cannot log in)
                role=Role.CUSTOMER,
                full_name="simulated user",
            )
            session.add(user)
            session.flush()
            users.append(SimUser(user.id, user_key(user.id, secret), n >= honest))
    return users


def simulate_feedback(
    runtime: Runtime,
    questions: Sequence[SimQuestion],
    users: Sequence[SimUser],
    *,
    events: int,
    noise: float = 0.1,
    cite: int = 2,
    top_k: int = 4,
    target_document: str | None = None,
    days: float = 30.0,
    now: datetime | None = None,
    seed: int = 11,
    batch: int = 5000,
) -> dict[str, Any]:
    """Insert ``events`` answers and one vote on each; what was simulated.

    Each event: a random user asks a random question, the answer cites the first ``cite``
    passages the runtime's retriever returns, the user votes. Timestamps spread over ``days``.
    """
    rng = random.Random(seed)  # noqa: S311 (a reproducible simulation, not security)
    now = now or datetime.now(UTC)
    retrieved: dict[str, list[RetrievedChunk]] = {}
    counts = {"up": 0, "down": 0, "adversarial_votes": 0}
    answers: list[dict[str, Any]] = []
    votes: list[dict[str, Any]] = []
    asked: set[tuple[int, str]] = set()
    for _ in range(events):
        user = rng.choice(users)
        q = rng.choice(questions)
        if (user.id, q.text) in asked and len(asked) < len(users) * len(questions):
            q = rng.choice(questions)  # users rarely ask the very same thing twice
        asked.add((user.id, q.text))
        if q.text not in retrieved:
            retrieved[q.text] = runtime.retriever.search(q.text, top_k=top_k)
        chunks = retrieved[q.text][:cite]  # the passages the answer used and cites
        cited = {file_name(c.source) for c in chunks}
        if user.adversarial:
            vote = 1 if target_document is not None and target_document in cited else -1
            counts["adversarial_votes"] += 1
        else:
            vote = 1 if cited & q.documents else -1
            if rng.random() < noise:
                vote = -vote
        counts["up" if vote > 0 else "down"] += 1
        at = now - timedelta(seconds=rng.uniform(0, days * 86_400))
        answer_id = uuid.uuid4()
        answers.append(
            {
                "id": answer_id,
                "user_id": user.id,
                "channel": "rag",
                "question": q.text,
                "answer": "(simulated)",
                "chunk_ids": [str(c.chunk_id) for c in chunks],
                "item_ids": list(dict.fromkeys(str(c.item_id) for c in chunks)),
                "learned_state": runtime.learned_state.versions(),
                "created_at": at,
            }
        )
        votes.append(
            {
                "user_id": user.id,
                "user_key": user.key,
                "target_type": "answer",
                "target_id": str(answer_id),
                "vote": vote,
                "created_at": at,
                "updated_at": at,
            }
        )
        if len(answers) >= batch:
            _flush(runtime, answers, votes)
    _flush(runtime, answers, votes)
    return {"events": events, "questions": len(retrieved), **counts}


def _flush(runtime: Runtime, answers: list[dict[str, Any]], votes: list[dict[str, Any]]) -> None:
    if not answers:
        return
    with session_scope(runtime.stores.sessions) as session:
        session.execute(insert(Answer), answers)
        session.execute(insert(Feedback), votes)
    answers.clear()
    votes.clear()


def truth_metrics(
    retriever: Retriever, questions: Sequence[SimQuestion], k: int = 5
) -> dict[str, float]:
    """Document-level MRR and hit@k against the eval references (the ground truth)."""
    rows = []
    for q in questions:
        hits = retriever.search(q.text, top_k=k)
        grades = [1 if file_name(h.source) in q.documents else 0 for h in hits]
        rows.append(ranking_scores(grades, k))
    return mean_metrics(rows)


def document_rank(
    retriever: Retriever, questions: Sequence[SimQuestion], document: str, k: int = 5
) -> float:
    """Mean reciprocal rank of ``document`` in the results (how far up it is pushed)."""
    total = 0.0
    for q in questions:
        hits = retriever.search(q.text, top_k=k)
        total += reciprocal_rank([1 if file_name(h.source) == document else 0 for h in hits])
    return total / len(questions) if questions else 0.0


def user_ids(runtime: Runtime, prefix: str = "sim") -> list[int]:
    with runtime.stores.sessions() as session:
        return list(session.scalars(select(User.id).where(User.username.like(f"{prefix}-%"))))
