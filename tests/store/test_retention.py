"""Retention: usage data past the configured days is deleted, recent data is kept."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Answer, Event, EventType, Feedback, Label, LabelTarget, User
from luna.store.sql.retention import prune_usage


def test_prune_deletes_old_usage_data_and_keeps_recent(clean_db: Stores):
    now = datetime.now(UTC)
    old, recent = now - timedelta(days=40), now - timedelta(days=2)
    with session_scope(clean_db.sessions) as s:
        user = User(username="kunde", password_hash="x")
        s.add(user)
        s.flush()
        for name, ts in (("old", old), ("recent", recent)):
            s.add(Event(ts=ts, user_id=user.id, user_key="k", type=EventType.ASK, payload={}))
            s.add(
                Answer(
                    id=uuid.uuid4(),
                    user_id=user.id,
                    channel="rag",
                    question="q",
                    answer="a",
                    created_at=ts,
                )
            )
            s.add(
                Feedback(
                    user_id=user.id,
                    user_key="k",
                    target_type="answer",
                    target_id=str(uuid.uuid4()),
                    vote=1,
                    created_at=ts,
                    updated_at=ts,
                )
            )
            s.add(
                Label(
                    target_type=LabelTarget.EVENT,
                    target_id=name,
                    name="topic",
                    value="tariff",
                    created_at=ts,
                )
            )
        s.add(Label(target_type=LabelTarget.ITEM, target_id="doc", name="topic", value="pv"))

    result = prune_usage(clean_db.engine, 30, now=now)

    assert (result.events, result.answers, result.feedback, result.labels) == (1, 1, 1, 1)
    assert result.timescale_policy is False  # plain PostgreSQL: the delete is the cleanup job
    with clean_db.sessions() as s:
        assert [e.ts for e in s.scalars(select(Event))] == [recent]
        assert [a.created_at for a in s.scalars(select(Answer))] == [recent]
        assert [f.updated_at for f in s.scalars(select(Feedback))] == [recent]
        kept = {(label.target_type, label.target_id) for label in s.scalars(select(Label))}
    assert kept == {(LabelTarget.EVENT, "recent"), (LabelTarget.ITEM, "doc")}
    assert prune_usage(clean_db.engine, 30, now=now).events == 0  # idempotent
