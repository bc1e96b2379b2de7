"""The one job status API end to end: a backfill queued through the API runs on a worker,
reports progress and its result, and can be cancelled; every answer is admin-only JSON."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import func, select

from luna.jobs.backfill import BACKFILL
from luna.jobs.control import enqueue
from luna.store.sql.models import MarketPrice
from tests.api.conftest import login
from tests.jobs.conftest import WORKER, admin_headers, ended, readings_in_db, wait_for


def test_a_backfill_queued_through_the_api_runs_on_a_worker_and_reports_its_result(
    app_client, users, clean_db
):
    with app_client(**WORKER) as client:
        admin = admin_headers(client, users)
        started = client.post("/admin/data/backfills", json={"meters": 3, "days": 1}, headers=admin)
        assert started.status_code == 202, started.text
        job_id = started.json()["id"]

        job = wait_for(client, admin, job_id, ended)
        assert job["state"] == "done", job
        assert job["kind"] == "backfill"
        assert (job["done"], job["total"]) == (3, 3)
        assert job["error"] is None
        assert job["cancel_requested"] is False
        assert job["attempts"] == 1
        rows, meters = readings_in_db(clean_db)
        with clean_db.sessions() as s:
            prices = s.scalar(select(func.count()).select_from(MarketPrice))
        assert meters == 3
        assert job["result"]["readings"] == job["result"]["readings_written"] == rows > 0
        assert job["result"]["prices_written"] == prices > 0
        # The window was fixed when it was queued: a rerun of the job writes the same days.
        start, end = (pd.Timestamp(job["arguments"][k]) for k in ("start", "end"))
        assert end - start >= pd.Timedelta(hours=23)
        times = [datetime.fromisoformat(job[k]) for k in ("queued_at", "started_at", "finished_at")]
        assert times == sorted(times)

        # The dashboard's view of the same job agrees.
        backfill = client.get(f"/admin/data/backfills/{job_id}", headers=admin).json()
        assert backfill["state"] == "done"
        assert backfill["meters_done"] == 3
        assert backfill["readings"] == rows
        assert backfill["duration_s"] is not None

        listed = client.get("/jobs", params={"kind": "backfill"}, headers=admin).json()
        assert [j["id"] for j in listed] == [job_id]
        assert client.get("/jobs", params={"state": "done"}, headers=admin).json() == listed
        assert client.get("/jobs", params={"state": "failed"}, headers=admin).json() == []


def test_cancel_stops_a_running_backfill_after_the_meter_in_progress(app_client, users, clean_db):
    with app_client(**WORKER) as client:
        admin = admin_headers(client, users)
        job_id = client.post(
            "/admin/data/backfills", json={"meters": 40, "days": 2}, headers=admin
        ).json()["id"]
        wait_for(client, admin, job_id, lambda j: j["done"] >= 1)

        cancel = client.post(f"/jobs/{job_id}/cancel", headers=admin)
        assert cancel.status_code == 200, cancel.text
        assert cancel.json()["state"] in ("running", "cancelled")
        job = wait_for(client, admin, job_id, ended)
        assert job["state"] == "cancelled", job
        assert 1 <= job["done"] < 40
        rows, meters = readings_in_db(clean_db)
        assert meters == job["done"]  # whole meters, nothing of the next one
        assert job["result"]["readings"] == rows

        again = client.post(f"/jobs/{job_id}/cancel", headers=admin)
        assert again.status_code == 409
        assert again.json()["error"] == "conflict"
        assert "already ended (cancelled)" in again.json()["detail"]


def test_a_queued_job_cancelled_before_a_worker_takes_it_never_runs(app_client, users, clean_db):
    with app_client() as client:  # no worker: the job waits in the queue
        admin = admin_headers(client, users)
        job_id = client.post(
            "/admin/data/backfills", json={"meters": 1, "days": 1}, headers=admin
        ).json()["id"]
        queued = client.get(f"/jobs/{job_id}", headers=admin).json()
        assert queued["state"] == "queued"
        assert queued["started_at"] is None
        assert queued["done"] == 0
        assert client.get("/jobs", params={"state": "queued"}, headers=admin).json() == [queued]

        cancelled = client.post(f"/jobs/{job_id}/cancel", headers=admin)
        assert cancelled.status_code == 200
        assert cancelled.json()["state"] == "cancelled"
        assert cancelled.json()["finished_at"] is not None
    with app_client(**WORKER) as client:  # a worker now finds nothing to do
        admin = admin_headers(client, users)
        again = client.post("/admin/data/backfills", json={"meters": 1, "days": 1}, headers=admin)
        assert again.status_code == 202  # the cancelled one no longer blocks
        wait_for(client, admin, again.json()["id"], ended)
        assert client.get(f"/jobs/{job_id}", headers=admin).json()["state"] == "cancelled"


def test_a_failing_job_ends_failed_with_its_reason_and_is_not_retried(app_client, users, clean_db):
    with app_client(**WORKER) as client:
        admin = admin_headers(client, users)
        arguments = {"meters": 1, "days": 1, "seed": 1, "zone": "AT"}  # no prices for AT
        window = {"start": "2026-11-01T00:00:00+00:00", "end": "2026-11-02T00:00:00+00:00"}
        job_id = enqueue(client.app.state.runtime.jobs, BACKFILL, {**arguments, **window})
        job = wait_for(client, admin, job_id, ended)
        assert job["state"] == "failed"
        assert job["error"].startswith("ValueError:")
        assert "AT" in job["error"]
        assert job["attempts"] == 1


def test_unknown_jobs_are_404_ended_ones_409_and_bad_filters_422(app_client, users):
    with app_client() as client:
        admin = admin_headers(client, users)
        for method, path in (("GET", "/jobs/999999"), ("POST", "/jobs/999999/cancel")):
            response = client.request(method, path, headers=admin)
            assert response.status_code == 404, path
            assert response.json() == {"error": "not_found", "detail": "unknown job 999999"}
        assert client.get("/jobs", params={"kind": "nope"}, headers=admin).status_code == 422
        assert client.get("/jobs", params={"state": "nope"}, headers=admin).status_code == 422
        assert client.get("/jobs", params={"limit": 0}, headers=admin).status_code == 422


def test_the_job_api_is_for_admins_only(app_client, users):
    with app_client() as client:
        customer = login(client, users["customer"])
        for method, path in (("GET", "/jobs"), ("GET", "/jobs/1"), ("POST", "/jobs/1/cancel")):
            assert client.request(method, path).status_code == 401, path
            assert client.request(method, path, headers=customer).status_code == 403, path
