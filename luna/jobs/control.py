"""Enqueue and cancel jobs: what the API and the CLI do to the queue (workers do the rest)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from procrastinate import App
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy.orm import Session

from luna.jobs.kinds import JobKind
from luna.jobs.status import JobStatus, get_job


class JobNotFoundError(LookupError):
    """No job of Luna's kinds has this id."""


class JobFinishedError(RuntimeError):
    """The job has ended (done, failed or cancelled): there is nothing left to cancel."""


class JobBusyError(RuntimeError):
    """A job of a kind that runs one at a time is already queued or running."""


def enqueue(
    app: App,
    kind: JobKind,
    arguments: dict[str, Any],
    *,
    one_at_a_time: bool = False,
    queue: str | None = None,
    lock: str | None = None,
    queueing_lock: str | None = None,
    schedule_in_s: float = 0.0,
) -> int:
    """Queue a job of ``kind`` with JSON-able ``arguments``; its id.

    ``one_at_a_time``: refuse (:class:`JobBusyError`) while another job of the kind waits in
    the queue, atomically through procrastinate's queueing lock (a unique index); the kind's
    ``lock`` makes them run one after another in any case. ``queue``: another queue than the
    kind's own (:func:`luna.jobs.queue.queue_of` picks it from the settings). ``lock``: this
    job runs while no other job with the same lock runs (instead of the kind's ``lock``).
    ``queueing_lock``: refuse (:class:`JobBusyError`) while a job with the same queueing lock
    waits (finer than ``one_at_a_time``). ``schedule_in_s``: start no sooner than that.
    """
    deferrer = app.configure_task(
        kind.name,
        queueing_lock=kind.name if one_at_a_time else queueing_lock,
        queue=queue,
        lock=lock,
        schedule_in={"seconds": schedule_in_s} if schedule_in_s > 0 else None,
        allow_unknown=False,
    )
    try:
        return deferrer.defer(**arguments)
    except AlreadyEnqueued as exc:
        raise JobBusyError(
            f"a {kind.name} job is already waiting in the queue; wait or cancel it"
        ) from exc


def cancel(app: App, session: Session, job_id: int, kinds: Collection[str]) -> JobStatus:
    """Cancel a job: a queued one never starts, a running one is asked to stop where its work
    can stop cleanly (its kind checks between steps). Its status after the request."""
    status = get_job(session, job_id, kinds)
    if status is None:
        raise JobNotFoundError(f"unknown job {job_id}")
    if status.finished:
        raise JobFinishedError(f"job {job_id} has already ended ({status.state.value})")
    if not app.job_manager.cancel_job_by_id(job_id, abort=True):
        # It ended between the read and the request.
        ended = get_job(session, job_id, kinds)
        state = ended.state.value if ended is not None else "gone"
        raise JobFinishedError(f"job {job_id} has already ended ({state})")
    after = get_job(session, job_id, kinds)
    assert after is not None
    return after
