"""Playbooks: ``POST /playbooks`` starts a job (202), ``GET`` shows its status and result,
``PATCH`` records whether the customer accepted or dismissed it.

Customers see and request playbooks only for their own meters; another customer's meter or
playbook answers 404, as if it did not exist. Admins see all.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel
from sqlalchemy import select

from luna.agents.playbook_schema import Playbook, PlaybookKind, PlaybookRequest
from luna.api.deps import CurrentUser, RuntimeDep, SessionDep
from luna.api.errors import field_error
from luna.api.routes.data import require_meter
from luna.graphs.playbook.jobs import ContextFactory, create_job, start_job
from luna.store.sql.models import PlaybookRecord, Role, User

router = APIRouter(prefix="/playbooks", tags=["playbooks"])

JobStatus = Literal["pending", "running", "ready", "failed"]
Review = Literal["open", "accepted", "dismissed"]


class PlaybookJob(BaseModel):
    id: uuid.UUID
    meter_id: str
    kind: PlaybookKind
    status: JobStatus
    error: str | None
    review: Review
    request: dict[str, Any]
    prompt: str | None
    model: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class PlaybookDetail(PlaybookJob):
    result: Playbook | None
    inputs: dict[str, Any] | None = None


class ReviewUpdate(BaseModel):
    review: Literal["accepted", "dismissed"]


def _job(record: PlaybookRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "meter_id": record.meter_id,
        "kind": record.kind,
        "status": record.status,
        "error": record.error,
        "review": record.review,
        "request": record.request,
        "prompt": record.prompt,
        "model": record.model,
        "created_at": record.created_at,
        "started_at": record.started_at,
        "finished_at": record.finished_at,
    }


def _visible(session: SessionDep, user: User, playbook_id: uuid.UUID) -> PlaybookRecord:
    record = session.get(PlaybookRecord, playbook_id)
    if record is None or (user.role is not Role.ADMIN and record.user_id != user.id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown playbook '{playbook_id}'")
    return record


def _context_factory(request: Request) -> ContextFactory | None:
    """Tests and deployments may tune forecasting for jobs via ``app.state``."""
    factory: ContextFactory | None = getattr(request.app.state, "playbook_context", None)
    return factory


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=PlaybookJob)
def create_playbook(
    body: PlaybookRequest,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    session: SessionDep,
    user: CurrentUser,
) -> dict[str, Any]:
    """Start generating a playbook; poll ``GET /playbooks/{id}`` until it is ready."""
    if user.role is Role.SERVICE:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="service accounts cannot do this")
    require_meter(session, user, body.meter_id)
    job_id = create_job(runtime, body, user.id)
    start_job(runtime, job_id, _context_factory(request))
    record = session.get(PlaybookRecord, job_id)
    if record is None:  # committed by create_job in its own transaction
        raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, detail="job not stored")
    response.headers["Location"] = f"/playbooks/{job_id}"
    return _job(record)


@router.get("", response_model=list[PlaybookJob])
def list_playbooks(
    session: SessionDep,
    user: CurrentUser,
    meter_id: str | None = None,
    status_filter: JobStatus | None = Query(default=None, alias="status"),
    limit: int = Query(default=50, ge=1, le=500),
) -> list[dict[str, Any]]:
    """Your playbooks, newest first (admins: everyone's)."""
    query = select(PlaybookRecord).order_by(PlaybookRecord.created_at.desc()).limit(limit)
    if user.role is not Role.ADMIN:
        query = query.where(PlaybookRecord.user_id == user.id)
    if meter_id is not None:
        query = query.where(PlaybookRecord.meter_id == meter_id)
    if status_filter is not None:
        query = query.where(PlaybookRecord.status == status_filter)
    return [_job(r) for r in session.scalars(query)]


@router.get("/{playbook_id}", response_model=PlaybookDetail)
def get_playbook(
    playbook_id: uuid.UUID,
    session: SessionDep,
    user: CurrentUser,
    include_inputs: bool = Query(default=False, description="The data it rests on, too."),
) -> dict[str, Any]:
    record = _visible(session, user, playbook_id)
    return {
        **_job(record),
        "result": record.result,
        "inputs": record.inputs if include_inputs else None,
    }


@router.patch("/{playbook_id}", response_model=PlaybookJob)
def review_playbook(
    playbook_id: uuid.UUID, body: ReviewUpdate, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    """Mark a ready playbook as accepted or dismissed."""
    record = _visible(session, user, playbook_id)
    if record.status != "ready":
        raise field_error(
            "body.review", f"playbook is {record.status}; only a ready one can be reviewed", 409
        )
    record.review = body.review
    record.reviewed_at = datetime.now(UTC)
    session.flush()
    return _job(record)
