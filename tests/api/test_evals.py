"""Eval runs over the API: admin only, 202 with a run queued for a worker, cancel, per-case
results (the job side: tests/jobs/test_eval_jobs.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from luna.api.app import create_app
from luna.config import Settings
from luna.evals import runner
from luna.store.factory import Stores
from tests.api.conftest import login
from tests.evals.test_runner import ScriptedSuite


@pytest.fixture
def worker_client(settings: Settings, clean_db: Stores) -> Iterator[TestClient]:
    """The app with its in-process job worker, which executes the queued runs."""
    app = create_app(settings.model_copy(update={"jobs_in_process_worker": True}), clean_db)
    with TestClient(app) as c:
        yield c


def _wait(client: TestClient, headers: dict[str, str], run_id: int) -> dict[str, Any]:
    for _ in range(600):
        body = client.get(f"/evals/runs/{run_id}", headers=headers).json()
        if body["status"] != "running":
            return body
        time.sleep(0.05)
    raise AssertionError("run did not finish")


def test_customers_get_403(client: TestClient, users: dict[str, str]):
    customer = login(client, users["customer"])
    assert client.get("/evals/runs", headers=customer).status_code == 403
    response = client.post("/evals/runs", headers=customer, json={"suite": "retrieval"})
    assert response.status_code == 403


def test_start_poll_and_list_a_run(
    worker_client: TestClient, users: dict[str, str], monkeypatch: pytest.MonkeyPatch
):
    client = worker_client
    monkeypatch.setattr(runner, "get_suite", lambda name: ScriptedSuite())
    admin = login(client, users["admin"])
    started = client.post(
        "/evals/runs",
        headers=admin,
        json={"suite": "routing", "prompts": ["rag_answer@1.0.0"], "limit": 4},
    )
    assert started.status_code == 202, started.text
    run_id = started.json()["id"]
    assert started.json()["created_by"] == "monika"
    done = _wait(client, admin, run_id)
    assert done["status"] == "done"
    assert done["prompts"] == {"rag_answer": "1.0.0"}
    assert [r["case_id"] for r in done["results"]] == ["c1", "c2", "c3", "c4"]
    assert done["metrics"]["errors"] == 1
    listed = client.get("/evals/runs?suite=routing", headers=admin).json()
    assert [r["id"] for r in listed] == [run_id]
    assert listed[0]["results"] is None
    again = client.post(f"/evals/runs/{run_id}/cancel", headers=admin)
    assert again.status_code == 409  # a finished run cannot be cancelled


def test_bad_input_is_a_4xx_naming_the_field(client: TestClient, users: dict[str, str]):
    admin = login(client, users["admin"])
    bad_suite = client.post("/evals/runs", headers=admin, json={"suite": "everything"})
    assert bad_suite.status_code == 422
    bad_ref = client.post(
        "/evals/runs", headers=admin, json={"suite": "qa", "prompts": ["rag_answer"]}
    )
    assert bad_ref.status_code == 422
    assert bad_ref.json()["detail"][0]["field"] == "prompts"
    unknown = client.post(
        "/evals/runs", headers=admin, json={"suite": "qa", "prompts": ["rag_answer@7.0.0"]}
    )
    assert unknown.status_code == 422
    assert "rag_answer@7.0.0" in unknown.json()["detail"][0]["message"]
    assert client.get("/evals/runs/999999", headers=admin).status_code == 404
    assert client.post("/evals/runs/999999/cancel", headers=admin).status_code == 404


class SlowSuite(ScriptedSuite):
    def run_case(self, env: Any, case: Any) -> Any:
        time.sleep(0.3)
        return super().run_case(env, case)


def test_cancel_stops_a_running_run_before_its_next_case(
    worker_client: TestClient, users: dict[str, str], monkeypatch: pytest.MonkeyPatch
):
    client = worker_client
    monkeypatch.setattr(runner, "get_suite", lambda name: SlowSuite(fail=None))
    admin = login(client, users["admin"])
    started = client.post("/evals/runs", headers=admin, json={"suite": "routing"}).json()
    run_id = started["id"]
    for _ in range(100):  # until the worker has taken it
        job = client.get(f"/jobs/{started['job_id']}", headers=admin).json()
        if job["state"] == "running":
            break
        time.sleep(0.05)
    cancelled = client.post(f"/evals/runs/{run_id}/cancel", headers=admin)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    time.sleep(0.8)  # the case in flight finishes, no further case starts
    final = client.get(f"/evals/runs/{run_id}", headers=admin).json()
    assert final["status"] == "cancelled"
    assert len(final["results"]) < 5
    assert final["finished_at"] is not None
    job = client.get(f"/jobs/{started['job_id']}", headers=admin).json()
    assert job["state"] == "cancelled"  # the job ends as its run did
