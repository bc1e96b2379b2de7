"""Playbooks as background jobs: a ``playbooks`` row that a worker thread fills in.

The API answers at once with the job's id; the worker records its status (pending → running
→ ready | failed), the graph's stages and the remark as they happen (``progress``, which
``GET /playbooks/{id}/events`` streams), and the result with the inputs it rests on, the
prompt version and the model.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from luna.graphs.playbook.errors import PlaybookError
from luna.graphs.playbook.run import PlaybookRun, ProgressEvent, run_playbook
from luna.graphs.playbook.schema import PlaybookRequest
from luna.graphs.playbook.state import PlaybookContext
from luna.observability import metrics
from luna.runtime import Runtime
from luna.store.sql.database import session_scope
from luna.store.sql.models import PlaybookRecord

log = logging.getLogger(__name__)
ContextFactory = Callable[[Runtime], PlaybookContext]
REMARK_FLUSH_S = 0.3  # the streamed remark is written at most this often


def create_job(runtime: Runtime, request: PlaybookRequest, user_id: int | None) -> uuid.UUID:
    """A pending job row, committed so that the worker (another thread) sees it."""
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


def _set(runtime: Runtime, job_id: uuid.UUID, **values: object) -> None:
    with session_scope(runtime.stores.sessions) as session:
        record = session.get(PlaybookRecord, job_id)
        if record is None:
            raise PlaybookError(f"playbook job {job_id} vanished")
        for name, value in values.items():
            setattr(record, name, value)
        if values.get("status") in ("ready", "failed"):
            metrics.PLAYBOOK_RUNS.labels(record.kind, str(values["status"])).inc()


class ProgressRecorder:
    """Writes the graph's progress to the job row: each stage at once (with the milliseconds
    since the job started), the remark's pieces at most every ``REMARK_FLUSH_S``."""

    def __init__(self, runtime: Runtime, job_id: uuid.UUID) -> None:
        self._runtime, self._job_id = runtime, job_id
        self._started = self._flushed = time.perf_counter()
        self._stages: list[dict[str, object]] = []
        self._remark = ""
        self._dropped: str | None = None
        self._pending = False

    def __call__(self, event: ProgressEvent) -> None:
        now = time.perf_counter()
        if "stage" in event:
            ms = round((now - self._started) * 1e3, 1)
            self._stages.append({"stage": event["stage"], "ms": ms})
        elif "remark" in event:
            self._remark += str(event["remark"])
            self._pending = True
            if now - self._flushed < REMARK_FLUSH_S:
                return
        elif "remark_dropped" in event:
            self._dropped = str(event["remark_dropped"])
        self.flush()

    def flush(self) -> None:
        progress = {"stages": list(self._stages), "remark": self._remark}
        if self._dropped is not None:
            progress["remark_dropped"] = self._dropped
        _set(self._runtime, self._job_id, progress=progress)
        self._flushed, self._pending = time.perf_counter(), False

    def finish(self) -> None:
        """Write what the throttle held back."""
        if self._pending:
            self.flush()


def run_job(runtime: Runtime, job_id: uuid.UUID, context: ContextFactory | None = None) -> None:
    """Generate the job's playbook and store it; failures end as ``failed`` with the reason."""
    with session_scope(runtime.stores.sessions) as session:
        record = session.get(PlaybookRecord, job_id)
        if record is None:
            raise PlaybookError(f"unknown playbook job {job_id}")
        request = PlaybookRequest.model_validate(record.request)
    _set(runtime, job_id, status="running", started_at=datetime.now(UTC))
    recorder = ProgressRecorder(runtime, job_id)
    try:
        ctx = context(runtime) if context is not None else None
        run: PlaybookRun = run_playbook(runtime, request, context=ctx, on_event=recorder)
        recorder.finish()
    except PlaybookError as exc:
        _set(runtime, job_id, status="failed", error=str(exc), finished_at=datetime.now(UTC))
        return
    except Exception as exc:  # recorded on the job; the worker thread must not die silently
        log.exception("playbook job %s failed", job_id)
        _set(
            runtime,
            job_id,
            status="failed",
            error=f"internal error: {type(exc).__name__}: {exc}",
            finished_at=datetime.now(UTC),
        )
        return
    playbook = run.playbook.model_copy(update={"id": job_id})
    _set(
        runtime,
        job_id,
        status="ready",
        result=playbook.model_dump(mode="json"),
        inputs={"request": request.model_dump(mode="json"), "path": run.path, **run.inputs},
        prompt=playbook.prompt,
        model=playbook.model,
        finished_at=datetime.now(UTC),
    )


def start_job(
    runtime: Runtime, job_id: uuid.UUID, context: ContextFactory | None = None
) -> threading.Thread:
    # In the caller's context, so the job's logs carry the id of the request that started it.
    thread = threading.Thread(
        target=contextvars.copy_context().run,
        args=(run_job, runtime, job_id, context),
        name=f"playbook-{job_id}",
        daemon=True,
    )
    thread.start()
    return thread
