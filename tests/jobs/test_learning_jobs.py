"""Learning cycles as jobs on the queue: one started through the API runs on the in-process
worker to its decision, and the job (``/jobs/{id}``) and the cycle (``/learning/cycles/{id}``)
agree on its progress and result; a queued one cancelled never runs and frees the one running
slot, through either cancel; a cycle interrupted by its worker starts over in the same row;
with the embedded vector store the kind waits where only ``luna serve`` takes it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from luna.config import Settings, VectorBackend
from luna.jobs.kinds import SERVE_QUEUE, queue_of
from luna.jobs.learning import LEARNING
from luna.learning import cycles
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.store.sql.models import LearningCycle
from tests.jobs.conftest import WORKER, admin_headers, ended, wait_for


def test_a_cycle_queued_through_the_api_runs_on_the_in_process_worker_to_its_decision(
    app_client, users
):
    with app_client(**WORKER) as client:
        admin = admin_headers(client, users)
        started = client.post("/learning/cycles", json={"kind": "weights"}, headers=admin)
        assert started.status_code == 202, started.text
        cycle_id, job_id = started.json()["id"], started.json()["job_id"]
        assert isinstance(job_id, int)
        assert started.json()["status"] == "running"

        job = wait_for(client, admin, job_id, ended)
        assert job["state"] == "done", job
        assert job["kind"] == "learning"
        assert job["arguments"] == {"cycle_id": cycle_id}
        assert job["error"] is None
        # No feedback yet: it is rejected with the reason after reading it.
        assert job["result"]["cycle_id"] == cycle_id
        assert job["result"]["status"] == "rejected"
        assert "nothing to learn" in job["result"]["decision"]
        assert job["total"] == 100
        assert 0 < job["done"] <= 100

        cycle = client.get(f"/learning/cycles/{cycle_id}", headers=admin).json()
        assert cycle["status"] == "rejected"
        assert cycle["job_id"] == job_id
        assert cycle["decision"] == job["result"]["decision"]
        assert cycle["finished_at"] is not None
        listed = client.get("/jobs", params={"kind": "learning"}, headers=admin).json()
        assert [j["id"] for j in listed] == [job_id]


def test_a_queued_cycle_cancelled_never_runs_and_frees_the_slot(app_client, users):
    with app_client() as client:  # no worker: the job waits in the queue
        admin = admin_headers(client, users)
        started = client.post("/learning/cycles", headers=admin).json()
        cycle_id, job_id = started["id"], started["job_id"]
        assert client.get(f"/jobs/{job_id}", headers=admin).json()["state"] == "queued"
        assert (
            client.post("/learning/cycles", headers=admin).status_code == 409
        )  # it holds the slot

        cancelled = client.post(f"/learning/cycles/{cycle_id}/cancel", headers=admin)
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "cancelled"
        assert cancelled.json()["finished_at"] is not None
        assert client.get(f"/jobs/{job_id}", headers=admin).json()["state"] == "cancelled"
        assert client.post(f"/learning/cycles/{cycle_id}/cancel", headers=admin).status_code == 409

        # Cancelled through the job instead: the cycle shows it, and the slot is free again.
        other = client.post("/learning/cycles", headers=admin)
        assert other.status_code == 202, other.text
        by_job = client.post(f"/jobs/{other.json()['job_id']}/cancel", headers=admin)
        assert by_job.json()["state"] == "cancelled"
        shown = client.get(f"/learning/cycles/{other.json()['id']}", headers=admin).json()
        assert shown["status"] == "cancelled"
        third = client.post("/learning/cycles", headers=admin)
        assert third.status_code == 202, third.text
        client.post(f"/learning/cycles/{third.json()['id']}/cancel", headers=admin)
    with app_client(**WORKER) as client:  # a worker now finds nothing to do
        admin = admin_headers(client, users)
        statuses = [c["status"] for c in client.get("/learning/cycles", headers=admin).json()]
        assert statuses == ["cancelled", "cancelled", "cancelled"]
        listed = client.get("/jobs", params={"kind": "learning"}, headers=admin).json()
        assert {j["state"] for j in listed} == {"cancelled"}


def test_a_cycle_interrupted_by_its_worker_starts_over_in_the_same_row(
    settings: Settings, clean_db: Stores, tmp_path
):
    runtime = Runtime(settings.model_copy(update={"home": tmp_path}), clean_db)
    try:
        cycle_id = cycles.start_cycle(runtime, kind="weights", actor="tester")

        def worker_gone() -> bool:
            raise RuntimeError("worker gone")  # as the job's shutdown stop does

        with pytest.raises(RuntimeError, match="worker gone"):
            cycles.run_cycle(runtime, cycle_id, should_stop=worker_gone)
        with runtime.stores.sessions() as s:
            assert s.scalar(select(LearningCycle.status)) == "running"  # not failed
        assert cycles.run_cycle(runtime, cycle_id) == "rejected"  # the requeued attempt
        with runtime.stores.sessions() as s:
            assert s.scalars(select(LearningCycle.id)).all() == [cycle_id]
    finally:
        runtime.close()
    assert LEARNING.repeatable


def test_a_stop_request_ends_the_cycle_cancelled_before_its_next_step(
    settings: Settings, clean_db: Stores, tmp_path
):
    runtime = Runtime(settings.model_copy(update={"home": tmp_path}), clean_db)
    try:
        cycle_id = cycles.start_cycle(runtime, kind="weights", actor="tester")
        assert cycles.run_cycle(runtime, cycle_id, should_stop=lambda: True) == "cancelled"
        with runtime.stores.sessions() as s:
            cycle = s.get(LearningCycle, cycle_id)
            assert cycle is not None
            assert (cycle.status, cycle.step) == ("cancelled", "queued")
            assert cycle.finished_at is not None
    finally:
        runtime.close()


def test_with_embedded_vectors_learning_cycles_wait_for_luna_serve():
    edge = Settings(vector_backend=VectorBackend.EDGE, _env_file=None)  # type: ignore[call-arg]
    server = Settings(  # type: ignore[call-arg]
        vector_backend=VectorBackend.QDRANT, qdrant_url="http://qdrant:6333", _env_file=None
    )
    assert queue_of(LEARNING, edge) == SERVE_QUEUE
    assert queue_of(LEARNING, server) == LEARNING.queue != SERVE_QUEUE
