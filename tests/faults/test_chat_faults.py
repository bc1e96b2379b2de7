"""``POST /chat`` (streamed) when PostgreSQL restarts or the model process dies mid-answer.

Whatever breaks, the stream ends with a ``done`` or ``error`` event (never a dropped
connection), what is stored matches what the client was told (the thread, the ``answers`` row,
the ``ask`` event), and the next turn in the same thread works without restarting the app.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from langchain_core.embeddings import DeterministicFakeEmbedding, Embeddings
from sqlalchemy import select

from luna.store.factory import Stores
from luna.store.sql.models import Answer, Event, EventType
from tests.api.conftest import login, sse_events, wait_for_events
from tests.faults.conftest import FaultyModel, restart_database

ANSWER = "Guten Tag! Gern helfe ich Ihnen bei Fragen zu Ihrem Stromverbrauch und Ihrem Tarif."
FOLLOW_UP = "Gern geschehen, bis bald."


@pytest.fixture
def embeddings() -> Embeddings:
    """Only the question's topic label is embedded here: a fake model spares the real one's
    seconds per call, and no fault under test involves it."""
    return DeterministicFakeEmbedding(size=384)


def streamed_turn(
    client: TestClient, headers: dict[str, str], message: str, thread_id: str | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """One streamed turn's events; fails on anything but a 200 event stream that ends with
    ``done`` or ``error``."""
    body: dict[str, Any] = {"message": message}
    if thread_id is not None:
        body["thread_id"] = thread_id
    with client.stream("POST", "/chat", json=body, headers=headers) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response)
    assert events, "an empty stream"
    assert events[0][0] == "thread"
    assert events[-1][0] in ("done", "error"), [name for name, _ in events]
    return events


def tokens(events: list[tuple[str, dict[str, Any]]]) -> str:
    return "".join(data["text"] for name, data in events if name == "token")


def history(client: TestClient, headers: dict[str, str], thread_id: str) -> list[tuple[str, str]]:
    response = client.get(f"/chat/threads/{thread_id}", headers=headers)
    assert response.status_code == 200, response.text
    return [(m["role"], m["content"]) for m in response.json()["messages"]]


def stored_answers(stores: Stores) -> list[Answer]:
    with stores.sessions() as session:
        return list(session.scalars(select(Answer).order_by(Answer.created_at)))


def ask_events(stores: Stores) -> list[Event]:
    with stores.sessions() as session:
        return list(session.scalars(select(Event).where(Event.type == EventType.ASK)))


def test_database_restart_mid_answer_completes_the_turn_and_stores_it_whole(
    app_client: TestClient, users, model: FaultyModel, clean_db: Stores, database_url: str
):
    killed: list[int] = []
    model.script += [ANSWER, FOLLOW_UP]
    model.fault = lambda: killed.append(restart_database(database_url))
    customer = login(app_client, "kunde1")

    events = streamed_turn(app_client, customer, "Hallo")

    assert killed, "the fault never fired"
    assert killed[0] >= 1, "no connection was open to terminate"
    name, done = events[-1]
    # Nothing holds a connection while the model streams, and both pools check a connection
    # before lending it: the turn completes on fresh connections.
    assert name == "done", done
    assert done["error"] is None
    assert not done["degraded"]
    assert tokens(events).strip() == done["answer"] == ANSWER
    thread_id = done["thread_id"]
    assert history(app_client, customer, thread_id) == [("user", "Hallo"), ("assistant", ANSWER)]
    (answer,) = stored_answers(clean_db)
    assert (str(answer.id), answer.answer, answer.conversation_id) == (
        done["answer_id"],
        ANSWER,
        thread_id,
    )
    wait_for_events(clean_db, EventType.ANSWER, 1, timeout=30)
    (ask,) = ask_events(clean_db)
    assert ask.payload["error"] is None

    again = streamed_turn(app_client, customer, "Danke", thread_id)
    assert again[-1][0] == "done", again[-1]
    assert again[-1][1]["answer"] == FOLLOW_UP
    assert [role for role, _ in history(app_client, customer, thread_id)] == [
        "user",
        "assistant",
    ] * 2


@pytest.mark.parametrize(
    "crash",
    [
        ConnectionError("the model server closed the connection mid-stream"),
        RuntimeError("llama_decode returned -1"),
    ],
    ids=["connection-lost", "runtime-error"],
)
def test_model_killed_mid_answer_ends_the_stream_naming_the_error_and_keeps_no_partial_answer(
    app_client: TestClient, users, model: FaultyModel, clean_db: Stores, crash: Exception
):
    def die() -> None:
        raise crash

    model.script += [ANSWER, FOLLOW_UP]
    model.fault = die
    customer = login(app_client, "kunde1")

    events = streamed_turn(app_client, customer, "Hallo")

    partial = tokens(events)
    assert partial, "no token before the crash"
    assert ANSWER.startswith(partial), partial  # the crash came mid-answer
    name, end = events[-1]
    error = f"{type(crash).__name__}: {crash}"
    # By design a failed answer ends as a degraded one: `done` names the error, and its answer
    # (which replaces the streamed tokens) says that the answer could not be composed.
    assert name == "done", end
    assert end["degraded"] is True
    assert end["error"] == error
    assert type(crash).__name__ in end["answer"]
    assert partial.strip() not in end["answer"]
    thread_id = end["thread_id"]

    # What is stored is the answer the client was given, never the partial one.
    assert history(app_client, customer, thread_id) == [
        ("user", "Hallo"),
        ("assistant", end["answer"]),
    ]
    (answer,) = stored_answers(clean_db)
    assert str(answer.id) == end["answer_id"]
    assert answer.answer == end["answer"]
    wait_for_events(clean_db, EventType.ANSWER, 1, timeout=30)
    (ask,) = ask_events(clean_db)
    assert ask.payload["error"] == error
    assert ask.payload["degraded"] is True

    again = streamed_turn(app_client, customer, "Danke", thread_id)
    assert again[-1][0] == "done", again[-1]
    assert again[-1][1]["answer"] == FOLLOW_UP
    assert not again[-1][1]["degraded"]
    assert [content for _, content in history(app_client, customer, thread_id)] == [
        "Hallo",
        end["answer"],
        "Danke",
        FOLLOW_UP,
    ]
    assert uuid.UUID(again[-1][1]["answer_id"]) in {a.id for a in stored_answers(clean_db)}
