"""Recording what a user asked and was answered (``/rag/ask`` and ``/chat``).

Two steps, so the answer path stays fast and feedback can never race its target:

1. :func:`store_answer` inserts the ``answers`` row just before the ``done`` event (or the JSON
   response) goes out, which then carries its ``answer_id``;
2. :func:`record_ask`, after the answer was sent, classifies the question's topic and writes the
   ``ask`` event (with its topic label) and, for an answer, the ``answer`` event.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from luna.retrieval.learned_state import current_learned_state
from luna.retrieval.topics import TopicMatch, classify_question, store_topic
from luna.runtime import Runtime
from luna.store.sql.database import session_scope
from luna.store.sql.events import new_event
from luna.store.sql.models import Answer, EventType, User

log = logging.getLogger(__name__)


def _cited(citations: Sequence[dict[str, Any]], key: str) -> list[str]:
    """Distinct ids under ``key`` of the document citations, in citation order."""
    ids = (str(c[key]) for c in citations if c.get(key) is not None)
    return list(dict.fromkeys(ids))


def store_answer(
    runtime: Runtime,
    user: User,
    *,
    channel: str,
    conversation_id: str | None,
    question: str,
    answer: str,
    citations: Sequence[dict[str, Any]],
    prompt: str | None,
    model: str | None,
    latency_ms: float,
) -> str:
    """Insert the answer the user is about to receive; its id as a string."""
    row = Answer(
        id=uuid.uuid4(),
        user_id=user.id,
        channel=channel,
        conversation_id=conversation_id,
        question=question,
        answer=answer,
        chunk_ids=_cited(citations, "chunk_id"),
        item_ids=_cited(citations, "item_id"),
        prompt=prompt[:140] if prompt else None,
        model=model,
        learned_state=current_learned_state(runtime),
        latency_ms=round(latency_ms, 1),
    )
    with session_scope(runtime.stores.sessions) as session:
        session.add(row)
    return str(row.id)


def _topic(runtime: Runtime, question: str) -> TopicMatch | None:
    try:
        return classify_question(runtime.embeddings, question)
    except Exception:  # a missing label must never lose the event
        log.warning("topic classification failed", exc_info=True)
        return None


def record_ask(
    runtime: Runtime,
    user: User,
    question: str,
    payload: dict[str, Any],
    answer_id: str | None,
    tools: Sequence[str] = (),
) -> None:
    """The ``ask`` event (``payload`` plus the topic), its topic label, one ``tool_call`` event
    per tool the turn used, and the ``answer`` event when an answer was stored; runs after the
    answer was sent."""
    match = _topic(runtime, question)
    topic = match.topic if match is not None else None
    answer_uuid = uuid.UUID(answer_id) if answer_id else None
    with session_scope(runtime.stores.sessions) as session:
        ask = new_event(runtime.settings, EventType.ASK, user.id, {**payload, "topic": topic})
        session.add(ask)
        session.flush()
        if match is not None:
            store_topic(session, match, event_id=ask.id, answer_id=answer_uuid)
        for tool in tools:
            call = {"tool": tool, "ask_event_id": ask.id, "answer_id": answer_id}
            session.add(new_event(runtime.settings, EventType.TOOL_CALL, user.id, call))
        answer = session.get(Answer, answer_uuid) if answer_uuid is not None else None
        if answer is not None:
            session.add(
                new_event(
                    runtime.settings,
                    EventType.ANSWER,
                    user.id,
                    {
                        "answer_id": answer_id,
                        "ask_event_id": ask.id,
                        "channel": answer.channel,
                        "conversation_id": answer.conversation_id,
                        "latency_ms": answer.latency_ms,
                        "topic": topic,
                        "prompt": answer.prompt,
                        "model": answer.model,
                        "learned_state": answer.learned_state,
                        "chunks": answer.chunk_ids,
                    },
                )
            )
