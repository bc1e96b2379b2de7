"""Run an eval suite and store it: one ``eval_runs`` row, one ``eval_results`` row per case.

A run records what it ran (config, pinned prompt versions, model, git revision) before the
first case, stores each case as it finishes (an upsert per run and case), and so can be
resumed (finished cases are skipped, failed ones retried) and cancelled (Ctrl-C, ``status =
'cancelled'`` set by the API or ``luna eval cancel``, or the job's ``should_stop``, checked
between cases). A case that raises is stored with its error; the run goes on. Runs started
through the API execute as jobs on the queue (:mod:`luna.jobs.eval`), the CLI's in its own
process.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from luna.evals.metrics import mean_metrics
from luna.evals.suites import get_suite
from luna.evals.suites.base import EvalConfig, EvalEnv, EvalSetupError
from luna.observability.metrics import EVAL_RUNS
from luna.prompts.registry import PromptError, load_active, load_version
from luna.runtime import Runtime
from luna.store.sql.database import session_scope
from luna.store.sql.models import EvalResult, EvalRun

Progress = Callable[[int, int, str], None]  # (cases done, cases total, last case id)
REPO = Path(__file__).resolve().parents[2]
GIT = shutil.which("git") or "git"


class EvalRunError(RuntimeError):
    """The run cannot be started or resumed (unknown run, bad prompt version, wrong state)."""


def git_revision(repo: Path = REPO) -> str | None:
    """``git describe --always --dirty`` of the checkout, or None outside a git tree."""
    try:
        out = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
            [GIT, "-C", str(repo), "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def resolve_prompts(runtime: Runtime, config: EvalConfig, names: tuple[str, ...]) -> dict[str, str]:
    """The version of each prompt the run uses: pinned in the config, else the active one."""
    resolved: dict[str, str] = {}
    with runtime.stores.sessions() as session:
        for name, version in config.prompt_versions.items():
            try:
                load_version(session, name, version)
            except PromptError as exc:
                raise EvalRunError(str(exc)) from exc
            resolved[name] = version
        for name in names:
            if name not in resolved:
                try:
                    resolved[name] = load_active(session, name).spec.version
                except PromptError as exc:
                    raise EvalRunError(str(exc)) from exc
    return resolved


def create_run(runtime: Runtime, config: EvalConfig, *, actor: str | None = None) -> int:
    """Store a new run (status ``running``) with everything needed to execute it; its id."""
    suite = get_suite(config.suite)
    prompts = resolve_prompts(runtime, config, suite.prompt_names)
    env = EvalEnv(runtime, config, prompts)
    try:
        total = len(suite.cases(config))
    except (EvalSetupError, ValueError) as exc:
        raise EvalRunError(str(exc)) from exc
    with session_scope(runtime.stores.sessions) as session:
        run = EvalRun(
            suite=config.suite,
            status="running",
            config=config.model_dump(mode="json"),
            prompts=prompts,
            model=suite.model_label(env),
            git_revision=git_revision(),
            cases_total=total,
            created_by=actor,
        )
        session.add(run)
        session.flush()
        return run.id


def request_cancel(runtime: Runtime, run_id: int) -> bool:
    """Mark a running run cancelled; its runner stops before the next case. False if the run
    was not running."""
    with session_scope(runtime.stores.sessions) as session:
        run = session.get(EvalRun, run_id, with_for_update=True)
        if run is None or run.status != "running":
            return False
        run.status = "cancelled"
        return True


def _status(runtime: Runtime, run_id: int) -> str | None:
    with runtime.stores.sessions() as session:
        return session.scalar(select(EvalRun.status).where(EvalRun.id == run_id))


def _store_result(runtime: Runtime, run_id: int, case_id: str, values: dict[str, Any]) -> None:
    row = {"run_id": run_id, "case_id": case_id, **values}
    update = {k: v for k, v in row.items() if k not in ("run_id", "case_id")}
    with session_scope(runtime.stores.sessions) as session:
        session.execute(
            insert(EvalResult)
            .values(**row)
            .on_conflict_do_update(constraint="uq_eval_results_run_case", set_=update)
        )


def summarise(runtime: Runtime, run_id: int) -> dict[str, Any]:
    """Aggregate metrics over the run's stored cases: the mean of each metric, pass rate,
    cases done and cases that raised."""
    with runtime.stores.sessions() as session:
        rows = list(session.scalars(select(EvalResult).where(EvalResult.run_id == run_id)))
    ok = [r for r in rows if r.error is None]
    metrics: dict[str, Any] = mean_metrics(r.metrics for r in ok)
    metrics["cases"] = len(rows)
    metrics["errors"] = len(rows) - len(ok)
    metrics["pass_rate"] = round(sum(bool(r.passed) for r in rows) / len(rows), 4) if rows else 0.0
    return metrics


def _finish(
    runtime: Runtime, run_id: int, status: str, elapsed: float, error: str | None = None
) -> None:
    metrics = summarise(runtime, run_id)
    with session_scope(runtime.stores.sessions) as session:
        run = session.get(EvalRun, run_id, with_for_update=True)
        assert run is not None
        if run.status == "cancelled" and status == "done":
            status = "cancelled"  # cancelled through the API while the last case ran
        run.status = status
        run.metrics = metrics
        run.error = error
        run.duration_s = round((run.duration_s or 0.0) + elapsed, 2)
        run.finished_at = datetime.now(UTC)
    EVAL_RUNS.labels(status).inc()


def execute(
    runtime: Runtime,
    run_id: int,
    *,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> str:
    """Run the cases of ``run_id`` that have no result yet; returns the final status.

    ``should_stop`` is asked before each case (a job's cancel); an exception it raises leaves
    the run ``running`` for a later :func:`execute` to resume. Ctrl-C (KeyboardInterrupt)
    marks the run cancelled and is re-raised.
    """
    with runtime.stores.sessions() as session:
        run = session.get(EvalRun, run_id)
        if run is None:
            raise EvalRunError(f"no eval run {run_id}")
        config = EvalConfig.model_validate(run.config)
        prompts = dict(run.prompts)
        done = set(
            session.scalars(
                select(EvalResult.case_id).where(
                    EvalResult.run_id == run_id, EvalResult.error.is_(None)
                )
            )
        )
    suite = get_suite(config.suite)
    env = EvalEnv(runtime, config, prompts)
    started = time.perf_counter()
    try:
        cases = suite.cases(config)
        suite.prepare(env)
    except Exception as exc:  # a suite that cannot run at all fails the run, with the reason
        _finish(runtime, run_id, "failed", time.perf_counter() - started, f"{exc}")
        return "failed"
    finished = len([c for c in cases if c.id in done])
    status = "done"
    attempted = errored = 0  # cases this execution ran, and how many of them raised
    first_error: str | None = None
    try:
        for case in cases:
            if case.id in done:
                continue
            if (should_stop is not None and should_stop()) or _status(
                runtime, run_id
            ) == "cancelled":
                status = "cancelled"
                break
            t0 = time.perf_counter()
            try:
                outcome = suite.run_case(env, case)
                values: dict[str, Any] = {
                    "metrics": outcome.metrics,
                    "passed": outcome.passed,
                    "detail": outcome.detail,
                    "error": None,
                }
            except Exception as exc:  # one failing case never aborts the run
                values = {
                    "metrics": {},
                    "passed": False,
                    "detail": {},
                    "error": f"{type(exc).__name__}: {exc}"[:2000],
                }
            values["duration_ms"] = round((time.perf_counter() - t0) * 1e3, 1)
            attempted += 1
            if values["error"] is not None:
                errored += 1
                first_error = first_error or values["error"]
            _store_result(runtime, run_id, case.id, values)
            finished += 1
            if progress is not None:
                progress(finished, len(cases), case.id)
    except KeyboardInterrupt:
        _finish(runtime, run_id, "cancelled", time.perf_counter() - started)
        raise
    if status == "done" and attempted and errored == attempted and not done:
        # Not one case could run (the model or the vector store unavailable, …): that is a
        # failed run with the reason, never "done" with a pass rate of 0.
        reason = f"all {attempted} cases failed; the first: {first_error}"
        _finish(runtime, run_id, "failed", time.perf_counter() - started, reason)
        return "failed"
    _finish(runtime, run_id, status, time.perf_counter() - started)
    return status


def reopen(runtime: Runtime, run_id: int, *, force: bool = False) -> None:
    """Set a cancelled or failed run back to ``running`` so :func:`execute` can resume it."""
    with session_scope(runtime.stores.sessions) as session:
        run = session.get(EvalRun, run_id, with_for_update=True)
        if run is None:
            raise EvalRunError(f"no eval run {run_id}")
        if run.status == "done":
            raise EvalRunError(f"run {run_id} is done; start a new run instead")
        if run.status == "running" and not force:
            raise EvalRunError(
                f"run {run_id} is marked running (another process may be executing it); "
                "use --force if it died"
            )
        run.status, run.error, run.finished_at = "running", None, None
        # It runs here now, not in its job: a worker must not end it as that job ended
        # (luna.jobs.settle), nor the API read it so (row_or_job_end).
        run.job_id = None
