"""Whether the job queue is being worked: ``luna worker health``, from the database alone.

What there is to read (procrastinate 3.10): every worker, ``luna worker`` or the in-process
one of ``luna serve``, registers a row in ``procrastinate_workers`` and beats its
``last_heartbeat`` every 10 s; the row holds nothing else (no name, no queues), so the
check counts live workers but cannot tell the two sorts apart. A running job names its worker
(``procrastinate_jobs.worker_id``). So, with ``LUNA_JOBS_STALLED_AFTER_S`` as the line:

- a *live* worker has beaten within it; a *silent* one has a row but no recent beat (killed:
  the next worker to start deletes its row);
- a *stalled* job runs on a silent or vanished worker: the same rule by which every worker
  requeues or fails such jobs (:func:`luna.jobs.worker.recover_stalled_jobs`), so a stalled
  job that lasts means no live worker is left to recover it;
- a *queued* job is due (``todo`` with no start time, or one that has passed); one waiting
  for a later start (a forecast refresh held back) is *scheduled* and needs nobody yet.

Unhealthy: queued jobs and no live worker, or any stalled job. Nothing else (a long queue
with live workers is load, not a fault; ``oldest_queued_s`` per queue is there to alert on).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Engine, text

_WORKERS = text(
    """
    SELECT count(*) FILTER (WHERE last_heartbeat >= now() - make_interval(secs => :line))
               AS live,
           count(*) FILTER (WHERE last_heartbeat < now() - make_interval(secs => :line))
               AS silent,
           max(last_heartbeat) AS last_heartbeat,
           now() AS checked_at
      FROM procrastinate_workers
    """
)

# Per queue and kind, the jobs not yet ended. "aborting" is unused since procrastinate 3.0
# (kept for old rows) and counts as running; stalled follows procrastinate's own rule for
# "doing" jobs (select_stalled_jobs_by_heartbeat).
_LOAD = text(
    """
    SELECT j.queue_name AS queue, j.task_name AS kind,
           count(*) FILTER (WHERE j.status = 'todo' AND NOT j.later) AS queued,
           count(*) FILTER (WHERE j.status = 'todo' AND j.later) AS scheduled,
           count(*) FILTER (WHERE j.status IN ('doing', 'aborting')) AS running,
           count(*) FILTER (
               WHERE j.status = 'doing'
                 AND (j.worker_id IS NULL
                      OR w.last_heartbeat < now() - make_interval(secs => :line))
           ) AS stalled,
           max(EXTRACT(EPOCH FROM now() - greatest(q.queued_at, j.scheduled_at)))
               FILTER (WHERE j.status = 'todo' AND NOT j.later) AS oldest_queued_s
      FROM (SELECT *, coalesce(scheduled_at > now(), false) AS later
              FROM procrastinate_jobs
             WHERE status IN ('todo', 'doing', 'aborting')) j
      LEFT JOIN procrastinate_workers w ON w.id = j.worker_id
      LEFT JOIN LATERAL (
           SELECT max(e.at) AS queued_at
             FROM procrastinate_events e
            WHERE e.job_id = j.id AND j.status = 'todo'
              AND e.type IN ('deferred', 'deferred_for_retry', 'retried')
      ) q ON true
     GROUP BY j.queue_name, j.task_name
     ORDER BY j.queue_name, j.task_name
    """
)


class QueueLoad(BaseModel):
    """The jobs of one kind in one queue that have not ended."""

    queue: str
    kind: str
    queued: int = Field(description="due now, waiting for a worker")
    scheduled: int = Field(description="waiting for a later start time")
    running: int
    stalled: int = Field(description="running on a worker that stopped beating")
    oldest_queued_s: float | None = Field(
        description="how long the longest-waiting due job has waited (since it was queued, "
        "requeued or its start time came)"
    )


class QueueHealth(BaseModel):
    """``luna worker health --json``: the workers, the load per queue and kind, the verdict."""

    healthy: bool
    problems: list[str]
    checked_at: datetime
    stalled_after_s: float
    live_workers: int = Field(description="beat within stalled_after_s")
    silent_workers: int = Field(description="registered, but no beat within stalled_after_s")
    last_heartbeat: datetime | None
    queued: int
    scheduled: int
    running: int
    stalled: int
    oldest_queued_s: float | None
    queues: list[QueueLoad]


def _total(loads: list[QueueLoad], field: str) -> int:
    return sum(int(getattr(load, field)) for load in loads)


def check_queue(engine: Engine, stalled_after_s: float) -> QueueHealth:
    """Read the workers and the unfinished jobs (one snapshot) and judge them."""
    with engine.connect() as conn, conn.begin():
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        workers: Any = conn.execute(_WORKERS, {"line": stalled_after_s}).one()
        loads = [
            QueueLoad.model_validate(dict(row._mapping))
            for row in conn.execute(_LOAD, {"line": stalled_after_s})
        ]
    queued, stalled = _total(loads, "queued"), _total(loads, "stalled")
    waits = [load.oldest_queued_s for load in loads if load.oldest_queued_s is not None]
    problems = []
    if queued and not workers.live:
        problems.append(f"{queued} queued jobs and no live worker")
    if stalled:
        where = ", ".join(f"{x.queue}/{x.kind} {x.stalled}" for x in loads if x.stalled)
        problems.append(f"{stalled} stalled jobs (their worker stopped beating): {where}")
    return QueueHealth(
        healthy=not problems,
        problems=problems,
        checked_at=workers.checked_at,
        stalled_after_s=stalled_after_s,
        live_workers=workers.live,
        silent_workers=workers.silent,
        last_heartbeat=workers.last_heartbeat,
        queued=queued,
        scheduled=_total(loads, "scheduled"),
        running=_total(loads, "running"),
        stalled=stalled,
        oldest_queued_s=max(waits, default=None),
        queues=loads,
    )
