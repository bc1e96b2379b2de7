"""``luna worker health`` against real workers: healthy with nothing to do or with a live
worker, unhealthy while jobs wait and no worker is alive or a job's worker died (``kill -9``),
healthy again once a worker recovered and ran the job. A job scheduled for later needs nobody."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from luna.cli.main import app
from luna.config import Settings, get_settings
from luna.jobs.control import enqueue
from luna.jobs.forecast import FORECAST_REFRESH
from luna.jobs.queue import build_job_app
from luna.store.factory import Stores
from tests.jobs.conftest import WORKER, admin_headers, ended, recover_stalled, wait_for
from tests.processes import spawn, stop

# Kills, stops and deadlines of real processes: run alone, never beside another test worker.
pytestmark = pytest.mark.serial

runner = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, settings: Settings, clean_db: Stores) -> Iterator[Stores]:
    monkeypatch.setenv("LUNA_DATABASE_URL", str(settings.database_url))
    monkeypatch.setenv("LUNA_HOME", str(settings.home))
    monkeypatch.setenv("LUNA_JOBS_STALLED_AFTER_S", "60")
    get_settings.cache_clear()
    yield clean_db
    get_settings.cache_clear()


def _health() -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["worker", "health", "--json"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def _healthy_within(seconds: float) -> tuple[int, dict[str, Any]]:
    """The health report once it is healthy, or the last one after ``seconds``: a worker just
    started has taken up the job before its first heartbeat row is visible to others."""
    deadline = time.monotonic() + seconds
    code, report = _health()
    while code != 0 and time.monotonic() < deadline:
        time.sleep(0.5)
        code, report = _health()
    return code, report


def _load(report: dict[str, Any], queue: str) -> dict[str, Any]:
    (load,) = [q for q in report["queues"] if q["queue"] == queue]
    return load


def test_health_follows_workers_and_jobs_through_a_dead_worker(
    env: Stores, app_client, users, settings: Settings, tmp_path: Path
):
    code, report = _health()
    assert code == 0, report
    assert (report["live_workers"], report["queued"], report["queues"]) == (0, 0, [])

    # A refresh held back for an hour waits for its time, not for a worker.
    jobs = build_job_app(settings)
    with jobs.open():
        enqueue(
            jobs,
            FORECAST_REFRESH,
            {"kind": "price", "meter_id": None, "zone": "DE-LU"},
            schedule_in_s=3600,
        )
    code, report = _health()
    assert code == 0, report
    assert (report["scheduled"], report["queued"]) == (1, 0)

    with app_client() as client:  # no in-process worker
        admin = admin_headers(client, users)
        job_id = client.post(
            "/admin/data/backfills", json={"meters": 30, "days": 3}, headers=admin
        ).json()["id"]

        code, report = _health()
        assert code == 1, report
        assert report["problems"] == ["1 queued jobs and no live worker"]
        backfills = _load(report, "backfill")
        assert (backfills["kind"], backfills["queued"], backfills["running"]) == ("backfill", 1, 0)
        assert backfills["oldest_queued_s"] >= 0
        text_output = runner.invoke(app, ["worker", "health"])
        assert text_output.exit_code == 1
        assert "unhealthy" in text_output.output
        assert "backfill/backfill: 1 queued" in text_output.output

        worker = spawn(["worker"], str(settings.database_url), tmp_path)
        try:
            wait_for(client, admin, job_id, lambda j: j["done"] >= 2 or ended(j))
            code, report = _healthy_within(20)
            assert code == 0, report
            assert report["live_workers"] == 1
            assert (report["running"], report["stalled"], report["queued"]) == (1, 0, 0)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
            stop(worker)

        # Killed: its last beat is recent, so nobody can tell yet; a minute on, everybody can.
        code, report = _health()
        assert (code, report["live_workers"], report["stalled"]) == (0, 1, 0), report
        with env.engine.begin() as conn:
            conn.execute(
                text("UPDATE procrastinate_workers SET last_heartbeat = now() - interval '2 min'")
            )
        code, report = _health()
        assert code == 1, report
        assert (report["live_workers"], report["silent_workers"]) == (0, 1)
        assert report["stalled"] == 1
        assert _load(report, "backfill")["stalled"] == 1
        assert any("1 stalled jobs" in p and "backfill/backfill 1" in p for p in report["problems"])

        # Recovered (as a live worker would) it is queued again: still no worker to run it.
        assert recover_stalled(settings, env.engine, settings.jobs_stalled_after_s) == [job_id]
        code, report = _health()
        assert code == 1, report
        assert (report["stalled"], report["queued"]) == (0, 1)

    with app_client(**WORKER) as client:  # luna serve's in-process worker takes it up
        admin = admin_headers(client, users)
        code, report = _health()
        assert code == 0, report
        assert report["live_workers"] >= 1
        job = wait_for(client, admin, job_id, ended)
        assert job["state"] == "done", job
        code, report = _health()
        assert code == 0, report
        assert (report["queued"], report["running"], report["stalled"]) == (0, 0, 0)
        assert report["scheduled"] == 1


def test_health_exits_2_when_the_database_cannot_be_read(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LUNA_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["worker", "health", "--json"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "cannot read the job queue" in result.output
