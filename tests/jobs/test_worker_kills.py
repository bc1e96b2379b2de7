"""``kill -9`` of a real ``luna worker`` in the middle of a playbook, an eval run and a learning
cycle (the worker runs the scripted model and suite of the in-process tests,
:mod:`tests.jobs.scripted_worker`): the job reads running until the dead worker's jobs are
recovered, then is queued again with the reason (or, out of attempts, failed with it); the
domain row never keeps half a result, is left to the job while it may run again, and once the
job has failed reads failed in its own table (:mod:`luna.jobs.settle`); the next worker
finishes the job without a second playbook, a second result for a case, or a learned state.

The deployment is the production one, a vector server (which the scripted work never calls),
so that these kinds wait in their own queues, which ``luna worker`` takes.
"""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from luna.config import Settings
from luna.jobs.learning import LEARNING
from luna.jobs.settle import settle_ended_rows
from luna.store.factory import Stores
from luna.store.sql.models import EvalResult, LearnedStateRecord, LearningCycle, PlaybookRecord
from tests.api.conftest import login
from tests.api.test_playbooks import REMARK
from tests.graphs.conftest import simulated_site
from tests.jobs.conftest import admin_headers, ended, recover_stalled, wait_for
from tests.jobs.scripted_worker import HOLD, VECTOR_SERVER, scripted_worker
from tests.jobs.test_eval_jobs import scripted
from tests.jobs.test_playbook_jobs import STAGES

# Kills, stops and deadlines of real processes: run alone, never beside another test worker.
pytestmark = pytest.mark.serial

STALLED_AFTER_S = 1.0  # the dead worker's last beat is older than this after a short wait


def kill_worker_at(
    client: TestClient,
    admin: dict[str, str],
    job_id: int,
    point: str,
    reached: Callable[[dict[str, Any]], bool],
    settings: Settings,
    home: Path,
) -> dict[str, Any]:
    """Start a worker that stops for good at ``point``, ``kill -9`` it once the job has
    ``reached`` there; the job as it reads then (still running: nobody knows yet)."""
    with scripted_worker(str(settings.database_url), home, **{HOLD: point}) as (process, tail):
        try:
            wait_for(client, admin, job_id, lambda j: reached(j) or ended(j), timeout=120)
        except AssertionError as exc:
            raise AssertionError(tail()) from exc
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL, tail()
    orphan = client.get(f"/jobs/{job_id}", headers=admin).json()
    assert orphan["state"] == "running", orphan
    return orphan


def recover(settings: Settings, stores: Stores) -> list[int]:
    """Once the dead worker's last heartbeat is old enough, what a live worker's watch does."""
    time.sleep(STALLED_AFTER_S + 0.5)
    return recover_stalled(settings, stores.engine, STALLED_AFTER_S)


def _requeued(job: dict[str, Any], attempts: int) -> None:
    assert (job["state"], job["attempts"]) == ("queued", attempts), job
    assert "stopped responding" in job["error"], job
    assert "queued again" in job["error"], job


def test_a_playbook_whose_worker_is_killed_mid_remark_is_generated_again_into_the_same_row(
    app_client, users, clean_db: Stores, settings: Settings, tmp_path: Path
):
    simulated_site(clean_db)
    with app_client(**VECTOR_SERVER) as client:
        owner, admin = login(client, "kunde1"), admin_headers(client, users)
        started = client.post(
            "/playbooks", json={"meter_id": "M-HP", "kind": "battery"}, headers=owner
        ).json()
        playbook_id, job_id = started["id"], started["job_id"]

        def remark_begun(job: dict[str, Any]) -> bool:
            return bool((job["result"] or {}).get("remark"))

        orphan = kill_worker_at(client, admin, job_id, "remark", remark_begun, settings, tmp_path)
        partial = orphan["result"]["remark"]
        assert REMARK.startswith(partial), partial
        assert partial != REMARK  # killed mid-stream
        # Every stage reached, the last (compose) under way.
        assert [s["stage"] for s in orphan["result"]["stages"]] == STAGES
        book = client.get(f"/playbooks/{playbook_id}", headers=owner).json()
        assert (book["status"], book["result"]) == ("running", None)
        with clean_db.sessions() as s:  # nothing of the playbook is written before its end
            record = s.get(PlaybookRecord, uuid.UUID(playbook_id))
            assert record is not None
            assert (record.status, record.result, record.finished_at) == ("running", None, None)

        assert settle_ended_rows(clean_db.engine) == {}  # its job may still end it

        assert recover(settings, clean_db) == [job_id]
        _requeued(client.get(f"/jobs/{job_id}", headers=admin).json(), attempts=1)
        assert client.get(f"/playbooks/{playbook_id}", headers=owner).json()["status"] == (
            "pending"
        )
        assert settle_ended_rows(clean_db.engine) == {}  # queued again: still its job's
        with clean_db.sessions() as s:
            record = s.get(PlaybookRecord, uuid.UUID(playbook_id))
            assert record is not None
            assert (record.status, record.error) == ("running", None)

        with scripted_worker(str(settings.database_url), tmp_path) as (_, tail):
            job = wait_for(client, admin, job_id, ended, timeout=120)
            assert job["state"] == "done", (job, tail())
        assert job["attempts"] == 2  # the killed attempt and the one that finished
        assert job["error"] is None  # the new attempt started over
        assert (job["done"], job["total"]) == (len(STAGES), len(STAGES))
        assert [s["stage"] for s in job["result"]["stages"]] == STAGES
        book = client.get(f"/playbooks/{playbook_id}", headers=owner).json()
        assert book["status"] == "ready"
        assert book["result"]["remark"] == REMARK  # whole, not the killed attempt's piece
        assert book["finished_at"] is not None
    with clean_db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(PlaybookRecord)) == 1


def test_an_eval_run_whose_worker_is_killed_mid_case_resumes_without_a_second_result(
    app_client, users, prompts: Stores, settings: Settings, tmp_path: Path, monkeypatch
):
    scripted(monkeypatch, fail=None)  # the API's side: the run's cases and prompts
    with app_client(**VECTOR_SERVER) as client:
        admin = admin_headers(client, users)
        started = client.post("/evals/runs", json={"suite": "routing"}, headers=admin).json()
        run_id, job_id = started["id"], started["job_id"]

        orphan = kill_worker_at(
            client, admin, job_id, "case:c3", lambda j: j["done"] >= 2, settings, tmp_path
        )
        assert (orphan["done"], orphan["total"]) == (2, 5)
        assert orphan["result"]["last_case"] == "c2"
        run = client.get(f"/evals/runs/{run_id}", headers=admin).json()
        assert (run["status"], run["finished_at"], run["metrics"]) == ("running", None, {})
        with prompts.sessions() as s:  # c3 was under way: only the cases before it are stored
            stored = {
                r.case_id: (r.id, r.created_at)
                for r in s.scalars(select(EvalResult).where(EvalResult.run_id == run_id))
            }
        assert sorted(stored) == ["c1", "c2"]

        assert recover(settings, prompts) == [job_id]
        _requeued(client.get(f"/jobs/{job_id}", headers=admin).json(), attempts=1)
        assert settle_ended_rows(prompts.engine) == {}  # queued again: the run stays open
        assert client.get(f"/evals/runs/{run_id}", headers=admin).json()["status"] == "running"

        with scripted_worker(str(settings.database_url), tmp_path) as (_, tail):
            job = wait_for(client, admin, job_id, ended, timeout=120)
            assert job["state"] == "done", (job, tail())
        assert (job["attempts"], job["error"]) == (2, None)
        assert (job["done"], job["total"]) == (5, 5)
        assert job["result"]["status"] == "done"
        run = client.get(f"/evals/runs/{run_id}", headers=admin).json()
        assert run["status"] == "done"
        assert run["metrics"]["errors"] == 0
        assert [r["case_id"] for r in run["results"]] == ["c1", "c2", "c3", "c4", "c5"]
    with prompts.sessions() as s:
        rows = s.scalars(select(EvalResult).where(EvalResult.run_id == run_id)).all()
    assert len(rows) == 5
    # The cases stored before the kill were skipped on resume, not run and stored again.
    assert {r.case_id: (r.id, r.created_at) for r in rows if r.case_id in stored} == stored


def test_a_learning_cycle_whose_workers_keep_dying_fails_with_the_reason_and_frees_its_slot(
    app_client, users, clean_db: Stores, settings: Settings, tmp_path: Path
):
    with app_client(**VECTOR_SERVER) as client:
        admin = admin_headers(client, users)
        started = client.post("/learning/cycles", json={"kind": "weights"}, headers=admin).json()
        cycle_id, job_id = started["id"], started["job_id"]

        def training(job: dict[str, Any]) -> bool:
            # A requeued job shows its last attempt's step with the reason until it starts
            # again: the new attempt clears both, then reports its own steps.
            step = (job["result"] or {}).get("step")
            return job["state"] == "running" and job["error"] is None and step == "weights"

        for attempt in range(LEARNING.max_attempts):
            orphan = kill_worker_at(client, admin, job_id, "weights", training, settings, tmp_path)
            assert orphan["attempts"] == attempt
            cycle = client.get(f"/learning/cycles/{cycle_id}", headers=admin).json()
            assert (cycle["status"], cycle["step"], cycle["finished_at"]) == (
                "running",
                "weights",
                None,
            )
            assert settle_ended_rows(clean_db.engine) == {}  # running on a dead worker
            assert recover(settings, clean_db) == [job_id]
            if attempt + 1 < LEARNING.max_attempts:
                _requeued(client.get(f"/jobs/{job_id}", headers=admin).json(), attempt + 1)
                assert settle_ended_rows(clean_db.engine) == {}  # queued again

        # Out of attempts: failed with the reason, and so is the cycle, not running for ever:
        # in the API at once (from its job), in its own table once a worker settles it.
        job = client.get(f"/jobs/{job_id}", headers=admin).json()
        assert job["state"] == "failed", job
        assert "stopped responding" in job["error"]
        assert "queued again" not in job["error"]
        reason = f"job {job_id} failed: {job['error']}"
        cycle = client.get(f"/learning/cycles/{cycle_id}", headers=admin).json()
        assert (cycle["status"], cycle["error"]) == ("failed", reason)
        assert cycle["finished_at"] is not None
        assert settle_ended_rows(clean_db.engine) == {"learning_cycles": [str(cycle_id)]}
        assert settle_ended_rows(clean_db.engine) == {}  # once
        with clean_db.sessions() as s:
            row = s.get(LearningCycle, cycle_id)
            assert row is not None
            assert (row.status, row.error, row.decision) == ("failed", reason, None)
            assert row.finished_at is not None
        settled = client.get(f"/learning/cycles/{cycle_id}", headers=admin).json()
        assert settled == cycle  # the same answer, now from the row
        # Its slot is free: the next cycle starts, and a healthy worker takes it to its end.
        second = client.post("/learning/cycles", json={"kind": "weights"}, headers=admin)
        assert second.status_code == 202, second.text
        with scripted_worker(str(settings.database_url), tmp_path) as (_, tail):
            next_job = wait_for(client, admin, second.json()["job_id"], ended, timeout=120)
            assert next_job["state"] == "done", (next_job, tail())
        assert next_job["result"]["status"] == "rejected"  # no feedback: nothing to learn
        # The failed job was not run again by the healthy worker.
        assert client.get(f"/jobs/{job_id}", headers=admin).json()["state"] == "failed"
    with clean_db.sessions() as s:
        killed = s.get(LearningCycle, cycle_id)
        assert killed is not None
        assert (killed.status, killed.error) == ("failed", reason)
        assert killed.decision is None
        assert s.scalar(select(func.count()).select_from(LearnedStateRecord)) == 0


@pytest.fixture(autouse=True)
def _no_stray_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(HOLD, raising=False)  # a worker holds only where a test says so
