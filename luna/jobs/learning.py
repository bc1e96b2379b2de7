"""Learning cycles as jobs: a ``learning_cycles`` row that a worker executes.

The cycle is stored when it is asked for (:func:`luna.learning.cycles.start_cycle`: status
``running``, step ``queued``), so the API answers at once with its id and the database's one
running cycle is held from that moment (a second start gets 409 while this one waits or runs);
the job (its id in ``learning_cycles.job_id``) gets the cycle id as its one argument and runs
it (:func:`luna.learning.cycles.run_cycle`). While it runs, its progress is the job's
(``job_progress``): ``done`` of ``total`` = the cycle's progress in per cent, and in ``result``
the cycle id, its kind and the step; at the end the cycle's status and decision. A cycle that
fails fails the job with the cycle's reason; a cancelled one ends the job cancelled.

Why it may run again from the start (``repeatable``): a cycle writes nothing but its own row
until its last step, where one transaction stores the learned state, activates it and records
the decision, and only while the row still says ``running`` (row lock). A rerun after a worker
died therefore either finds the cycle ended (activated, rejected, …) and reports that end
unchanged, never activating twice, or trains again into the same row, never a second running
cycle. The feedback split is deterministic, so a rerun reads the same votes plus any newer ones.

Why it waits in the ``serve`` queue with the embedded vector store: the quality gate searches
the knowledge base, and Qdrant Edge is opened by one process only, ``luna serve``
(:func:`luna.jobs.kinds.queue_of`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from procrastinate import App
from procrastinate.job_context import AbortReason
from sqlalchemy import select

from luna.jobs.control import enqueue
from luna.jobs.kinds import JobKind, JobStopped, RunningJob, queue_of
from luna.jobs.status import Ending, row_or_job_end
from luna.learning.cycles import CycleConflictError, CycleError, run_cycle, start_cycle
from luna.runtime import Runtime
from luna.store.sql.database import session_scope
from luna.store.sql.models import LearningCycle


class LearningCycleFailedError(RuntimeError):
    """The cycle ended ``failed``; the job fails with the cycle's reason."""


def _end(job: RunningJob, cycle_id: int) -> dict[str, Any]:
    """Report the ended cycle as the job's result, and end the job as the cycle ended."""
    with job.runtime.stores.sessions() as session:
        cycle = session.get(LearningCycle, cycle_id)
        if cycle is None:
            raise CycleError(f"learning cycle {cycle_id} vanished")
        status, error = cycle.status, cycle.error
        result = {
            "cycle_id": cycle_id,
            "kind": cycle.kind,
            "status": status,
            "decision": cycle.decision,
            "step": cycle.step,
        }
        done = round(cycle.progress * 100)
    job.progress(done, total=100, result=result)
    if status == "failed":
        raise LearningCycleFailedError(error or f"learning cycle {cycle_id} failed")
    if status == "cancelled":
        raise JobStopped(f"learning cycle {cycle_id} was cancelled")
    return result


def run_learning_job(job: RunningJob, *, cycle_id: int) -> dict[str, Any]:
    """The kind's work: run the stored cycle ``cycle_id``, reporting each step, stopping
    between steps when asked."""
    with job.runtime.stores.sessions() as session:
        cycle = session.get(LearningCycle, cycle_id)
        if cycle is None:
            raise CycleError(f"no learning cycle {cycle_id}")
        status, kind = cycle.status, cycle.kind
    if status != "running":  # a rerun after it ended, or a cycle cancelled while queued
        return _end(job, cycle_id)
    base = {"cycle_id": cycle_id, "kind": kind}
    job.progress(0, total=100, result={**base, "step": "queued"})

    def report(step: str, fraction: float) -> None:
        job.progress(round(fraction * 100), 100, {**base, "step": step})

    def should_stop() -> bool:
        reason = job.stop_reason()
        if reason is AbortReason.SHUTDOWN:
            # Leave the cycle running: the requeued job starts it over in the same row.
            raise JobStopped("the worker stops; the cycle starts over on the next attempt")
        return reason is not None  # a cancel: run_cycle ends the cycle cancelled

    run_cycle(job.runtime, cycle_id, progress=report, should_stop=should_stop)
    return _end(job, cycle_id)


LEARNING = JobKind(
    name="learning", work=run_learning_job, queue="learning", repeatable=True, needs_vectors=True
)
KINDS = [LEARNING.name]


def job_ended(session: Any, cycle: LearningCycle) -> Ending:
    """Status, error and end of a cycle (:func:`~luna.jobs.status.row_or_job_end`)."""
    row = (cycle.status, cycle.error, cycle.finished_at)
    return row_or_job_end(session, row, cycle.job_id, KINDS)


def _release_ended(runtime: Runtime) -> bool:
    """End the running cycle whose job has already ended (as :func:`job_ended` shows it), so its
    slot is free; whether there was one."""
    with session_scope(runtime.stores.sessions) as session:
        cycle = session.scalar(
            select(LearningCycle).where(LearningCycle.status == "running").with_for_update()
        )
        if cycle is None:
            return False
        status, error, finished_at = job_ended(session, cycle)
        if status == "running":
            return False
        cycle.status, cycle.error = status, error
        cycle.decision = "cancelled" if status == "cancelled" else None
        cycle.finished_at = finished_at or datetime.now(UTC)
        return True


def _set(runtime: Runtime, cycle_id: int, **values: object) -> None:
    with session_scope(runtime.stores.sessions) as session:
        cycle = session.get(LearningCycle, cycle_id)
        if cycle is None:
            raise CycleError(f"learning cycle {cycle_id} vanished")
        for name, value in values.items():
            setattr(cycle, name, value)


def enqueue_learning(app: App, runtime: Runtime, kind: str, actor: str | None) -> int:
    """Store the cycle and queue the job that runs it; the cycle's id.

    :class:`CycleConflictError` while another cycle is running (one whose job has ended without
    ending it is ended first). The row comes first (the worker reads it), then the job, then
    the job's id on the row; if queueing fails, the cycle ends ``failed`` with the reason
    instead of holding the one running slot forever.
    """
    try:
        cycle_id = start_cycle(runtime, kind=kind, actor=actor)
    except CycleConflictError:
        if not _release_ended(runtime):
            raise
        cycle_id = start_cycle(runtime, kind=kind, actor=actor)
    try:
        job_id = enqueue(
            app, LEARNING, {"cycle_id": cycle_id}, queue=queue_of(LEARNING, runtime.settings)
        )
    except Exception as exc:
        _set(
            runtime,
            cycle_id,
            status="failed",
            error=f"not queued: {exc}",
            finished_at=datetime.now(UTC),
        )
        raise
    _set(runtime, cycle_id, job_id=job_id)
    return cycle_id
