"""Eval runs as jobs: an ``eval_runs`` row that a worker executes.

The run is stored when it is asked for (:func:`luna.evals.runner.create_run`: config, pinned
prompt versions, model, number of cases, status ``running``), so the API answers at once with
its id; the job (its id in ``eval_runs.job_id``) gets the run id as its one argument and runs
the cases (:func:`luna.evals.runner.execute`). While it runs, its progress is the job's
(``job_progress``): ``done`` of ``total`` cases, and in ``result`` the run id, the suite and
the last case; at the end the run's status and metrics. A run that cannot start, or whose
cases all fail, fails the job with the run's reason (issue 17 part 0: never "done").

Why it may run again from the start (``repeatable``): a case's result is an upsert keyed by
run and case (``uq_eval_results_run_case``) and ``execute`` skips the cases already stored
without error, so a rerun after a worker died runs only the missing cases and never stores a
second result for one; a rerun that finds the run ended reports that end unchanged.

Why it waits in the ``serve`` queue with the embedded vector store: the suites search the
knowledge base, and Qdrant Edge is opened by one process only, ``luna serve``
(:func:`luna.jobs.kinds.queue_of`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from procrastinate import App
from procrastinate.job_context import AbortReason
from sqlalchemy import func, select

from luna.evals.runner import EvalRunError, create_run, execute
from luna.evals.suites.base import EvalConfig
from luna.jobs.control import enqueue
from luna.jobs.kinds import JobKind, JobStopped, RunningJob, queue_of
from luna.runtime import Runtime
from luna.store.sql.database import session_scope
from luna.store.sql.models import EvalResult, EvalRun


class EvalRunFailedError(RuntimeError):
    """The run ended ``failed`` (its suite could not start, or every case raised); the job
    fails with the run's reason."""


def _cases_stored(runtime: Runtime, run_id: int) -> int:
    with runtime.stores.sessions() as session:
        count = select(func.count()).where(EvalResult.run_id == run_id)
        return int(session.scalar(count) or 0)


def _end(job: RunningJob, run_id: int) -> dict[str, Any]:
    """Report the ended run as the job's result, and end the job as the run ended."""
    with job.runtime.stores.sessions() as session:
        run = session.get(EvalRun, run_id)
        if run is None:
            raise EvalRunError(f"eval run {run_id} vanished")
        status, error, total = run.status, run.error, run.cases_total
        result = {"run_id": run_id, "suite": run.suite, "status": status, "metrics": run.metrics}
        unstamped = status == "cancelled" and run.finished_at is None
    if unstamped:  # `luna eval cancel` marked it while the job waited: nothing ran, it ends now
        _set(job.runtime, run_id, finished_at=datetime.now(UTC))
    job.progress(_cases_stored(job.runtime, run_id), total=total, result=result)
    if status == "failed":
        raise EvalRunFailedError(error or f"eval run {run_id} failed")
    if status == "cancelled":
        raise JobStopped(f"eval run {run_id} was cancelled")
    return result


def run_eval_job(job: RunningJob, *, run_id: int) -> dict[str, Any]:
    """The kind's work: execute the stored run ``run_id``, a step per case, stopping between
    cases when asked."""
    with job.runtime.stores.sessions() as session:
        run = session.get(EvalRun, run_id)
        if run is None:
            raise EvalRunError(f"no eval run {run_id}")
        status, suite, total = run.status, run.suite, run.cases_total
    if status != "running":  # a rerun after the worker died at the very end, or cancelled
        return _end(job, run_id)
    base = {"run_id": run_id, "suite": suite}
    job.progress(_cases_stored(job.runtime, run_id), total=total, result=base)

    def report(done: int, total: int, case_id: str) -> None:
        job.progress(done, total, {**base, "last_case": case_id})

    def should_stop() -> bool:
        reason = job.stop_reason()
        if reason is AbortReason.SHUTDOWN:
            # Leave the run running: the requeued job resumes it where it stopped.
            raise JobStopped("the worker stops; the run resumes on the next attempt")
        return reason is not None  # a cancel: execute ends the run cancelled

    execute(job.runtime, run_id, progress=report, should_stop=should_stop)
    return _end(job, run_id)


EVAL = JobKind(name="eval", work=run_eval_job, queue="eval", repeatable=True, needs_vectors=True)


def _set(runtime: Runtime, run_id: int, **values: object) -> None:
    with session_scope(runtime.stores.sessions) as session:
        run = session.get(EvalRun, run_id)
        if run is None:
            raise EvalRunError(f"eval run {run_id} vanished")
        for name, value in values.items():
            setattr(run, name, value)


def enqueue_eval(app: App, runtime: Runtime, config: EvalConfig, actor: str | None) -> int:
    """Store the run and queue the job that executes it; the run's id.

    The row comes first (the worker reads it), then the job, then the job's id on the row; if
    queueing fails, the run ends ``failed`` with the reason instead of ``running`` forever.
    """
    run_id = create_run(runtime, config, actor=actor)
    try:
        job_id = enqueue(app, EVAL, {"run_id": run_id}, queue=queue_of(EVAL, runtime.settings))
    except Exception as exc:
        _set(runtime, run_id, status="failed", error=f"not queued: {exc}")
        raise
    _set(runtime, run_id, job_id=job_id)
    return run_id
