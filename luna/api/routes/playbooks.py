"""Playbooks: ``POST /playbooks`` starts a job (202), ``GET`` shows its status and result,
``GET /playbooks/{id}/events`` streams its progress as Server-Sent Events, ``PATCH`` records
whether the customer accepted or dismissed it.

Customers see and request playbooks only for their own meters; another customer's meter or
playbook answers 404, as if it did not exist. Admins see all.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from luna.api.deps import CurrentUser, RuntimeDep, SessionDep
from luna.api.errors import field_error
from luna.api.routes.data import require_meter
from luna.graphs.playbook.jobs import ContextFactory, create_job, start_job
from luna.graphs.playbook.schema import Playbook, PlaybookKind, PlaybookRequest
from luna.store.sql.models import PlaybookRecord, Role, User

router = APIRouter(prefix="/playbooks", tags=["playbooks"])

JobStatus = Literal["pending", "running", "ready", "failed"]
POLL_S = 0.2  # how often the event stream looks at the job row
STREAM_LIMIT_S = 900.0  # a stream ends after this long even if the job never finishes
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


def _progress(
    sessions: sessionmaker[Session], playbook_id: uuid.UUID
) -> tuple[str, dict[str, Any], str | None] | None:
    """The job's status, progress and error now (a short session of its own per look)."""
    with sessions() as session:
        record = session.get(PlaybookRecord, playbook_id)
        if record is None:
            return None
        return record.status, dict(record.progress or {}), record.error


def _event(name: str, data: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(data, ensure_ascii=False), event=name)


@router.get(
    "/{playbook_id}/events",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
def playbook_events(
    playbook_id: uuid.UUID,
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    user: CurrentUser,
) -> EventSourceResponse:
    """The job's progress as Server-Sent Events: ``progress`` once per stage reached
    (``data``, ``forecast``, ``optimise`` or ``analyse``, ``retrieve``, ``compose``, with the
    milliseconds since the job started), ``remark`` with each new piece of the model's
    remark, and ``done`` with the final status (then fetch ``GET /playbooks/{id}``). Stages
    already passed are sent at once, so a late client misses nothing. The job may run in
    another process: the stream reads the job row, not the worker."""
    _visible(session, user, playbook_id)
    sessions = runtime.stores.sessions

    async def events() -> AsyncIterator[ServerSentEvent]:
        stages_sent, remark_sent = 0, 0
        deadline = asyncio.get_running_loop().time() + STREAM_LIMIT_S
        while True:
            snapshot = await run_in_threadpool(_progress, sessions, playbook_id)
            if snapshot is None:  # deleted with its meter while streaming
                yield _event("done", {"status": "failed", "error": "the playbook was deleted"})
                return
            job_status, progress, error = snapshot
            stages = progress.get("stages", [])
            for stage in stages[stages_sent:]:
                yield _event("progress", stage)
            stages_sent = len(stages)
            remark = str(progress.get("remark", ""))
            if len(remark) > remark_sent:
                yield _event("remark", {"text": remark[remark_sent:]})
                remark_sent = len(remark)
            if job_status in ("ready", "failed"):
                dropped = progress.get("remark_dropped")
                yield _event(
                    "done", {"status": job_status, "error": error, "remark_dropped": dropped}
                )
                return
            if await request.is_disconnected():
                return
            if asyncio.get_running_loop().time() > deadline:
                yield _event("done", {"status": job_status, "error": "stream time limit"})
                return
            await asyncio.sleep(POLL_S)

    return EventSourceResponse(events(), ping=10)
