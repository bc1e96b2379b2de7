"""Jobs on the real queue: the app with or without its in-process worker, polling, and the
recovery of jobs whose worker died."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from luna.api.app import create_app
from luna.config import Settings
from luna.jobs.queue import build_worker_app
from luna.jobs.worker import recover_stalled_jobs
from luna.prompts.registry import register_files
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import SmartMeterReading
from tests.api.conftest import login, users

__all__ = ["app_client", "prompts", "readings_in_db", "recover_stalled", "users", "wait_for"]

WORKER = {"jobs_in_process_worker": True}


@pytest.fixture
def app_client(settings: Settings, clean_db: Stores) -> Callable[..., TestClient]:
    """A client over the app with the given settings changed (e.g. ``WORKER``); use it in a
    ``with`` block, which runs the app's start-up and shutdown."""

    def make(**changes: Any) -> TestClient:
        return TestClient(create_app(settings.model_copy(update=changes), clean_db))

    return make


@pytest.fixture
def prompts(clean_db: Stores) -> Stores:
    """Stores with the shipped prompt versions registered (an eval run pins them)."""
    with session_scope(clean_db.sessions) as s:
        register_files(s)
    return clean_db


def admin_headers(client: TestClient, users: dict[str, str]) -> dict[str, str]:
    return login(client, users["admin"])


def wait_for(
    client: TestClient,
    headers: dict[str, str],
    job_id: int,
    until: Callable[[dict[str, Any]], bool],
    timeout: float = 180.0,
) -> dict[str, Any]:
    """Poll ``GET /jobs/{id}`` until ``until(job)``."""
    deadline = time.monotonic() + timeout
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = client.get(f"/jobs/{job_id}", headers=headers)
        assert response.status_code == 200, response.text
        job = response.json()
        if until(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} never got there: {job}")


def ended(job: dict[str, Any]) -> bool:
    return job["state"] in ("done", "failed", "cancelled")


def readings_in_db(stores: Stores) -> tuple[int, int]:
    """(readings, meters with readings) as stored."""
    with stores.sessions() as s:
        rows = s.scalar(select(func.count()).select_from(SmartMeterReading)) or 0
        meters = s.scalar(select(func.count(func.distinct(SmartMeterReading.meter_id)))) or 0
    return rows, meters


def recover_stalled(settings: Settings, engine: Engine, stalled_after_s: float) -> list[int]:
    """What a live worker's watch does (:func:`luna.jobs.worker.recover_stalled_jobs`), once,
    now; the ids of the jobs it requeued or failed."""

    async def run() -> list[int]:
        app = build_worker_app(settings)
        async with app.open_async():
            return await recover_stalled_jobs(app, engine, stalled_after_s)

    return asyncio.run(run())
