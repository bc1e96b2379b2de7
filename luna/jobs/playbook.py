"""Playbook generation as jobs: a ``playbooks`` row that a worker fills in.

The row is written when the playbook is asked for (``pending``, with the request), so the API
answers at once with the playbook's id; the job (its id in ``playbooks.job_id``) gets that id as
its one argument. While the job runs, its progress is the job's (``job_progress``): ``done`` of
``total`` stages, and in ``result`` the playbook id, the stages reached with the milliseconds
since the job started and the model's remark so far, which ``GET /playbooks/{id}/events``
streams. At the end the job writes the playbook (result, inputs, prompt, model, final progress,
status ``ready``, ``failed`` or ``cancelled``) into the row in one transaction.

Why it may run again from the start (``repeatable``): it writes nothing but that one row,
which exists before the job does, and its last write is one transaction; a rerun after a
worker died finds the row ``ready`` and returns it unchanged, or generates it again into the
same row (the remark may read differently, but there is never a second playbook). A cancel
stops at the next stage; the row ends ``cancelled`` with the stages it reached.

Why it waits in the ``serve`` queue with the embedded vector store: the retrieve stage
searches the knowledge base, and Qdrant Edge is opened by one process only, ``luna serve``
(:func:`luna.jobs.kinds.queue_of`).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from procrastinate import App
from procrastinate.job_context import AbortReason

from luna.graphs.playbook import playbook_context
from luna.graphs.playbook.errors import PlaybookError
from luna.graphs.playbook.run import ProgressEvent, run_playbook
from luna.graphs.playbook.schema import PlaybookKind, PlaybookRequest
from luna.graphs.playbook.state import PlaybookContext
from luna.jobs.control import enqueue
from luna.jobs.kinds import JobKind, JobStopped, RunningJob, queue_of
from luna.observability import metrics
from luna.runtime import Runtime
from luna.store.sql.database import session_scope
from luna.store.sql.models import PlaybookRecord

log = logging.getLogger(__name__)

ContextFactory = Callable[[Runtime], PlaybookContext]
Progress = Callable[[dict[str, Any]], None]
REMARK_FLUSH_S = 0.3  # the streamed remark is written at most this often
ENDED = frozenset({"ready", "failed", "cancelled"})


def stages_of(kind: PlaybookKind) -> int:
    """How many stages a playbook of ``kind`` reports: data, forecast (not for a tariff check,
    which reads a year of history instead), optimise or analyse, retrieve, compose."""
    return 4 if kind is PlaybookKind.TARIFF_CHECK else 5


def context_for(runtime: Runtime) -> PlaybookContext:
    """The run context a job uses: the runtime's chat model, retriever and data (tests replace
    this function to script the model and speed up forecasting)."""
    return playbook_context(runtime)


def create_playbook(runtime: Runtime, request: PlaybookRequest, user_id: int | None) -> uuid.UUID:
    """A pending playbook row, committed so that a worker (another thread or process) sees it."""
    with session_scope(runtime.stores.sessions) as session:
        record = PlaybookRecord(
            user_id=user_id,
            meter_id=request.meter_id,
            kind=request.kind.value,
            status="pending",
            request=request.model_dump(mode="json"),
        )
        session.add(record)
        session.flush()
        return record.id


def _set(runtime: Runtime, playbook_id: uuid.UUID, **values: object) -> None:
    with session_scope(runtime.stores.sessions) as session:
        record = session.get(PlaybookRecord, playbook_id)
        if record is None:
            raise PlaybookError(f"playbook {playbook_id} vanished")
        for name, value in values.items():
            setattr(record, name, value)
        if values.get("status") in ("ready", "failed"):
            metrics.PLAYBOOK_RUNS.labels(record.kind, str(values["status"])).inc()


class ProgressRecorder:
    """Collects the graph's progress events into one snapshot (``stages`` with the milliseconds
    since the start, ``remark``, ``remark_dropped``) and hands it to ``write``: each stage at
    once, the remark's pieces at most every ``REMARK_FLUSH_S``."""

    def __init__(self, write: Progress) -> None:
        self._write = write
        self._started = self._flushed = time.perf_counter()
        self.stages: list[dict[str, Any]] = []
        self._remark = ""
        self._dropped: str | None = None
        self._pending = False

    def __call__(self, event: ProgressEvent) -> None:
        now = time.perf_counter()
        if "stage" in event:
            ms = round((now - self._started) * 1e3, 1)
            self.stages.append({"stage": event["stage"], "ms": ms})
        elif "remark" in event:
            self._remark += str(event["remark"])
            self._pending = True
            if now - self._flushed < REMARK_FLUSH_S:
                return
        elif "remark_dropped" in event:
            self._dropped = str(event["remark_dropped"])
        self.flush()

    def snapshot(self) -> dict[str, Any]:
        progress: dict[str, Any] = {"stages": list(self.stages), "remark": self._remark}
        if self._dropped is not None:
            progress["remark_dropped"] = self._dropped
        return progress

    def flush(self) -> None:
        self._write(self.snapshot())
        self._flushed, self._pending = time.perf_counter(), False

    def finish(self) -> None:
        """Write what the throttle held back."""
        if self._pending:
            self.flush()


def generate_into(
    runtime: Runtime,
    playbook_id: uuid.UUID,
    *,
    on_progress: Progress | None = None,
    context: ContextFactory | None = None,
) -> dict[str, Any]:
    """Generate the playbook of a pending row and store it there; its final progress.

    A row that is ``ready`` already is returned as it is. A :class:`PlaybookError` or any
    other failure ends the row ``failed`` with the reason and is raised again.
    ``on_progress`` gets each progress snapshot (the job's progress; the CLI passes none).
    """
    with session_scope(runtime.stores.sessions) as session:
        record = session.get(PlaybookRecord, playbook_id)
        if record is None:
            raise PlaybookError(f"unknown playbook {playbook_id}")
        if record.status == "ready":  # a rerun after the worker died at the very end
            return dict(record.progress or {})
        request = PlaybookRequest.model_validate(record.request)
    _set(runtime, playbook_id, status="running", error=None, started_at=datetime.now(UTC))
    recorder = ProgressRecorder(on_progress or (lambda _snapshot: None))
    try:
        ctx = (context or context_for)(runtime)
        run = run_playbook(runtime, request, context=ctx, on_event=recorder)
        recorder.finish()
    except JobStopped:
        raise  # the job decides (cancelled, or queued again); see run_playbook_job
    except PlaybookError as exc:
        _set(runtime, playbook_id, status="failed", error=str(exc), finished_at=datetime.now(UTC))
        raise
    except Exception as exc:
        _set(
            runtime,
            playbook_id,
            status="failed",
            error=f"internal error: {type(exc).__name__}: {exc}",
            finished_at=datetime.now(UTC),
        )
        raise
    progress = recorder.snapshot()
    playbook = run.playbook.model_copy(update={"id": playbook_id})
    _set(
        runtime,
        playbook_id,
        status="ready",
        result=playbook.model_dump(mode="json"),
        inputs={"request": request.model_dump(mode="json"), "path": run.path, **run.inputs},
        progress=progress,
        prompt=playbook.prompt,
        model=playbook.model,
        finished_at=datetime.now(UTC),
    )
    return progress


def run_playbook_job(job: RunningJob, *, playbook_id: str) -> dict[str, Any]:
    """The kind's work: generate the playbook ``playbook_id`` (a row written when it was asked
    for), reporting each stage as a step and stopping between stages when asked."""
    pid = uuid.UUID(playbook_id)
    with session_scope(job.runtime.stores.sessions) as session:
        record = session.get(PlaybookRecord, pid)
        if record is None:
            raise PlaybookError(f"unknown playbook {playbook_id}")
        total = stages_of(PlaybookKind(record.kind))
    job.progress(0, total=total, result={"playbook_id": playbook_id})

    def report(snapshot: dict[str, Any]) -> None:
        job.progress(len(snapshot["stages"]), result={"playbook_id": playbook_id, **snapshot})
        job.stop_if_asked()  # between stages: nothing of the playbook is written yet

    try:
        progress = generate_into(job.runtime, pid, on_progress=report)
    except JobStopped:
        if job.stop_reason() is AbortReason.USER_REQUEST:
            _set(job.runtime, pid, status="cancelled", finished_at=datetime.now(UTC))
        raise
    return {"playbook_id": playbook_id, **progress}


PLAYBOOK = JobKind(
    name="playbook", work=run_playbook_job, queue="playbook", repeatable=True, needs_vectors=True
)


def enqueue_playbook(
    app: App, runtime: Runtime, request: PlaybookRequest, user_id: int | None
) -> uuid.UUID:
    """Write the pending playbook and queue the job that generates it; the playbook's id.

    The row comes first (the worker reads it), then the job, then the job's id on the row; if
    queueing fails, the row ends ``failed`` with the reason instead of waiting forever.
    """
    playbook_id = create_playbook(runtime, request, user_id)
    try:
        job_id = enqueue(
            app,
            PLAYBOOK,
            {"playbook_id": str(playbook_id)},
            queue=queue_of(PLAYBOOK, runtime.settings),
        )
    except Exception as exc:
        _set(runtime, playbook_id, status="failed", error=f"not queued: {exc}")
        raise
    _set(runtime, playbook_id, job_id=job_id)
    return playbook_id
