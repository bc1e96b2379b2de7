"""Learning over the API (admin only): cycles, rollback, learned states, gaps, curated pairs.

``POST /learning/cycles`` stores the cycle and queues its job (:mod:`luna.jobs.learning`, ``GET
/jobs/{job_id}`` for its progress); a worker runs it. The cycle row holds the steps and the
decision; while it says ``running``, a job that failed or was cancelled before it could write
its end shows through, so a cycle never stays ``running`` for a job that has ended.
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from luna.api.deps import AdminUser, RuntimeDep, SessionDep, SettingsDep
from luna.api.errors import field_error
from luna.jobs.control import JobFinishedError
from luna.jobs.control import cancel as cancel_job
from luna.jobs.learning import KINDS, enqueue_learning, job_ended
from luna.learning.curated import CuratedError, add_curated, list_curated
from luna.learning.cycles import CycleConflictError, CycleError, request_cancel, rollback
from luna.learning.usage import knowledge_gaps
from luna.store.sql.models import CuratedPair, LearnedStateRecord, LearningCycle

router = APIRouter(prefix="/learning", tags=["learning"])


class CycleIn(BaseModel):
    kind: Literal["full", "weights", "adapter"] = Field(
        default="full", description="What to learn: weights, the query adapter, or both."
    )


class CycleOut(BaseModel):
    id: int
    job_id: int | None = Field(description="Its job on the queue; none for a CLI run.")
    kind: str
    status: str
    step: str | None
    progress: float
    started_by: str | None
    started_at: datetime
    finished_at: datetime | None
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    eval_before: dict[str, Any]
    eval_after: dict[str, Any]
    decision: str | None
    error: str | None
    rolled_back_by: str | None
    rolled_back_at: datetime | None


class StateOut(BaseModel):
    version: int
    cycle_id: int | None
    created_at: datetime
    active: bool
    activated_at: datetime | None
    chunk_weights: int = Field(description="How many chunks carry a weight other than 1.0.")
    item_weights: int
    adapter_dim: int | None
    params: dict[str, Any]
    stats: dict[str, Any]


class RollbackIn(BaseModel):
    version: int | None = Field(
        description="The learned state to activate; null for none (neutral retrieval)."
    )


class RollbackOut(BaseModel):
    active_version: int | None
    audit_cycle_id: int


class CuratedIn(BaseModel):
    question: str = Field(min_length=3, max_length=2000)
    answer: str = Field(min_length=1, max_length=20_000)
    item_id: uuid.UUID | None = Field(default=None, description="The document it refers to.")
    chunk_id: int | None = Field(default=None, ge=1, description="The passage it refers to.")
    answer_id: uuid.UUID | None = Field(default=None, description="The answer it corrects.")
    note: str | None = Field(default=None, max_length=2000)


class CuratedOut(BaseModel):
    id: int
    question: str
    answer: str
    item_id: uuid.UUID | None
    chunk_id: int | None
    answer_id: uuid.UUID | None
    knowledge_item_id: uuid.UUID | None
    provenance: dict[str, Any]
    created_by: str
    created_at: datetime


def _cycle_out(session: Session, c: LearningCycle) -> CycleOut:
    out = CycleOut.model_validate(c, from_attributes=True)
    status_, error, finished_at = job_ended(session, c)
    if status_ != c.status:
        out.status, out.error, out.finished_at = status_, error, finished_at
    return out


def _curated_out(p: CuratedPair) -> CuratedOut:
    return CuratedOut.model_validate(p, from_attributes=True)


@router.post("/cycles", response_model=CycleOut, status_code=status.HTTP_202_ACCEPTED)
def start(
    runtime: RuntimeDep, session: SessionDep, admin: AdminUser, body: CycleIn | None = None
) -> CycleOut:
    """Store the cycle and queue it for a worker (409 while another is queued or runs); poll
    ``GET /cycles/{id}`` (steps and decision) or ``GET /jobs/{job_id}``."""
    kind = (body or CycleIn()).kind
    try:
        cycle_id = enqueue_learning(runtime.jobs, runtime, kind, admin.username)
    except CycleConflictError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    cycle = session.get(LearningCycle, cycle_id)
    if cycle is None:  # committed by enqueue_learning in its own transaction
        raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, detail="cycle not stored")
    return _cycle_out(session, cycle)


@router.get("/cycles", response_model=list[CycleOut])
def history(
    session: SessionDep, admin: AdminUser, limit: int = Query(50, ge=1, le=500)
) -> list[CycleOut]:
    """Cycles and rollbacks, newest first."""
    query = select(LearningCycle).order_by(LearningCycle.id.desc()).limit(limit)
    return [_cycle_out(session, c) for c in session.scalars(query)]


@router.get("/cycles/{cycle_id}", response_model=CycleOut)
def get_cycle(cycle_id: int, session: SessionDep, admin: AdminUser) -> CycleOut:
    cycle = session.get(LearningCycle, cycle_id)
    if cycle is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no learning cycle {cycle_id}")
    return _cycle_out(session, cycle)


@router.post("/cycles/{cycle_id}/cancel", response_model=CycleOut)
def cancel(cycle_id: int, runtime: RuntimeDep, session: SessionDep, admin: AdminUser) -> CycleOut:
    """A queued cycle never starts; a running one stops before its next step, and nothing it
    trained is activated. Either is ``cancelled`` at once; 409 once it has ended. Also frees
    the slot of a cycle whose job or process died."""
    cycle = session.get(LearningCycle, cycle_id)
    if cycle is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no learning cycle {cycle_id}")
    if cycle.status != "running":
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"cycle {cycle_id} is {cycle.status}")
    if cycle.job_id is not None:
        # A job that ended without ending the row leaves the row to be ended below.
        with contextlib.suppress(JobFinishedError, LookupError):
            cancel_job(runtime.jobs, session, cycle.job_id, KINDS)
    # The row is marked too: it reads cancelled at once, and a worker sees it before its next
    # step even where the job's cancel has not reached it yet.
    try:
        cancelled = request_cancel(runtime, cycle_id)
    except CycleError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    session.refresh(cycle)
    if not cancelled:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"cycle {cycle_id} is {cycle.status}")
    return _cycle_out(session, cycle)


@router.get("/states", response_model=list[StateOut])
def states(session: SessionDep, admin: AdminUser) -> list[StateOut]:
    """Every learned state, newest first; at most one is active."""
    rows = session.scalars(select(LearnedStateRecord).order_by(LearnedStateRecord.version.desc()))
    return [
        StateOut(
            version=r.version,
            cycle_id=r.cycle_id,
            created_at=r.created_at,
            active=r.active,
            activated_at=r.activated_at,
            chunk_weights=len(r.chunk_weights),
            item_weights=len(r.item_weights),
            adapter_dim=r.adapter_dim,
            params=r.params,
            stats=r.stats,
        )
        for r in rows
    ]


@router.post("/rollback", response_model=RollbackOut)
def roll_back(body: RollbackIn, runtime: RuntimeDep, admin: AdminUser) -> RollbackOut:
    """Activate an earlier learned state (or none) in one transaction; audited."""
    try:
        audit_id = rollback(runtime, body.version, actor=admin.username)
    except CycleError as exc:
        raise field_error("version", str(exc), status.HTTP_404_NOT_FOUND) from exc
    return RollbackOut(active_version=body.version, audit_cycle_id=audit_id)


class ScheduleOut(BaseModel):
    schedule: str | None = Field(description="LUNA_LEARNING_SCHEDULE; null when unscheduled.")
    next_run: str | None


@router.get("/schedule", response_model=ScheduleOut)
def schedule(request: Request, runtime: RuntimeDep, admin: AdminUser) -> ScheduleOut:
    """The crontab that starts cycles and when it fires next (cycles also start manually)."""
    scheduled = getattr(request.app.state, "learning_schedule", None)
    return ScheduleOut(
        schedule=runtime.settings.learning_schedule,
        next_run=scheduled.next_run() if scheduled is not None else None,
    )


@router.get("/gaps")
def gaps(
    session: SessionDep,
    settings: SettingsDep,
    admin: AdminUser,
    limit: int = Query(20, ge=1, le=200),
) -> dict[str, Any]:
    """Knowledge-gaps report; only groups of at least ``LUNA_LEARNING_MIN_GROUP`` users."""
    return knowledge_gaps(session, min_group=settings.learning_min_group, limit=limit)


@router.post("/curated", response_model=CuratedOut, status_code=status.HTTP_201_CREATED)
def create_curated(
    body: CuratedIn, runtime: RuntimeDep, session: SessionDep, admin: AdminUser
) -> CuratedOut:
    """A curated Q&A pair or correction: ingested as a curated document, used for training."""
    try:
        pair_id = add_curated(
            runtime,
            question=body.question,
            answer=body.answer,
            actor=admin.username,
            item_id=body.item_id,
            chunk_id=body.chunk_id,
            answer_id=body.answer_id,
            note=body.note,
        )
    except CuratedError as exc:
        raise field_error(exc.field, str(exc)) from exc
    pair = session.get(CuratedPair, pair_id)
    assert pair is not None
    return _curated_out(pair)


@router.get("/curated", response_model=list[CuratedOut])
def curated(
    session: SessionDep, admin: AdminUser, limit: int = Query(200, ge=1, le=1000)
) -> list[CuratedOut]:
    return [_curated_out(p) for p in list_curated(session, limit)]
