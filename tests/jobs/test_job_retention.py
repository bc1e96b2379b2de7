"""Retention of finished jobs: the running worker deletes those that ended more than
``LUNA_JOBS_RETAIN_DAYS`` ago, with their events and progress, and nothing else: not a job
still queued however old, not a recent one, not one whose eval run or learning cycle still
reads ``running`` (its outcome is only in the job); a run that has ended keeps its row and
loses only its ``job_id``. ``luna jobs prune`` does the same on demand."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from luna.cli.main import app
from luna.config import Settings, get_settings
from luna.jobs.control import enqueue
from luna.jobs.forecast import FORECAST_REFRESH
from luna.jobs.queue import build_job_app
from luna.jobs.retention import prune_finished_jobs
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import EvalRun, LearningCycle
from tests.jobs.conftest import WORKER, admin_headers, ended, wait_for

runner = CliRunner()


def _said(result: Any) -> str:
    """What a command printed, on one line (rich wraps it at the terminal's width)."""
    return " ".join(result.output.split())


def _refresh(settings: Settings, meter: str, *, later: bool = False) -> int:
    """A forecast refresh of a meter without history: it fails at once when it runs."""
    jobs = build_job_app(settings)
    with jobs.open():
        return enqueue(
            jobs,
            FORECAST_REFRESH,
            {"kind": "consumption", "meter_id": meter, "zone": None},
            schedule_in_s=3600 if later else 0,
        )


def _age(stores: Stores, job_ids: list[int], days: int) -> None:
    """Move every event of these jobs ``days`` into the past (as if they ended back then)."""
    with stores.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE procrastinate_events SET at = at - make_interval(days => :d)"
                " WHERE job_id = ANY(:ids)"
            ),
            {"d": days, "ids": job_ids},
        )


def _jobs(stores: Stores) -> dict[int, str]:
    with stores.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, status::text FROM procrastinate_jobs"))
        return {row.id: row.status for row in rows}


def _orphans(stores: Stores) -> tuple[int, int]:
    """Events and progress rows of jobs that are gone (the cascades must leave none)."""
    with stores.engine.connect() as conn:
        events = conn.execute(
            text(
                "SELECT count(*) FROM procrastinate_events e WHERE NOT EXISTS"
                " (SELECT 1 FROM procrastinate_jobs j WHERE j.id = e.job_id)"
            )
        ).scalar_one()
        progress = conn.execute(
            text(
                "SELECT count(*) FROM job_progress p WHERE NOT EXISTS"
                " (SELECT 1 FROM procrastinate_jobs j WHERE j.id = p.job_id)"
            )
        ).scalar_one()
    return events, progress


@pytest.fixture
def finished_jobs(app_client, users, clean_db: Stores, settings: Settings) -> dict[str, Any]:
    """Jobs in every end state, run and cancelled by a real worker and the API, with rows of
    ours pointing at some of them; the old ones moved 40 days back."""
    ids: dict[str, Any] = {}
    with app_client(**WORKER) as client:
        admin = admin_headers(client, users)
        ids["done"] = client.post(
            "/admin/data/backfills", json={"meters": 1, "days": 1}, headers=admin
        ).json()["id"]
        ids["failed"] = _refresh(settings, "NO-SUCH-1")
        ids["failed_read"] = _refresh(settings, "NO-SUCH-2")
        ids["recent"] = _refresh(settings, "NO-SUCH-3")
        for key in ("done", "failed", "failed_read", "recent"):
            ids[f"{key}_job"] = wait_for(client, admin, ids[key], ended)
        ids["cancelled_read"] = _refresh(settings, "NO-SUCH-4", later=True)
        cancel = client.post(f"/jobs/{ids['cancelled_read']}/cancel", headers=admin)
        assert cancel.json()["state"] == "cancelled", cancel.text
        ids["queued"] = _refresh(settings, "NO-SUCH-5", later=True)
    assert ids["done_job"]["state"] == "done", ids["done_job"]
    assert ids["failed_job"]["state"] == "failed", ids["failed_job"]

    with session_scope(clean_db.sessions) as s:
        ended_run = EvalRun(suite="qa", status="done", job_id=ids["done"])
        running_run = EvalRun(suite="qa", status="running", job_id=ids["failed_read"])
        cycle = LearningCycle(kind="full", status="running", job_id=ids["cancelled_read"])
        s.add_all([ended_run, running_run, cycle])
        s.flush()
        ids["ended_run"], ids["running_run"], ids["cycle"] = ended_run.id, running_run.id, cycle.id
    old = ["done", "failed", "failed_read", "cancelled_read", "queued"]
    _age(clean_db, [ids[k] for k in old], 40)
    return ids


def test_the_worker_prunes_finished_jobs_past_retention_and_nothing_still_needed(
    app_client, finished_jobs: dict[str, Any], clean_db: Stores
):
    ids = finished_jobs
    before = _jobs(clean_db)
    assert len(before) == 6
    with app_client(**WORKER, jobs_retain_days=30):  # a worker prunes as it starts
        deadline = time.monotonic() + 60
        while ids["failed"] in _jobs(clean_db) and time.monotonic() < deadline:
            time.sleep(0.2)
    after = _jobs(clean_db)
    assert set(after) == {
        ids["failed_read"],  # its eval run still reads "running"
        ids["cancelled_read"],  # its learning cycle still reads "running"
        ids["recent"],  # ended 40 days later than the others, i.e. now
        ids["queued"],  # not ended, however old
    }, (ids, after)
    assert after[ids["queued"]] == "todo"
    assert _orphans(clean_db) == (0, 0)
    with clean_db.sessions() as s:
        runs = {r.id: r for r in s.scalars(select(EvalRun))}
        cycle = s.get(LearningCycle, ids["cycle"])
    assert runs[ids["ended_run"]].job_id is None  # the run stays, with its own outcome
    assert runs[ids["ended_run"]].status == "done"
    assert runs[ids["running_run"]].job_id == ids["failed_read"]
    assert cycle is not None
    assert cycle.job_id == ids["cancelled_read"]


def test_a_worker_with_retention_0_keeps_every_job(
    app_client, finished_jobs: dict[str, Any], clean_db: Stores
):
    with app_client(**WORKER, jobs_retain_days=0):
        time.sleep(2)
    assert len(_jobs(clean_db)) == 6


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Iterator[None]:
    monkeypatch.setenv("LUNA_DATABASE_URL", str(settings.database_url))
    monkeypatch.setenv("LUNA_HOME", str(settings.home))
    monkeypatch.setenv("LUNA_JOBS_RETAIN_DAYS", "45")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_jobs_prune_uses_the_setting_or_older_than(
    env: None, finished_jobs: dict[str, Any], clean_db: Stores
):
    ids = finished_jobs
    default = runner.invoke(app, ["jobs", "prune"])  # 45 days: the 40-day-old ones stay
    assert default.exit_code == 0, default.output
    assert "pruned 0 jobs" in _said(default)
    assert "(45 days)" in _said(default)
    assert len(_jobs(clean_db)) == 6

    month = runner.invoke(app, ["jobs", "prune", "--older-than", "30"])
    assert month.exit_code == 0, month.output
    assert "pruned 2 jobs" in _said(month)
    assert "backfill 1, forecast_refresh 1" in _said(month)
    assert "kept 2" in _said(month)

    everything = runner.invoke(app, ["jobs", "prune", "--older-than", "0"])
    assert everything.exit_code == 0, everything.output
    assert "pruned 1 jobs" in _said(everything)  # the recent one
    assert set(_jobs(clean_db)) == {ids["failed_read"], ids["cancelled_read"], ids["queued"]}
    assert _orphans(clean_db) == (0, 0)
    assert runner.invoke(app, ["jobs", "prune", "--older-than", "-1"]).exit_code == 2

    # The runs have ended now: their jobs may go.
    with session_scope(clean_db.sessions) as s:
        for run in s.scalars(select(EvalRun)):
            run.status = "failed"
        for cycle in s.scalars(select(LearningCycle)):
            cycle.status = "cancelled"
    result = prune_finished_jobs(clean_db.engine, 0)
    assert result is not None
    assert (result.total, result.kept) == (2, 0)
    assert set(_jobs(clean_db)) == {ids["queued"]}
