from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from luna.api.app import create_app
from luna.config import Settings
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Event, EventType, Role
from luna.store.sql.users import create_user

PASSWORD = "correct-horse-battery"


@pytest.fixture
def client(settings: Settings, clean_db: Stores) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clean_db)) as c:
        yield c


@pytest.fixture
def users(clean_db: Stores) -> dict[str, str]:
    with session_scope(clean_db.sessions) as s:
        create_user(s, "monika", PASSWORD, Role.ADMIN, "Monika")
        create_user(s, "kunde1", PASSWORD, Role.CUSTOMER)
    return {"admin": "monika", "customer": "kunde1"}


def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def sse_events(response: Any) -> list[tuple[str, dict[str, Any]]]:
    """The (event, data) pairs of a streamed Server-Sent Events response, in order."""
    events, name = [], None
    for line in response.iter_lines():
        if line.startswith("event:"):
            name = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and name is not None:
            events.append((name, json.loads(line.split(":", 1)[1])))
            name = None
    return events


def wait_for_events(stores: Stores, type_: EventType, count: int, timeout: float = 60.0) -> None:
    """Wait until ``count`` events of ``type_`` exist: a streamed answer records its events
    after the stream has closed, so a test that reads them right after ``done`` must wait."""
    deadline = time.monotonic() + timeout
    while True:
        with stores.sessions() as session:
            found = len(session.scalars(select(Event.id).where(Event.type == type_)).all())
        if found >= count or time.monotonic() > deadline:
            assert found >= count, f"{found} {type_.value} events after {timeout} s, not {count}"
            return
        time.sleep(0.1)
