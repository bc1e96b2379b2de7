"""Retention of usage data: events, answers and feedback older than the configured days go.

On TimescaleDB, ``events`` is a hypertable and gets a retention policy (``add_retention_policy``),
which drops whole chunks in the background; everywhere, :func:`prune_usage` deletes what is past
the cutoff (exactly, and the tables TimescaleDB does not manage), so ``luna events prune`` run
daily (cron, systemd timer) is the cleanup job on plain PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, delete, text

from luna.store.sql.database import timescaledb_installed
from luna.store.sql.models import Answer, Event, Feedback, Label, LabelTarget


@dataclass(frozen=True)
class PruneResult:
    cutoff: datetime
    events: int
    answers: int
    feedback: int
    labels: int
    timescale_policy: bool  # whether a TimescaleDB retention policy now covers ``events``


def ensure_timescale_policy(conn: Connection, days: int) -> bool:
    """(Re)install the retention policy on the ``events`` hypertable; False without one."""
    if not timescaledb_installed(conn):
        return False
    hypertable = conn.execute(
        text("SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = 'events'")
    ).first()
    if hypertable is None:
        return False
    conn.execute(text("SELECT remove_retention_policy('events', if_exists => true)"))
    conn.execute(
        text("SELECT add_retention_policy('events', make_interval(days => :days))"),
        {"days": days},
    )
    return True


def prune_usage(engine: Engine, days: int, *, now: datetime | None = None) -> PruneResult:
    """Delete events, answers, feedback and event labels older than ``days``; one transaction."""
    if days < 1:
        raise ValueError("retention must be at least one day")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    with engine.begin() as conn:
        policy = ensure_timescale_policy(conn, days)
        events = conn.execute(delete(Event).where(Event.ts < cutoff)).rowcount
        labels = conn.execute(
            delete(Label).where(Label.target_type == LabelTarget.EVENT, Label.created_at < cutoff)
        ).rowcount
        answers = conn.execute(delete(Answer).where(Answer.created_at < cutoff)).rowcount
        feedback = conn.execute(delete(Feedback).where(Feedback.updated_at < cutoff)).rowcount
    return PruneResult(cutoff, events, answers, feedback, labels, policy)
