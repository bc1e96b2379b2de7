"""A worker that dies or stops in the middle of a backfill: the job is neither lost nor left
"running" forever, no meter is half written, and a rerun finishes it (a backfill is
idempotent, so it is queued again rather than failed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from luna.jobs.status import JobState, get_job
from tests.jobs.conftest import (
    WORKER,
    admin_headers,
    ended,
    readings_in_db,
    recover_stalled,
    wait_for,
)

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
