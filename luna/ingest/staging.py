"""Uploads staged for a background ingest: the bytes wait in the object store until a worker
ingests them.

An upload queued as a job (``POST /ingest/jobs``) is written under ``uploads/{stage}/{file}``
before the request answers, so the request can return at once and a worker in another process
(or after a restart) still finds the bytes; the job carries the key and deletes the object once
the file is ingested or rejected. What may be left behind, and how the drift check tells it:
an upload whose job is neither queued nor running any more (it failed on an exception, was
cancelled before it started, or was deleted) is an orphan; one whose job waits or runs is not.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from luna.ingest.object_keys import new_run, run_started
from luna.ingest.pipeline import safe_filename
from luna.store.objects.base import ObjectStore

STAGING_PREFIX = "uploads/"
INGEST_TASK = "ingest"  # the job kind's name (luna.jobs.ingest.INGEST)

_IN_USE = text(
    "SELECT args->>'key' FROM procrastinate_jobs"
    " WHERE task_name = :task AND status IN ('todo', 'doing')"
)


def stage_upload(
    objects: ObjectStore,
    data: bytes,
    filename: str,
    mime_type: str | None,
    *,
    now: datetime | None = None,
) -> str:
    """Store an upload for a later ingest; its key."""
    key = f"{STAGING_PREFIX}{new_run(now)}/{safe_filename(filename)}"
    objects.put(key, data, mime_type or "application/octet-stream")
    return key


def staged_keys_in_use(session: Session) -> set[str]:
    """The staged uploads whose ingest job is queued or running."""
    return {key for key in session.scalars(_IN_USE, {"task": INGEST_TASK}) if key}


def staged_at(key: str) -> datetime | None:
    """When an upload was staged (from its key); None for a key of another layout."""
    parts = key.split("/")
    if len(parts) != 3 or f"{parts[0]}/" != STAGING_PREFIX:
        return None
    return run_started(parts[1])
