"""Playbooks as jobs on the queue: one asked for through the API runs on the in-process worker
to done, and the job (``/jobs/{id}``) and the playbook (``/playbooks/{id}``) agree on its
progress and result; a queued one cancelled never runs; a rerun never writes a second
playbook; with the embedded vector store the kind waits where only ``luna serve`` takes it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from luna.cli.main import app as cli
from luna.config import Settings, VectorBackend
from luna.graphs.playbook.schema import PlaybookKind, PlaybookRequest
from luna.jobs.backfill import BACKFILL
from luna.jobs.forecast import FORECAST_REFRESH
from luna.jobs.kinds import SERVE_QUEUE, queue_of
from luna.jobs.playbook import PLAYBOOK, create_playbook, generate_into
from luna.jobs.queue import worker_queues
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.store.sql.models import PlaybookRecord
from tests.api.conftest import login
from tests.api.test_playbooks import REMARK, _events, scripted
from tests.graphs.conftest import simulated_site
from tests.jobs.conftest import WORKER, admin_headers, ended, wait_for

STAGES = ["data", "forecast", "optimise", "retrieve", "compose"]


@pytest.fixture
def site(clean_db: Stores, monkeypatch: pytest.MonkeyPatch) -> Stores:
    simulated_site(clean_db)
    scripted(monkeypatch)
    return clean_db


def test_a_playbook_queued_through_the_api_runs_on_the_in_process_worker_to_done(
    app_client, users, site
):
    with app_client(**WORKER) as client:
        owner, admin = login(client, "kunde1"), admin_headers(client, users)
        started = client.post(
            "/playbooks", json={"meter_id": "M-HP", "kind": "battery"}, headers=owner
        )
        assert started.status_code == 202, started.text
        playbook_id, job_id = started.json()["id"], started.json()["job_id"]
        assert isinstance(job_id, int)

        job = wait_for(client, admin, job_id, ended)
        assert job["state"] == "done", job
        assert job["kind"] == "playbook"
        assert job["arguments"] == {"playbook_id": playbook_id}
        assert (job["done"], job["total"]) == (5, 5)
        assert job["result"]["playbook_id"] == playbook_id
        assert [s["stage"] for s in job["result"]["stages"]] == STAGES
        assert job["result"]["remark"] == REMARK
        assert job["error"] is None
        assert job["attempts"] == 1

        book = client.get(f"/playbooks/{playbook_id}", headers=owner).json()
        assert book["status"] == "ready"
        assert book["job_id"] == job_id
        assert book["result"]["id"] == playbook_id
        assert book["result"]["remark"] == REMARK
        assert book["finished_at"] is not None
        listed = client.get("/jobs", params={"kind": "playbook"}, headers=admin).json()
        assert [j["id"] for j in listed] == [job_id]
        ready = client.get("/playbooks", params={"status": "ready"}, headers=owner).json()
        assert [p["id"] for p in ready] == [playbook_id]


def test_a_queued_playbook_cancelled_never_runs(app_client, users, site):
    with app_client() as client:  # no worker: the jobs wait in the queue
        owner, admin = login(client, "kunde1"), admin_headers(client, users)
        battery = {"meter_id": "M-HP", "kind": "battery"}
        first = client.post("/playbooks", json=battery, headers=owner)
        second = client.post(
            "/playbooks", json={"meter_id": "M-HP", "kind": "tariff_check"}, headers=owner
        )
        first_id, second_id = first.json()["id"], second.json()["id"]
        assert first.json()["status"] == "pending"
        job = client.get(f"/jobs/{first.json()['job_id']}", headers=admin).json()
        assert (job["state"], job["done"]) == ("queued", 0)
        pending = client.get("/playbooks", params={"status": "pending"}, headers=owner).json()
        assert {p["id"] for p in pending} == {first_id, second_id}

        # The owner cancels through the playbook, an admin through the job: both end cancelled.
        cancelled = client.post(f"/playbooks/{first_id}/cancel", headers=owner)
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "cancelled"
        assert cancelled.json()["finished_at"] is not None
        by_job = client.post(f"/jobs/{second.json()['job_id']}/cancel", headers=admin)
        assert by_job.json()["state"] == "cancelled"
        assert client.get(f"/playbooks/{second_id}", headers=owner).json()["status"] == "cancelled"
        again = client.post(f"/playbooks/{first_id}/cancel", headers=owner)
        assert again.status_code == 409
        stranger = login(client, "kunde2")
        assert client.post(f"/playbooks/{first_id}/cancel", headers=stranger).status_code == 404
        events = _events(client, owner, second_id)
        assert events == [("done", {"status": "cancelled", "error": None, "remark_dropped": None})]
    with app_client(**WORKER) as client:  # a worker now finds nothing to do
        owner = login(client, "kunde1")
        listed = client.get("/playbooks", headers=owner).json()
        assert {p["status"] for p in listed} == {"cancelled"}
        assert client.get(f"/playbooks/{first_id}", headers=owner).json()["result"] is None


def test_a_rerun_after_the_playbook_was_stored_writes_no_second_one(settings, site):
    runtime = Runtime(settings, site)
    try:
        request = PlaybookRequest(meter_id="M-HP", kind=PlaybookKind.TARIFF_CHECK)
        playbook_id = create_playbook(runtime, request, None)
        first = generate_into(runtime, playbook_id)
        with site.sessions() as s:
            stored = s.get(PlaybookRecord, playbook_id)
            assert stored is not None
            assert stored.status == "ready"
            result, finished = stored.result, stored.finished_at
        assert generate_into(runtime, playbook_id) == first  # as a requeued job would
        with site.sessions() as s:
            assert s.scalar(select(func.count()).select_from(PlaybookRecord)) == 1
            again = s.get(PlaybookRecord, playbook_id)
            assert again is not None
            assert (again.result, again.finished_at) == (result, finished)
    finally:
        runtime.close()
    assert PLAYBOOK.repeatable


def test_with_embedded_vectors_playbooks_wait_for_luna_serve_and_luna_worker_skips_them():
    edge = Settings(vector_backend=VectorBackend.EDGE, _env_file=None)  # type: ignore[call-arg]
    server = Settings(  # type: ignore[call-arg]
        vector_backend=VectorBackend.QDRANT, qdrant_url="http://qdrant:6333", _env_file=None
    )
    assert queue_of(PLAYBOOK, edge) == SERVE_QUEUE
    assert queue_of(PLAYBOOK, server) == PLAYBOOK.queue != SERVE_QUEUE
    assert queue_of(BACKFILL, edge) == BACKFILL.queue
    # luna worker takes the kinds that need no vectors: backfills and forecast refreshes
    assert worker_queues(edge) == sorted([BACKFILL.queue, FORECAST_REFRESH.queue])
    assert worker_queues(server) is None  # every queue


def test_luna_worker_refuses_the_serve_queue_with_embedded_vectors(monkeypatch):
    from luna.config import get_settings

    monkeypatch.setenv("LUNA_VECTOR_BACKEND", "edge")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["worker", "--queue", SERVE_QUEUE, "--until-empty"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "only luna serve may open" in result.output
