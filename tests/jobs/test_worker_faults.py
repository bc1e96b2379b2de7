"""A worker that dies or stops in the middle of a backfill: the job is neither lost nor left
"running" forever, no meter is half written, and a rerun finishes it (a backfill is
idempotent, so it is queued again rather than failed). A playbook, eval run or learning cycle
whose job ended without ending it (cancelled while queued, or its task raised first) is ended
in its own table by the workers (:mod:`luna.jobs.settle`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from luna.config import Settings
from luna.jobs import eval as eval_jobs
from luna.jobs import learning as learning_jobs
from luna.jobs import playbook as playbook_jobs
from luna.jobs.settle import settle_ended_rows
from luna.jobs.status import JobState, get_job
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import EvalRun, LearningCycle, PlaybookRecord
from tests.api.conftest import login
from tests.graphs.conftest import simulated_site
from tests.jobs.conftest import (
    WORKER,
    admin_headers,
    ended,
    readings_in_db,
    recover_stalled,
    wait_for,
)
from tests.jobs.test_eval_jobs import scripted

# Kills, stops and deadlines of real processes: run alone, never beside another test worker.
pytestmark = pytest.mark.serial


def test_a_backfill_whose_worker_is_killed_is_requeued_and_finished_by_the_next_worker(
    app_client, users, clean_db, settings, tmp_path: Path
):
    env = {
        **os.environ,
        "LUNA_DATABASE_URL": str(settings.database_url),
        "LUNA_HOME": str(tmp_path),
        "LUNA_LOG_LEVEL": "WARNING",
    }
    with app_client() as client:  # no in-process worker: `luna worker` runs the job
        admin = admin_headers(client, users)
        job_id = client.post(
            "/admin/data/backfills", json={"meters": 30, "days": 3}, headers=admin
        ).json()["id"]
        worker = subprocess.Popen(
            [sys.executable, "-m", "luna.cli.main", "worker"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_for(client, admin, job_id, lambda j: j["done"] >= 2 or ended(j))
        finally:
            worker.send_signal(signal.SIGKILL)
            _, stderr = worker.communicate(timeout=30)
        assert worker.returncode == -signal.SIGKILL, stderr.decode()[-2000:]

        # Nobody knows yet: the job still reads as running on the dead worker.
        orphan = client.get(f"/jobs/{job_id}", headers=admin).json()
        assert orphan["state"] == "running", orphan
        done_at_kill = orphan["done"]
        assert 2 <= done_at_kill < 30
        rows, meters = readings_in_db(clean_db)
        # Each meter is one transaction: the one in progress was rolled back, or (killed
        # between its commit and the progress write) is whole.
        assert done_at_kill <= meters <= done_at_kill + 1

        time.sleep(1.5)  # the dead worker's last heartbeat is older than this now
        assert recover_stalled(settings, clean_db.engine, 1.0) == [job_id]
        requeued = client.get(f"/jobs/{job_id}", headers=admin).json()
        assert requeued["state"] == "queued"
        assert requeued["attempts"] == 1
        assert "stopped responding" in requeued["error"]
        assert "queued again" in requeued["error"]
        assert recover_stalled(settings, clean_db.engine, 1.0) == []  # handled once

    with app_client(**WORKER) as client:  # the next worker takes it up
        admin = admin_headers(client, users)
        job = wait_for(client, admin, job_id, ended)
    assert job["state"] == "done", job
    assert job["error"] is None  # the new attempt started over
    assert (job["done"], job["total"]) == (30, 30)
    rows, meters = readings_in_db(clean_db)
    assert meters == 30
    assert job["result"]["readings"] == rows
    # The meters written before the kill were written again unchanged, not twice.
    assert 0 < job["result"]["readings_written"] < rows


def test_a_backfill_running_when_its_worker_stops_goes_back_to_the_queue(
    app_client, users, clean_db
):
    with app_client(**WORKER, jobs_shutdown_grace_s=0) as client:
        admin = admin_headers(client, users)
        job_id = client.post(
            "/admin/data/backfills", json={"meters": 30, "days": 3}, headers=admin
        ).json()["id"]
        wait_for(client, admin, job_id, lambda j: j["done"] >= 1 or ended(j))
    # The app has shut down (as at an API restart): its worker asked the job to stop.
    with clean_db.sessions() as session:
        job = get_job(session, job_id, ["backfill"])
    assert job is not None
    assert job.state is JobState.QUEUED
    assert job.attempts == 1
    assert job.error == "the worker stopped while it ran; queued again"
    _, meters = readings_in_db(clean_db)
    assert 1 <= meters < 30


# --- Rows whose job ended without ending them (luna.jobs.settle) ---------------------------

BROKE = "the task broke before it ended its row"
OWN = "the task's own reason"


@dataclass(frozen=True)
class Owned:
    """A kind whose job's task ends a row of ours: how a test starts one through the API,
    where the task's work is (replaced here), and the row's table."""

    kind: str
    path: str  # the API's collection; the row is at path/{id}
    body: dict[str, Any]
    module: Any
    work: str  # the function the job's task calls to do (and end) the row
    model: type[PlaybookRecord | EvalRun | LearningCycle]
    table: str
    fresh: str  # what the row reads while its job has not run


OWNED = [
    Owned(
        "playbook",
        "/playbooks",
        {"meter_id": "M-HP", "kind": "battery"},
        playbook_jobs,
        "generate_into",
        PlaybookRecord,
        "playbooks",
        "pending",
    ),
    Owned(
        "eval",
        "/evals/runs",
        {"suite": "routing"},
        eval_jobs,
        "execute",
        EvalRun,
        "eval_runs",
        "running",
    ),
    Owned(
        "learning",
        "/learning/cycles",
        {"kind": "weights"},
        learning_jobs,
        "run_cycle",
        LearningCycle,
        "learning_cycles",
        "running",
    ),
]


def _row(stores: Stores, owned: Owned, row_id: Any) -> Any:
    with stores.sessions() as s:
        row = s.get(owned.model, uuid.UUID(row_id) if owned.kind == "playbook" else row_id)
        assert row is not None
        return row


def _job_end(stores: Stores, job_id: int, kind: str) -> datetime | None:
    with stores.sessions() as s:
        job = get_job(s, job_id, [kind])
    assert job is not None
    return job.finished_at


def _wait_row(stores: Stores, owned: Owned, row_id: Any, status: str, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while (row := _row(stores, owned, row_id)).status != status:
        assert time.monotonic() < deadline, (row.status, row.error)
        time.sleep(0.2)
    return row


@pytest.mark.parametrize("owned", OWNED, ids=[o.kind for o in OWNED])
def test_a_row_whose_job_ended_without_ending_it_is_ended_in_its_table(
    owned: Owned, app_client, users, prompts: Stores, settings: Settings, monkeypatch
):
    """Cancelled while queued, or failed because its task raised before it ended the row: the
    row reads the job's end in its own table, with a reason naming the job; a row whose job has
    not run stays open, and a row the task ended itself keeps its own end."""
    if owned.kind == "playbook":
        simulated_site(prompts)
    scripted(monkeypatch)  # an eval run's cases and prompts, on the API's side
    engine = prompts.engine

    def start(client: TestClient, who: dict[str, str]) -> tuple[Any, int]:
        started = client.post(owned.path, json=owned.body, headers=who)
        assert started.status_code == 202, started.text
        return started.json()["id"], started.json()["job_id"]

    with app_client() as client:  # no worker: the jobs wait in the queue
        admin = admin_headers(client, users)
        who = login(client, "kunde1") if owned.kind == "playbook" else admin

        # Cancelled through /jobs while it waits: no task ever runs to end the row.
        cancelled, cancelled_job = start(client, who)
        assert client.post(f"/jobs/{cancelled_job}/cancel", headers=admin).status_code == 200
        assert _row(prompts, owned, cancelled).status == owned.fresh
        assert settle_ended_rows(engine) == {owned.table: [str(cancelled)]}
        row = _row(prompts, owned, cancelled)
        assert (row.status, row.error) == ("cancelled", None)  # a cancel is its own reason
        assert row.finished_at == _job_end(prompts, cancelled_job, owned.kind) is not None
        if owned.kind == "learning":
            assert row.decision == "cancelled"  # as a cancel of the cycle writes it
        shown = client.get(f"{owned.path}/{cancelled}", headers=who).json()
        assert (shown["status"], shown["error"]) == ("cancelled", row.error)

        # Queued, not run: its row stays as it is.
        failing, failing_job = start(client, who)
        assert settle_ended_rows(engine) == {}
        assert _row(prompts, owned, failing).status == owned.fresh

    calls: list[Any] = []

    def work(runtime: Runtime, row_id: Any, **_: Any) -> Any:
        calls.append(row_id)
        if len(calls) > 1:  # the second ends its row itself before it fails
            with session_scope(runtime.stores.sessions) as s:
                row = s.get(owned.model, row_id)
                assert row is not None
                row.status, row.error, row.finished_at = "failed", OWN, datetime.now(UTC)
        raise RuntimeError(BROKE)

    monkeypatch.setattr(owned.module, owned.work, work)
    with app_client(**WORKER) as client:  # its stalled-job watch settles rows every 10 s
        admin = admin_headers(client, users)
        who = login(client, "kunde1") if owned.kind == "playbook" else admin
        assert wait_for(client, admin, failing_job, ended)["state"] == "failed"
        row = _wait_row(prompts, owned, failing, "failed", timeout=30)  # the worker's sweep
        assert row.error == f"job {failing_job} failed: RuntimeError: {BROKE}"
        assert row.finished_at == _job_end(prompts, failing_job, owned.kind)
        shown = client.get(f"{owned.path}/{failing}", headers=who).json()
        assert (shown["status"], shown["error"]) == ("failed", row.error)
        assert settle_ended_rows(engine) == {}  # once
        assert _row(prompts, owned, failing).finished_at == row.finished_at

        # Ended by its task, which then failed: the row keeps the task's own end.
        own, own_job = start(client, who)
        assert wait_for(client, admin, own_job, ended)["state"] == "failed"
        settle_ended_rows(engine)
        assert (_row(prompts, owned, own).status, _row(prompts, owned, own).error) == (
            "failed",
            OWN,
        )
    assert len(calls) == 2
