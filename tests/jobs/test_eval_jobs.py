"""Eval runs as jobs on the queue: one started through the API runs on the in-process worker to
done, and the job (``/jobs/{id}``) and the run (``/evals/runs/{id}``) agree on its progress and
result; one whose cases all fail ends failed in both; a queued one cancelled never runs; a
rerun after a worker died stores no second result for a case; with the embedded vector store
the kind waits where only ``luna serve`` takes it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from luna.config import Settings, VectorBackend
from luna.evals import runner
from luna.evals.runner import create_run, execute
from luna.evals.suites.base import EvalConfig
from luna.jobs.eval import EVAL
from luna.jobs.kinds import SERVE_QUEUE, queue_of
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.store.sql.models import EvalResult
from tests.evals.test_runner import ScriptedSuite
from tests.jobs.conftest import WORKER, admin_headers, ended, wait_for


def scripted(monkeypatch: pytest.MonkeyPatch, **options: str | None) -> None:
    monkeypatch.setattr(runner, "get_suite", lambda name: ScriptedSuite(**options))


def test_an_eval_run_queued_through_the_api_runs_on_the_in_process_worker_to_done(
    app_client, users, prompts, monkeypatch
):
    scripted(monkeypatch)
    with app_client(**WORKER) as client:
        admin = admin_headers(client, users)
        started = client.post("/evals/runs", json={"suite": "routing"}, headers=admin)
        assert started.status_code == 202, started.text
        run_id, job_id = started.json()["id"], started.json()["job_id"]
        assert isinstance(job_id, int)

        job = wait_for(client, admin, job_id, ended)
        assert job["state"] == "done", job
        assert job["kind"] == "eval"
        assert job["arguments"] == {"run_id": run_id}
        assert (job["done"], job["total"]) == (5, 5)
        assert job["result"]["run_id"] == run_id
        assert job["result"]["status"] == "done"
        assert job["result"]["metrics"]["errors"] == 1  # c3 raises; the run goes on
        assert job["error"] is None

        run = client.get(f"/evals/runs/{run_id}", headers=admin).json()
        assert run["status"] == "done"
        assert run["job_id"] == job_id
        assert run["metrics"] == job["result"]["metrics"]
        assert [r["case_id"] for r in run["results"]] == ["c1", "c2", "c3", "c4", "c5"]
        assert run["finished_at"] is not None
        listed = client.get("/jobs", params={"kind": "eval"}, headers=admin).json()
        assert [j["id"] for j in listed] == [job_id]


def test_an_eval_run_whose_cases_all_fail_is_failed_never_done(
    app_client, users, prompts, monkeypatch
):
    scripted(monkeypatch, fail="*")
    with app_client(**WORKER) as client:
        admin = admin_headers(client, users)
        started = client.post("/evals/runs", json={"suite": "routing"}, headers=admin).json()
        job = wait_for(client, admin, started["job_id"], ended)
        assert job["state"] == "failed", job
        assert "all 5 cases failed" in job["error"]
        assert job["result"]["status"] == "failed"
        run = client.get(f"/evals/runs/{started['id']}", headers=admin).json()
        assert run["status"] == "failed"
        assert run["error"] == "all 5 cases failed; the first: RuntimeError: tool exploded"


def test_a_queued_eval_run_cancelled_never_runs(app_client, users, prompts, monkeypatch):
    scripted(monkeypatch)
    ScriptedSuite.calls = []
    with app_client() as client:  # no worker: the job waits in the queue
        admin = admin_headers(client, users)
        started = client.post("/evals/runs", json={"suite": "routing"}, headers=admin).json()
        run_id, job_id = started["id"], started["job_id"]
        assert started["status"] == "running"
        job = client.get(f"/jobs/{job_id}", headers=admin).json()
        assert (job["state"], job["done"]) == ("queued", 0)

        cancelled = client.post(f"/evals/runs/{run_id}/cancel", headers=admin)
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "cancelled"
        assert cancelled.json()["finished_at"] is not None
        assert client.get(f"/jobs/{job_id}", headers=admin).json()["state"] == "cancelled"
        assert client.post(f"/evals/runs/{run_id}/cancel", headers=admin).status_code == 409

        # Cancelled through the job instead: the run shows it too.
        other = client.post("/evals/runs", json={"suite": "routing"}, headers=admin).json()
        by_job = client.post(f"/jobs/{other['job_id']}/cancel", headers=admin)
        assert by_job.json()["state"] == "cancelled"
        assert client.get(f"/evals/runs/{other['id']}", headers=admin).json()["status"] == (
            "cancelled"
        )
    with app_client(**WORKER) as client:  # a worker now finds nothing to do
        admin = admin_headers(client, users)
        runs = client.get("/evals/runs", headers=admin).json()
        assert {r["status"] for r in runs} == {"cancelled"}
        assert client.get(f"/evals/runs/{run_id}", headers=admin).json()["results"] == []
    assert ScriptedSuite.calls == []


def test_a_rerun_after_the_worker_died_stores_no_second_result_for_a_case(
    settings: Settings, prompts: Stores, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    scripted(monkeypatch, fail=None)
    ScriptedSuite.calls = []
    runtime = Runtime(settings.model_copy(update={"home": tmp_path}), prompts)
    try:
        run_id = create_run(runtime, EvalConfig(suite="routing"))

        def dies_after(cases: int) -> Callable[[], bool]:
            def check() -> bool:
                if len(ScriptedSuite.calls) >= cases:
                    raise SystemExit("worker gone")  # as the job's shutdown stop does
                return False

            return check

        with pytest.raises(SystemExit):
            execute(runtime, run_id, should_stop=dies_after(2))
        assert execute(runtime, run_id) == "done"  # the requeued job's attempt
        assert ScriptedSuite.calls == ["c1", "c2", "c3", "c4", "c5"]  # none ran twice
        with runtime.stores.sessions() as s:
            rows = s.scalar(select(func.count()).where(EvalResult.run_id == run_id))
            cases = s.scalar(
                select(func.count(func.distinct(EvalResult.case_id))).where(
                    EvalResult.run_id == run_id
                )
            )
        assert rows == cases == 5
    finally:
        runtime.close()
    assert EVAL.repeatable


def test_with_embedded_vectors_eval_runs_wait_for_luna_serve():
    edge = Settings(vector_backend=VectorBackend.EDGE, _env_file=None)  # type: ignore[call-arg]
    server = Settings(  # type: ignore[call-arg]
        vector_backend=VectorBackend.QDRANT, qdrant_url="http://qdrant:6333", _env_file=None
    )
    assert queue_of(EVAL, edge) == SERVE_QUEUE
    assert queue_of(EVAL, server) == EVAL.queue != SERVE_QUEUE
