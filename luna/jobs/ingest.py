"""Ingest of uploaded files as jobs: the upload is staged in the object store, a worker ingests.

``POST /ingest/jobs`` stages each file (:func:`luna.ingest.staging.stage_upload`) and queues one
job per file with the staged key, so the request answers at once and the file survives a
restart of the API. The job's progress is the chunks embedded of all chunks; its result is the
file's outcome as ``POST /ingest`` reports it (item id, status, chunks, duplicate, error).
The staged upload is deleted once the file is ingested or rejected (a parse error, a duplicate);
a job that fails on an exception leaves it for the drift check, which reports it as an orphan
once no job waits for it.

Why it may run again from the start (``repeatable``): a rerun reads the same staged bytes, and
the pipeline starts an earlier attempt at the same source over, deleting the row, vectors and
objects that attempt left (:meth:`luna.ingest.pipeline.IngestPipeline.ingest`); if the earlier
attempt got as far as ready, the rerun finds the same content and reports a duplicate. Jobs of
one source run one at a time (a lock per source), so a rerun never removes an attempt that is
still running. A cancel stops a queued job; a running one finishes its file (one file is one
transaction's worth of work).

Why it waits in the ``serve`` queue with the embedded vector store: it writes vectors, and
Qdrant Edge is opened by one process only (:func:`luna.jobs.kinds.queue_of`).
"""

from __future__ import annotations

from typing import Any

from procrastinate import App

from luna.ingest.pipeline import safe_filename
from luna.ingest.staging import INGEST_TASK, stage_upload
from luna.jobs.control import enqueue
from luna.jobs.kinds import JobKind, RunningJob, queue_of
from luna.runtime import Runtime
from luna.store.objects.base import ObjectNotFoundError


class StagedUploadGoneError(LookupError):
    """The job's staged upload is not in the object store (deleted by hand or by a repair)."""


def run_ingest(
    job: RunningJob, *, key: str, filename: str, mime_type: str | None, source: str
) -> dict[str, Any]:
    """Ingest the staged upload ``key`` as ``filename``; the file's outcome."""
    objects = job.runtime.stores.objects
    try:
        data = objects.get(key)
    except ObjectNotFoundError as exc:
        raise StagedUploadGoneError(f"the staged upload {key} is gone") from exc
    job.progress(0, result={"filename": filename})

    def embedded(done: int, total: int) -> None:
        job.progress(done, total=total)

    outcome = job.runtime.ingest.ingest(
        data, filename, mime_type=mime_type, source=source, on_embedded=embedded
    )
    objects.delete(key)
    return {
        "filename": outcome.filename,
        "item_id": str(outcome.item_id) if outcome.item_id else None,
        "status": outcome.status.value,
        "chunks": outcome.chunks,
        "duplicate": outcome.duplicate,
        "replaced": outcome.replaced,
        "error": outcome.error,
        "error_code": outcome.error_code,
        "limit": outcome.limit,
    }


INGEST = JobKind(
    name=INGEST_TASK, work=run_ingest, queue="ingest", repeatable=True, needs_vectors=True
)


def enqueue_ingest(
    app: App, runtime: Runtime, data: bytes, filename: str, mime_type: str | None
) -> int:
    """Stage the upload and queue the job that ingests it; the job's id. If queueing fails, the
    staged upload is deleted again."""
    name = safe_filename(filename)
    source = f"upload:{name}"
    key = stage_upload(runtime.stores.objects, data, name, mime_type)
    arguments = {"key": key, "filename": name, "mime_type": mime_type, "source": source}
    try:
        return enqueue(
            app,
            INGEST,
            arguments,
            queue=queue_of(INGEST, runtime.settings),
            lock=f"ingest:{source}",
        )
    except Exception:
        runtime.stores.objects.delete(key)
        raise
