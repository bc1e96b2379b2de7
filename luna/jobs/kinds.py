"""What a kind of background job declares, and the handle its work reports progress through.

A kind's work is a plain function ``work(job, **arguments) -> result``: it gets a
:class:`RunningJob` (progress, cancellation, the process's :class:`~luna.runtime.Runtime`) and
returns a JSON-able result. :func:`execute` wraps it for the worker: it starts the job's
``job_progress`` row, records the result or the failure's reason, and turns a cancellation into
procrastinate's "aborted".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from procrastinate import JobContext
from procrastinate.exceptions import JobAborted
from procrastinate.job_context import AbortReason
from sqlalchemy import Engine, func
from sqlalchemy.dialects.postgresql import insert

from luna.config import Settings, VectorBackend
from luna.store.sql.models import JobProgress

if TYPE_CHECKING:
    from luna.runtime import Runtime

log = logging.getLogger(__name__)

RUNTIME_KEY = "runtime"  # the worker's additional context: the process's Runtime
# Jobs that open the embedded vector store wait here: Qdrant Edge admits one process, and the
# process that holds it is `luna serve`, so only its in-process worker takes this queue.
SERVE_QUEUE = "serve"


@dataclass(frozen=True)
class JobKind:
    """One kind of job: its name (procrastinate's task name, the ``kind`` of the status API),
    the function that does it, the queue it waits in, and how safe it is to repeat.

    ``repeatable``: running it again from the start is harmless (idempotent writes), so a job
    interrupted by a stopping worker, or whose worker died, goes back to the queue instead of
    failing. A failure (an exception) is never retried automatically: the same inputs would
    fail the same way. ``lock``: jobs of this kind run one at a time across all workers.
    ``needs_vectors``: its work opens the vector store; with the embedded store (Qdrant Edge,
    one process at a time) such jobs wait in :data:`SERVE_QUEUE`, which only the in-process
    worker of ``luna serve`` takes (:func:`queue_of`).
    """

    name: str
    work: Callable[..., dict[str, Any]]
    queue: str
    repeatable: bool = False
    lock: str | None = None
    needs_vectors: bool = False
    max_attempts: int = 3  # a repeatable job is requeued at most this often in all


def embedded_vectors(settings: Settings) -> bool:
    """Whether vectors live in Qdrant Edge inside one process (``LUNA_VECTOR_BACKEND=edge``,
    the default) rather than in a Qdrant server that every process can reach."""
    return settings.vector_backend is VectorBackend.EDGE


def queue_of(kind: JobKind, settings: Settings) -> str:
    """The queue a job of ``kind`` waits in under these settings: the kind's own, or
    :data:`SERVE_QUEUE` for a kind that needs vectors while they are embedded."""
    return SERVE_QUEUE if kind.needs_vectors and embedded_vectors(settings) else kind.queue


class JobStopped(JobAborted):
    """Raised inside a job's work when it was asked to stop (cancelled, or its worker stops);
    the work stops where it is safe to, and the worker records the job as aborted or requeues
    it."""


def write_progress(engine: Engine, job_id: int, **values: Any) -> None:
    """Create or update the job's ``job_progress`` row with ``values``."""
    statement = insert(JobProgress).values(job_id=job_id, updated_at=func.now(), **values)
    statement = statement.on_conflict_do_update(
        index_elements=[JobProgress.job_id], set_={**values, "updated_at": func.now()}
    )
    with engine.begin() as conn:
        conn.execute(statement)


class RunningJob:
    """The handle a job's work gets: report progress, see whether to stop, reach the stores."""

    def __init__(
        self, job_id: int, runtime: Runtime, stop_reason: Callable[[], AbortReason | None]
    ) -> None:
        self.id = job_id
        self.runtime = runtime
        self._stop_reason = stop_reason
        self.done = 0
        self.total: int | None = None
        self.result: dict[str, Any] = {}

    def progress(
        self, done: int, total: int | None = None, result: dict[str, Any] | None = None
    ) -> None:
        """Record ``done`` of ``total`` steps and the result so far (shown while it runs and
        kept if the job is cancelled)."""
        self.done = done
        if total is not None:
            self.total = total
        if result is not None:
            self.result = result
        write_progress(
            self.runtime.stores.engine, self.id, done=done, total=self.total, result=self.result
        )

    def stop_reason(self) -> AbortReason | None:
        return self._stop_reason()

    def stop_if_asked(self) -> None:
        """Raise :class:`JobStopped` when the job was cancelled or its worker is stopping;
        call it between steps that each leave consistent data behind."""
        reason = self._stop_reason()
        if reason is not None:
            raise JobStopped(f"stop requested ({reason.value})")


def execute(kind: JobKind, context: JobContext, arguments: dict[str, Any]) -> dict[str, Any]:
    """Run one attempt of a job of ``kind`` on a worker thread, recording how it went.

    The result and the failure's reason go to ``job_progress`` (procrastinate keeps neither);
    the exception is re-raised so that procrastinate sets the state: failed, or aborted (a
    cancellation), or back in the queue (a repeatable job its worker stopped).
    """
    job_id = context.job.id
    assert job_id is not None
    runtime: Runtime = context.additional_context[RUNTIME_KEY]
    engine = runtime.stores.engine
    # A new attempt starts over: a requeued job's figures are those of its last attempt.
    write_progress(engine, job_id, done=0, total=None, result=None, error=None)
    job = RunningJob(job_id, runtime, context.abort_reason)
    try:
        result = kind.work(job, **arguments)
    except JobAborted:
        reason = context.abort_reason()
        if reason is AbortReason.SHUTDOWN:
            note = "the worker stopped while it ran"
            if kind.repeatable and context.job.attempts + 1 < kind.max_attempts:
                note += "; queued again"
            write_progress(engine, job_id, error=note)
        raise
    except Exception as exc:
        log.exception("job %d (%s) failed", job_id, kind.name)
        write_progress(engine, job_id, error=f"{type(exc).__name__}: {exc}")
        raise
    write_progress(engine, job_id, result=result)
    return result
