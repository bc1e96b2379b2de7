"""Admin data control: backfill jobs write what they report, cancel leaves whole meters, the
live source can be paused and resumed, and only admins may do any of it.

Backfills run on the job queue: the client here starts ``luna serve``'s in-process worker."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from luna.api.app import create_app
from luna.config import DataSourceKind, Settings
from luna.store.factory import Stores
from luna.store.sql.models import MarketPrice, Meter, SmartMeterReading
from tests.api.conftest import login


@pytest.fixture
def client(settings: Settings, clean_db: Stores) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update=WORKER), clean_db)) as c:
        yield c


WORKER = {"jobs_in_process_worker": True}


def _wait_for_job(
    client: TestClient, headers: dict[str, str], job_id: int, *, meters_done: int | None = None
) -> dict[str, Any]:
    """The job once it has ended (or, with ``meters_done``, once it has written that many)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/admin/data/backfills/{job_id}", headers=headers).json()
        if meters_done is not None and job["meters_done"] >= meters_done:
            return job
        if job["state"] not in ("queued", "running"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"backfill job {job_id} still queued or running")


def test_backfill_job_writes_what_it_reports_and_repeats_as_a_no_op(
    client: TestClient, users: dict[str, str], clean_db: Stores
):
    admin = login(client, users["admin"])
    started = client.post("/admin/data/backfills", json={"meters": 2, "days": 1}, headers=admin)
    assert started.status_code == 202, started.text
    job = _wait_for_job(client, admin, started.json()["id"])
    assert job["state"] == "done", job
    assert job["meters_done"] == 2
    with clean_db.sessions() as s:
        readings = s.scalar(select(func.count()).select_from(SmartMeterReading))
        prices = s.scalar(select(func.count()).select_from(MarketPrice))
        meters = s.scalar(select(func.count()).select_from(Meter))
    assert job["readings"] == job["readings_written"] == readings > 0
    assert job["prices_written"] == prices > 0
    assert meters == 2

    again = client.post("/admin/data/backfills", json={"meters": 2, "days": 1}, headers=admin)
    repeat = _wait_for_job(client, admin, again.json()["id"])
    assert repeat["state"] == "done"
    assert repeat["readings"] == readings
    assert repeat["readings_written"] == 0

    listed = client.get("/admin/data/backfills", headers=admin).json()
    assert [j["id"] for j in listed] == [again.json()["id"], started.json()["id"]]

    overview = client.get("/admin/data", headers=admin).json()
    assert overview["meters"] == 2
    assert overview["readings"] == readings
    assert overview["readings_exact"] is True
    assert overview["last_reading"] is not None
    assert overview["source"] == {"configured": "none", "state": None}


def test_one_backfill_at_a_time_and_cancel_keeps_whole_meters(
    client: TestClient, users: dict[str, str], clean_db: Stores
):
    admin = login(client, users["admin"])
    job = client.post("/admin/data/backfills", json={"meters": 40, "days": 2}, headers=admin)
    assert job.status_code == 202
    assert job.json()["state"] in ("queued", "running")
    busy = client.post("/admin/data/backfills", json={"meters": 1, "days": 1}, headers=admin)
    assert busy.status_code == 409
    assert "already queued or running" in busy.json()["detail"]

    running = _wait_for_job(client, admin, job.json()["id"], meters_done=1)
    assert running["state"] == "running", running
    busy = client.post("/admin/data/backfills", json={"meters": 1, "days": 1}, headers=admin)
    assert busy.status_code == 409
    cancel = client.post(f"/admin/data/backfills/{job.json()['id']}/cancel", headers=admin)
    assert cancel.status_code == 200
    done = _wait_for_job(client, admin, job.json()["id"])
    assert done["state"] == "cancelled"
    assert 1 <= done["meters_done"] < 40
    with clean_db.sessions() as s:
        meters_with_readings = s.scalar(
            select(func.count(func.distinct(SmartMeterReading.meter_id)))
        )
        readings = s.scalar(select(func.count()).select_from(SmartMeterReading))
    assert meters_with_readings == done["meters_done"]
    assert readings == done["readings"]  # the finished meters whole, nothing of the next one


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"meters": 0}, "meters"),
        ({"days": 0}, "days"),
        ({"meters": 5000}, "meters"),
        ({"zone": "de; drop"}, "zone"),
        ({"zone": "AT"}, "zone"),  # a valid code the simulator makes no prices for
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_backfill_requests_get_422_naming_the_field(client, users, body, field):
    response = client.post(
        "/admin/data/backfills", json=body, headers=login(client, users["admin"])
    )
    assert response.status_code == 422
    assert field in response.text


def test_unknown_backfill_job_is_404(client, users):
    response = client.get("/admin/data/backfills/999", headers=login(client, users["admin"]))
    assert response.status_code == 404


def test_source_control_without_a_configured_source_is_409(client, users):
    response = client.post("/admin/data/source/stop", headers=login(client, users["admin"]))
    assert response.status_code == 409
    assert "LUNA_DATA_SOURCE" in response.json()["detail"]


def test_admin_pauses_and_resumes_the_simulator_feed(
    settings: Settings, clean_db: Stores, users: dict[str, str]
):
    live = settings.model_copy(
        update={
            "data_source": DataSourceKind.SIMULATOR,
            "simulator_meters": 1,
            "simulator_history_days": 1,
        }
    )
    with TestClient(create_app(live, clean_db)) as client:
        admin = login(client, users["admin"])
        state = client.get("/admin/data/source", headers=admin).json()
        assert state["configured"] == "simulator"
        assert state["state"]["running"] is True
        stopped = client.post("/admin/data/source/stop", headers=admin).json()
        assert stopped["state"]["running"] is False
        started = client.post("/admin/data/source/start", headers=admin).json()
        assert started["state"]["running"] is True
        assert client.post("/admin/data/source/reboot", headers=admin).status_code == 422


ADMIN_DATA_ROUTES = [
    ("GET", "/admin/data"),
    ("GET", "/admin/data/source"),
    ("POST", "/admin/data/source/stop"),
    ("GET", "/admin/data/backfills"),
    ("POST", "/admin/data/backfills"),
    ("GET", "/admin/data/backfills/1"),
    ("POST", "/admin/data/backfills/1/cancel"),
]


def test_data_control_is_for_admins_only(client, users):
    customer = login(client, users["customer"])
    for method, path in ADMIN_DATA_ROUTES:
        assert client.request(method, path).status_code == 401, path
        response = client.request(method, path, headers=customer, json={"meters": 1})
        assert response.status_code == 403, path
