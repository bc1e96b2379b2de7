"""``/playbooks``: the job lifecycle on the job queue's in-process worker with a scripted model,
its progress as Server-Sent Events, permissions and 4xx bodies."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from sqlalchemy import select

from luna.api.app import create_app
from luna.config import Settings
from luna.graphs.playbook import playbook_context
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import PlaybookRecord
from tests.api.conftest import login
from tests.graphs.conftest import simulated_site

FAST = {"forecast_model": "seasonal_naive_weekly", "history_days": 14, "selection_days": 2}
REMARK = "Keep the heat pump's own timer off so the plan can switch it."


def scripted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Playbook jobs (on whichever worker thread of this process) use a scripted model, no
    retriever and a fast forecast."""
    model = FakeListChatModel(responses=[REMARK])

    def context(runtime: Runtime) -> Any:
        return playbook_context(
            runtime,
            chat_model=model,
            model_name="scripted",
            retriever=None,
            remark_tokens=48,
            **FAST,
        )

    monkeypatch.setattr("luna.jobs.playbook.context_for", context)


@pytest.fixture
def api(
    settings: Settings, clean_db: Stores, users: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    """The app with its in-process job worker, which runs the playbook jobs."""
    simulated_site(clean_db)
    scripted(monkeypatch)
    app = create_app(settings.model_copy(update={"jobs_in_process_worker": True}), clean_db)
    with TestClient(app) as client:
        yield client


def _wait(client: TestClient, headers: dict[str, str], playbook_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        body = client.get(f"/playbooks/{playbook_id}", headers=headers).json()
        if body["status"] in ("ready", "failed"):
            return body
        time.sleep(0.3)
    raise AssertionError(f"playbook {playbook_id} still {body['status']}")


def test_job_runs_in_the_background_and_is_stored_with_its_inputs(
    api: TestClient, clean_db: Stores
):
    headers = login(api, "kunde1")
    started = api.post(
        "/playbooks", json={"meter_id": "M-HP", "kind": "load_shift"}, headers=headers
    )
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["status"] in ("pending", "running", "ready")
    assert started.headers["location"] == f"/playbooks/{job['id']}"

    done = _wait(api, headers, job["id"])
    assert done["status"] == "ready", done["error"]
    book = done["result"]
    assert book["id"] == job["id"]
    assert book["remark"] == REMARK
    assert done["model"] == "scripted"
    assert done["prompt"] == "playbook_remark@1.0.0"
    hot_water = next(a for a in book["actions"] if a["device"].startswith("heat pump"))
    assert hot_water["energy_kwh"] > 0
    assert done["inputs"] is None
    full = api.get(f"/playbooks/{job['id']}?include_inputs=true", headers=headers).json()
    assert full["inputs"]["request"]["meter_id"] == "M-HP"
    assert full["inputs"]["optimisation_input"]["deferrable_loads"][0]["name"] == "hot_water"
    with session_scope(clean_db.sessions) as s:
        row = s.scalars(select(PlaybookRecord)).one()
        assert row.finished_at is not None
        assert json.dumps(row.inputs)

    listed = api.get("/playbooks", headers=headers).json()
    assert [p["id"] for p in listed] == [job["id"]]
    reviewed = api.patch(f"/playbooks/{job['id']}", json={"review": "accepted"}, headers=headers)
    assert reviewed.status_code == 200
    assert reviewed.json()["review"] == "accepted"


def _events(client: TestClient, headers: dict[str, str], playbook_id: str) -> list[tuple]:
    """The job's event stream, read to its end, as (event, data) pairs."""
    events: list[tuple[str, dict[str, Any]]] = []
    with client.stream("GET", f"/playbooks/{playbook_id}/events", headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name = "message"
        for line in response.iter_lines():
            if line.startswith("event:"):
                name = line.removeprefix("event:").strip()
            elif line.startswith("data:"):
                events.append((name, json.loads(line.removeprefix("data:"))))
    return events


def test_progress_streams_every_stage_then_the_remark_and_done(api: TestClient):
    headers = login(api, "kunde1")
    job = api.post(
        "/playbooks", json={"meter_id": "M-HP", "kind": "battery"}, headers=headers
    ).json()
    events = _events(api, headers, job["id"])
    stages = [data["stage"] for name, data in events if name == "progress"]
    assert stages == ["data", "forecast", "optimise", "retrieve", "compose"]
    times = [data["ms"] for name, data in events if name == "progress"]
    assert times == sorted(times)
    remark = "".join(data["text"] for name, data in events if name == "remark")
    assert remark == REMARK
    assert events[-1] == ("done", {"status": "ready", "error": None, "remark_dropped": None})

    # A client that connects after the job finished still gets every stage, then done.
    late = _events(api, headers, job["id"])
    assert [d["stage"] for n, d in late if n == "progress"] == stages
    assert late[-1][0] == "done"
    assert (
        api.get(f"/playbooks/{job['id']}/events", headers=login(api, "kunde2")).status_code == 404
    )


def test_other_customers_cannot_see_request_or_review(api: TestClient):
    owner = login(api, "kunde1")
    job = api.post("/playbooks", json={"meter_id": "M-HP", "kind": "tariff_check"}, headers=owner)
    job_id = job.json()["id"]
    _wait(api, owner, job_id)

    other = login(api, "kunde2")
    assert api.get(f"/playbooks/{job_id}", headers=other).status_code == 404
    assert (
        api.patch(f"/playbooks/{job_id}", json={"review": "dismissed"}, headers=other).status_code
        == 404
    )
    assert api.get("/playbooks", headers=other).json() == []
    refused = api.post("/playbooks", json={"meter_id": "M-HP", "kind": "battery"}, headers=other)
    assert refused.status_code == 404
    assert refused.json()["error"] == "not_found"

    admin = login(api, "monika")
    assert [p["id"] for p in api.get("/playbooks", headers=admin).json()] == [job_id]
    assert api.get(f"/playbooks/{job_id}", headers=admin).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"meter_id": "M-HP", "kind": "weather"}, "body.kind"),
        ({"meter_id": "M-HP", "kind": "battery", "horizon_hours": 0}, "body.horizon_hours"),
        ({"meter_id": "M HP; drop", "kind": "battery"}, "body.meter_id"),
        ({"kind": "battery"}, "body.meter_id"),
    ],
)
def test_bad_requests_name_the_field(api: TestClient, body: dict[str, Any], field: str):
    response = api.post("/playbooks", json=body, headers=login(api, "kunde1"))
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field


def test_unauthenticated_unknown_and_not_ready(api: TestClient, clean_db: Stores):
    assert api.post("/playbooks", json={"meter_id": "M-HP", "kind": "battery"}).status_code == 401
    headers = login(api, "kunde1")
    missing = "00000000-0000-0000-0000-000000000000"
    assert api.get(f"/playbooks/{missing}", headers=headers).status_code == 404
    assert api.get("/playbooks/not-a-uuid", headers=headers).status_code == 422
    with session_scope(clean_db.sessions) as s:
        pending = PlaybookRecord(meter_id="M-HP", kind="battery", user_id=None, request={})
        s.add(pending)
        s.flush()
        pending_id = pending.id
    admin = login(api, "monika")
    conflict = api.patch(f"/playbooks/{pending_id}", json={"review": "accepted"}, headers=admin)
    assert conflict.status_code == 409
    assert "pending" in conflict.json()["detail"][0]["message"]
    bad = api.patch(f"/playbooks/{pending_id}", json={"review": "maybe"}, headers=admin)
    assert bad.status_code == 422


def test_a_failing_job_ends_failed_with_the_reason(api: TestClient, clean_db: Stores):
    with clean_db.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM market_prices")
    headers = login(api, "kunde1")
    job = api.post("/playbooks", json={"meter_id": "M-PV", "kind": "battery"}, headers=headers)
    done = _wait(api, headers, job.json()["id"])
    assert done["status"] == "failed"
    assert "no prices" in done["error"]
    assert done["result"] is None
