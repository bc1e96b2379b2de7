"""Eval runs over the API (admin only): queue one, list, inspect, cancel.

``POST /evals/runs`` stores the run and queues its job (:mod:`luna.jobs.eval`, ``GET
/jobs/{job_id}`` for its progress); a worker executes it. The run row holds the cases and the
end; while it says ``running``, a job that failed or was cancelled before it could write its
end (a worker that died for good, a cancel while queued) shows through, so a run never stays
``running`` for a job that has ended.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from luna.api.deps import AdminUser, RuntimeDep, SessionDep
from luna.api.errors import field_error
from luna.config import AnswerCheck
from luna.evals.compare import Comparison, compare_runs
from luna.evals.runner import EvalRunError, request_cancel
from luna.evals.suites.base import EvalConfig
from luna.jobs.control import JobFinishedError, cancel
from luna.jobs.eval import EVAL, enqueue_eval
from luna.jobs.status import Ending, JobState, row_or_job_end
from luna.prompts.registry import PromptError, parse_ref
from luna.store.sql.models import EvalResult, EvalRun

router = APIRouter(prefix="/evals", tags=["evals"])
KINDS = [EVAL.name]


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
    job_id: int | None = Field(description="Its job on the queue; none for a CLI run.")
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


def _ended_job(session: Session, run: EvalRun) -> Ending:
    """Status, error and end of a run (:func:`~luna.jobs.status.row_or_job_end`)."""
    return row_or_job_end(session, (run.status, run.error, run.finished_at), run.job_id, KINDS)


def _out(session: Session, run: EvalRun, results: list[EvalResult] | None = None) -> EvalRunOut:
    status_, error, finished_at = _ended_job(session, run)
    return EvalRunOut(
        id=run.id,
        job_id=run.job_id,
        suite=run.suite,
        status=status_,
        config=run.config,
        prompts=run.prompts,
        model=run.model,
        git_revision=run.git_revision,
        metrics=run.metrics,
        cases_total=run.cases_total,
        error=error,
        created_by=run.created_by,
        duration_s=run.duration_s,
        started_at=run.started_at,
        finished_at=finished_at,
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


@router.post("/runs", response_model=EvalRunOut, status_code=status.HTTP_202_ACCEPTED)
def start_run(
    body: EvalRunIn, runtime: RuntimeDep, session: SessionDep, admin: AdminUser
) -> EvalRunOut:
    """Store the run and queue it for a worker; poll ``GET /evals/runs/{id}`` (the cases and
    the end) or ``GET /jobs/{job_id}`` (cases done of total)."""
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
        run_id = enqueue_eval(runtime.jobs, runtime, config, admin.username)
    except EvalRunError as exc:
        raise field_error("prompts" if "prompt" in str(exc) else "case_ids", str(exc)) from exc
    run = session.get(EvalRun, run_id)
    if run is None:  # committed by enqueue_eval in its own transaction
        raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, detail="run not stored")
    return _out(session, run)


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
    return [_out(session, r) for r in session.scalars(query)]


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
    return _out(session, run, rows)


@router.post("/runs/{run_id}/cancel", response_model=EvalRunOut)
def cancel_run(
    run_id: int, runtime: RuntimeDep, session: SessionDep, admin: AdminUser
) -> EvalRunOut:
    """A queued run never starts; a running one stops before its next case (finished cases stay
    stored). Either is ``cancelled`` at once; 409 once it has ended."""
    run = session.get(EvalRun, run_id)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no eval run {run_id}")
    now = _ended_job(session, run)[0]
    if now != "running":
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"run {run_id} is {now}")
    job_state = None
    if run.job_id is not None:
        try:
            job_state = cancel(runtime.jobs, session, run.job_id, KINDS).state
        except (JobFinishedError, LookupError) as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    # The row is marked too: the run reads cancelled at once, and a worker sees it before its
    # next case even where the job's cancel has not reached it yet.
    if not request_cancel(runtime, run_id):
        session.refresh(run)
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"run {run_id} is {run.status}")
    session.refresh(run)
    if job_state is JobState.CANCELLED and run.finished_at is None:
        # It never started: no worker writes its end, so the row is told here.
        run.finished_at = datetime.now(UTC)
        session.flush()
    return _out(session, run)


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
