"""One status API for every background job (admin only): list, one job, cancel.

The state, progress, result and error of a job look the same whatever its kind
(:mod:`luna.jobs.status`); a kind's own routes (``/admin/data/backfills``) start jobs and may
show the same job in their own words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, Field

from luna.api.deps import AdminUser, RuntimeDep, SessionDep
from luna.api.errors import field_error
from luna.jobs.control import JobFinishedError, JobNotFoundError, cancel
from luna.jobs.queue import KINDS
from luna.jobs.status import JobState, JobStatus, get_job, list_jobs

router = APIRouter(prefix="/jobs", tags=["jobs"])


class JobOut(BaseModel):
    """One job as every kind reports it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str = Field(description="What the job does, e.g. backfill.")
    state: JobState
    arguments: dict[str, Any] = Field(description="What it was queued with.")
    attempts: int = Field(description="Finished attempts; > 0 once it was queued again.")
    cancel_requested: bool = Field(description="A cancel reached it while it runs.")
    done: int = Field(description="Steps done (a backfill: meters).")
    total: int | None = Field(description="Steps in all, once the job knows them.")
    result: dict[str, Any] | None = Field(
        description="What it produced; while it runs or after a cancel, what it has so far."
    )
    error: str | None = Field(description="Why it failed, or why it stopped and was requeued.")
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime | None = Field(description="When it last reported progress.")


def _found(job: JobStatus | None, job_id: int) -> JobStatus:
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown job {job_id}")
    return job


@router.get("", response_model=list[JobOut])
def jobs(
    session: SessionDep,
    _admin: AdminUser,
    kind: Annotated[str | None, Query(description="Only this kind.")] = None,
    state: Annotated[JobState | None, Query(description="Only jobs in this state.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[JobOut]:
    """Jobs, newest first."""
    if kind is not None and kind not in KINDS:
        raise field_error("query.kind", f"unknown kind; one of {', '.join(sorted(KINDS))}")
    kinds = [kind] if kind is not None else list(KINDS)
    states = {state} if state is not None else None
    return [JobOut.model_validate(j) for j in list_jobs(session, kinds, states=states, limit=limit)]


@router.get("/{job_id}", response_model=JobOut)
def job(job_id: int, session: SessionDep, _admin: AdminUser) -> JobOut:
    return JobOut.model_validate(_found(get_job(session, job_id, KINDS), job_id))


@router.post("/{job_id}/cancel", response_model=JobOut)
def cancel_job(job_id: int, runtime: RuntimeDep, session: SessionDep, _admin: AdminUser) -> JobOut:
    """A queued job never starts; a running one stops where its work can stop cleanly (a
    backfill after the meter in progress) and ends ``cancelled``. 409 once it has ended."""
    try:
        after = cancel(runtime.jobs, session, job_id, KINDS)
    except JobNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except JobFinishedError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return JobOut.model_validate(after)
