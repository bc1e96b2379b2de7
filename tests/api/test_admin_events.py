"""GET /admin/events: filters and pages over the real events table, admins only, users only as
their pseudonymous key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Event, EventType, User
from tests.api.conftest import login

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
def events(clean_db: Stores, users: dict[str, str]) -> list[dict[str, Any]]:
    """Twelve events of three types, one per hour from T0, written by the customer."""
    specs = []
    for i in range(12):
        kind = [EventType.ASK, EventType.FEEDBACK, EventType.ERROR][i % 3]
        payload: dict[str, Any] = {"n": i, "question": f"Frage {i} zum Tarif"}
        if i == 7:
            payload["question"] = "Was kostet 100% Ökostrom?"
        specs.append({"ts": T0 + timedelta(hours=i), "type": kind, "payload": payload})
    with session_scope(clean_db.sessions) as s:
        customer = s.query(User).filter_by(username=users["customer"]).one()
        for spec in specs:
            s.add(Event(user_id=customer.id, user_key="k" * 64, **spec))
    return specs


def _get(client: TestClient, headers: dict[str, str], **params: Any) -> Any:
    response = client.get("/admin/events", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_events_come_newest_first_with_a_total_for_paging(client, users, events):
    admin = login(client, users["admin"])
    first = _get(client, admin, limit=5)
    second = _get(client, admin, limit=5, offset=5)
    assert first["total"] == second["total"] == len(events)
    numbers = [e["payload"]["n"] for e in first["events"] + second["events"]]
    assert numbers == sorted((e["payload"]["n"] for e in events), reverse=True)[:10]


def test_events_filter_by_type_text_and_time_window(client, users, events):
    admin = login(client, users["admin"])
    feedback = _get(client, admin, type="feedback")
    assert {e["type"] for e in feedback["events"]} == {"feedback"}
    assert feedback["total"] == sum(e["type"] is EventType.FEEDBACK for e in events)

    both = client.get(
        "/admin/events", params=[("type", "ask"), ("type", "error")], headers=admin
    ).json()
    assert both["total"] == sum(e["type"] is not EventType.FEEDBACK for e in events)

    window = _get(
        client,
        admin,
        since=(T0 + timedelta(hours=2)).isoformat(),
        until=(T0 + timedelta(hours=5)).isoformat(),
    )
    assert sorted(e["payload"]["n"] for e in window["events"]) == [2, 3, 4]

    text = _get(client, admin, q="frage 1")  # case-insensitive: "Frage 1", "Frage 10", "11"
    assert sorted(e["payload"]["n"] for e in text["events"]) == [1, 10, 11]


def test_event_search_takes_like_wildcards_literally(client, users, events):
    admin = login(client, users["admin"])
    percent = _get(client, admin, q="100%")
    assert [e["payload"]["n"] for e in percent["events"]] == [7]
    assert _get(client, admin, q="%")["total"] == 1
    assert _get(client, admin, q="_")["total"] == 0


def test_events_show_the_pseudonymous_key_never_the_user_id(client, users, events):
    admin = login(client, users["admin"])
    event = _get(client, admin, limit=1)["events"][0]
    assert event["user_key"] == "k" * 64
    assert "user_id" not in event


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"offset": -1}, "offset"),
        ({"type": "nonsense"}, "type"),
        ({"since": "2026-11-20T10:00:00"}, "since"),  # no time zone: ambiguous
        ({"since": "2026-11-20T10:00:00Z", "until": "2026-11-20T09:00:00Z"}, "until"),
    ],
)
def test_bad_event_queries_get_422_naming_the_parameter(client, users, params, field):
    response = client.get("/admin/events", params=params, headers=login(client, users["admin"]))
    assert response.status_code == 422
    assert field in response.text


def test_events_are_for_admins_only(client, users, events):
    assert client.get("/admin/events").status_code == 401
    customer = login(client, users["customer"])
    response = client.get("/admin/events", headers=customer)
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
