"""The one status model of every background job, read from procrastinate's tables and ours.

procrastinate says where a job is (``todo``, ``doing``, ``succeeded``, ``failed``,
``cancelled``, ``aborted``) and when it got there (``procrastinate_events``); ``job_progress``
says how far it got, what it produced and why it failed. This module joins the two into
:class:`JobStatus` with five states, the same for every kind.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BindParameter, bindparam, text
from sqlalchemy.orm import Session


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


# procrastinate's job status → ours. "aborted" is a running job that stopped on a cancel;
# "aborting" is unused since procrastinate 3.0 and kept only for old rows.
STATE_OF = {
    "todo": JobState.QUEUED,
    "doing": JobState.RUNNING,
    "aborting": JobState.RUNNING,
    "succeeded": JobState.DONE,
    "failed": JobState.FAILED,
    "cancelled": JobState.CANCELLED,
    "aborted": JobState.CANCELLED,
}
FINISHED = frozenset({JobState.DONE, JobState.FAILED, JobState.CANCELLED})


@dataclass(frozen=True)
class JobStatus:
    """Where one job is, how far it got and how it ended."""

    id: int
    kind: str
    queue: str
    state: JobState
    arguments: dict[str, Any]
    attempts: int  # finished attempts: a job requeued after its worker stopped has 1 or more
    cancel_requested: bool
    done: int
    total: int | None
    result: dict[str, Any] | None
    error: str | None
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


# Values are bound; only these fixed fragments are put together.
_SELECT = """
SELECT j.id, j.task_name, j.queue_name, j.status::text AS status, j.args, j.attempts,
       j.abort_requested, ev.queued_at, ev.started_at, ev.finished_at,
       p.done, p.total, p.result, p.error, p.updated_at
  FROM procrastinate_jobs j
  LEFT JOIN LATERAL (
       SELECT min(e.at) FILTER (WHERE e.type = 'deferred') AS queued_at,
              max(e.at) FILTER (WHERE e.type = 'started') AS started_at,
              max(e.at) FILTER (
                  WHERE e.type IN ('succeeded', 'failed', 'cancelled', 'aborted')
              ) AS finished_at
         FROM procrastinate_events e
        WHERE e.job_id = j.id
  ) ev ON true
  LEFT JOIN job_progress p ON p.job_id = j.id
 WHERE j.task_name IN :kinds
"""


def _status(row: Any) -> JobStatus:
    state = STATE_OF[row.status]
    return JobStatus(
        id=row.id,
        kind=row.task_name,
        queue=row.queue_name,
        state=state,
        arguments=dict(row.args or {}),
        attempts=row.attempts,
        cancel_requested=bool(row.abort_requested) and state is JobState.RUNNING,
        done=row.done or 0,
        total=row.total,
        result=row.result,
        error=row.error,
        queued_at=row.queued_at,
        started_at=row.started_at,
        finished_at=row.finished_at if state in FINISHED else None,
        updated_at=row.updated_at,
    )


def list_jobs(
    session: Session,
    kinds: Collection[str],
    *,
    states: Collection[JobState] | None = None,
    limit: int = 50,
) -> list[JobStatus]:
    """Jobs of ``kinds`` (optionally only those in ``states``), newest first."""
    sql = _SELECT
    params: dict[str, Any] = {"kinds": list(kinds), "limit": limit}
    binds: list[BindParameter[Any]] = [bindparam("kinds", expanding=True)]
    if states is not None:
        sql += " AND j.status::text IN :statuses"
        params["statuses"] = [name for name, ours in STATE_OF.items() if ours in states]
        binds.append(bindparam("statuses", expanding=True))
    statement = text(sql + " ORDER BY j.id DESC LIMIT :limit").bindparams(*binds)
    return [_status(row) for row in session.execute(statement, params)]


def get_job(session: Session, job_id: int, kinds: Collection[str]) -> JobStatus | None:
    """One job of ``kinds`` by id; None if there is none (or it is of another kind)."""
    statement = text(_SELECT + " AND j.id = :id").bindparams(bindparam("kinds", expanding=True))
    row = session.execute(statement, {"kinds": list(kinds), "id": job_id}).first()
    return _status(row) if row is not None else None


Ending = tuple[str, str | None, datetime | None]  # a row's status, error and end


def job_ending(job: JobStatus) -> Ending | None:
    """The end a job's row (a playbook's, an eval run's, a learning cycle's) takes when the job
    ended without writing it there: ``failed`` or ``cancelled``, a reason that names the job (a
    SQL reader of the row has no other way to see why; none for a plain cancel) and the job's
    end. None while the job may still write the row's end itself (queued, running, or done a
    moment before the row's last commit is seen).

    One wording for the row that :mod:`luna.jobs.settle` writes and for the API that reads the
    job before that (:func:`row_or_job_end`), so the answer does not change when the row
    settles."""
    if job.state is JobState.FAILED:
        return (
            "failed",
            f"job {job.id} failed: {job.error or 'no reason recorded'}",
            job.finished_at,
        )
    if job.state is JobState.CANCELLED:
        # A cancel is its own reason (and a row its task cancels has no error either); a job
        # stopped for good with its worker has one, the worker's.
        why = f"job {job.id} was cancelled: {job.error}" if job.error else None
        return "cancelled", why, job.finished_at
    return None


def row_or_job_end(
    session: Session, row: Ending, job_id: int | None, kinds: Collection[str]
) -> Ending:
    """A job's row's status, error and end (an eval run's, a learning cycle's): its own,
    unless the row still says ``running`` and its job has failed or was cancelled without
    writing the end into the row (a worker that died for good, a cancel of the queued job
    through ``/jobs``); then the job's (:func:`job_ending`).

    A fallback: workers settle such rows themselves within seconds
    (:func:`luna.jobs.settle.settle_ended_rows`); this covers the moments before, and a
    deployment whose workers are all down."""
    if row[0] != "running" or job_id is None:
        return row
    job = get_job(session, job_id, kinds)
    ending = job_ending(job) if job is not None else None
    return row if ending is None else ending
