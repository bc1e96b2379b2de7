"""Eval runs over the API (admin only): start one in the background, list, inspect, cancel."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from luna.api.deps import AdminUser, RuntimeDep, SessionDep
from luna.api.errors import field_error
from luna.config import AnswerCheck
from luna.evals.compare import Comparison, compare_runs
from luna.evals.runner import EvalRunError, create_run, execute, request_cancel
from luna.evals.suites.base import EvalConfig
from luna.prompts.registry import PromptError, parse_ref
from luna.runtime import Runtime
from luna.store.sql.models import EvalResult, EvalRun

router = APIRouter(prefix="/evals", tags=["evals"])
log = logging.getLogger(__name__)


class EvalRunIn(BaseModel):
    suite: str = Field(pattern=r"^(retrieval|qa|routing|playbook|trust)$")
    prompts: list[str] = Field(
        default_factory=list, description="Versions to pin, NAME@VERSION; nothing is activated."
    )
    limit: int | None = Field(default=None, ge=1)
    case_ids: list[str] | None = Field(default=None, max_length=500)
    k: int = Field(default=5, ge=1, le=20)
    judge: bool = True
    answer_check: AnswerCheck | None = Field(
        default=None, description="QA: the answerability check; empty: LUNA_RAG_ANSWER_CHECK."
    )


class EvalResultOut(BaseModel):
    case_id: str
    passed: bool | None
    metrics: dict[str, Any]
    detail: dict[str, Any]
    error: str | None
    duration_ms: float | None


class EvalRunOut(BaseModel):
    id: int
    suite: str
    status: str
    config: dict[str, Any]
    prompts: dict[str, Any]
    model: str | None
    git_revision: str | None
    metrics: dict[str, Any]
    cases_total: int
    error: str | None
    created_by: str | None
    duration_s: float | None
    started_at: datetime
    finished_at: datetime | None
    results: list[EvalResultOut] | None = None


def _out(run: EvalRun, results: list[EvalResult] | None = None) -> EvalRunOut:
    return EvalRunOut(
        id=run.id,
        suite=run.suite,
        status=run.status,
        config=run.config,
        prompts=run.prompts,
        model=run.model,
        git_revision=run.git_revision,
        metrics=run.metrics,
        cases_total=run.cases_total,
        error=run.error,
        created_by=run.created_by,
        duration_s=run.duration_s,
        started_at=run.started_at,
        finished_at=run.finished_at,
        results=None
        if results is None
        else [
            EvalResultOut(
                case_id=r.case_id,
                passed=r.passed,
                metrics=r.metrics,
                detail=r.detail,
                error=r.error,
                duration_ms=r.duration_ms,
            )
            for r in results
        ],
    )


def _background(runtime: Runtime, run_id: int) -> None:
    try:
        execute(runtime, run_id)
    except Exception:  # the run row keeps the state; the thread must not die silently
        log.exception("eval run %s failed", run_id)


@router.post("/runs", response_model=EvalRunOut, status_code=status.HTTP_202_ACCEPTED)
def start_run(
    body: EvalRunIn, runtime: RuntimeDep, session: SessionDep, admin: AdminUser
) -> EvalRunOut:
    """Store the run and execute it in a background thread; poll ``GET /evals/runs/{id}``."""
    try:
        pinned = dict(parse_ref(ref) for ref in body.prompts)
    except PromptError as exc:
        raise field_error("prompts", str(exc)) from exc
    config = EvalConfig(
        suite=body.suite,
        prompt_versions=pinned,
        limit=body.limit,
        case_ids=body.case_ids,
        k=body.k,
        judge=body.judge,
        answer_check=(
            runtime.settings.rag_answer_check if body.answer_check is None else body.answer_check
        ),
    )
    try:
        run_id = create_run(runtime, config, actor=admin.username)
    except EvalRunError as exc:
        raise field_error("prompts" if "prompt" in str(exc) else "case_ids", str(exc)) from exc
    threading.Thread(
        target=_background, args=(runtime, run_id), name=f"eval-run-{run_id}", daemon=True
    ).start()
    run = session.get(EvalRun, run_id)
    assert run is not None
    return _out(run)


@router.get("/runs", response_model=list[EvalRunOut])
def list_runs(
    session: SessionDep,
    admin: AdminUser,
    suite: str | None = Query(None, pattern=r"^(retrieval|qa|routing|playbook|trust)$"),
    limit: int = Query(50, ge=1, le=500),
) -> list[EvalRunOut]:
    """Runs, newest first."""
    query = select(EvalRun).order_by(EvalRun.id.desc()).limit(limit)
    if suite is not None:
        query = query.where(EvalRun.suite == suite)
    return [_out(r) for r in session.scalars(query)]


@router.get("/runs/{run_id}", response_model=EvalRunOut)
def get_run(
    run_id: int,
    session: SessionDep,
    admin: AdminUser,
    results: bool = Query(True, description="Include the per-case results."),
) -> EvalRunOut:
    run = session.get(EvalRun, run_id)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no eval run {run_id}")
    rows = None
    if results:
        rows = list(
            session.scalars(
                select(EvalResult).where(EvalResult.run_id == run_id).order_by(EvalResult.case_id)
            )
        )
    return _out(run, rows)


@router.post("/runs/{run_id}/cancel", response_model=EvalRunOut)
def cancel_run(
    run_id: int, runtime: RuntimeDep, session: SessionDep, admin: AdminUser
) -> EvalRunOut:
    """Stop a running run before its next case; finished cases stay stored."""
    run = session.get(EvalRun, run_id)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no eval run {run_id}")
    if not request_cancel(runtime, run_id):
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"run {run_id} is {run.status}")
    session.refresh(run)
    return _out(run)


@router.get("/compare", response_model=Comparison)
def compare(
    session: SessionDep,
    admin: AdminUser,
    a: int = Query(description="The baseline run."),
    b: int = Query(description="The run compared with it."),
) -> Comparison:
    """Per-metric deltas (B - A) and the cases that B fixed or broke, as ``luna eval compare``."""
    try:
        return compare_runs(session, a, b)
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    except ValueError as exc:
        raise field_error("b", str(exc)) from exc
