"""``/chat`` with a scripted model over real data, tools, checkpointer and SQL.

The event stream's order, threads that belong to one user only (404 for everyone else),
deletion, 4xx for bad input, and one ``ask`` event per turn.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from luna.agents.energy_assistant import thread_key
from luna.api.app import create_app
from luna.config import Settings
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Answer, Event, EventType
from tests.api.conftest import login, sse_events, wait_for_events
from tests.energy_site import Site, populate
from tests.scripted_model import ScriptedModel

QUESTION = "How much did meter M-001 consume last week, and when was the peak?"


@pytest.fixture
def site(clean_db: Stores) -> Site:
    return populate(clean_db, days=12)


@pytest.fixture
def model() -> ScriptedModel:
    return ScriptedModel(script=[])


@pytest.fixture
def chat_client(
    settings: Settings, clean_db: Stores, site: Site, model: ScriptedModel, tmp_path: Path
) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"home": tmp_path}), clean_db)) as c:
        c.app.state.runtime.chat_model = model  # type: ignore[attr-defined]
        yield c


def test_streamed_turn_sends_tool_events_sources_then_tokens(
    chat_client: TestClient, model: ScriptedModel, clean_db: Stores
):
    headers = login(chat_client, "anna")
    with chat_client.stream("POST", "/chat", json={"message": QUESTION}, headers=headers) as r:
        assert r.status_code == 200
        events = sse_events(r)
    names = [n for n, _ in events]
    assert names[:4] == ["thread", "tool_call", "tool_result", "sources"], names
    assert names[-1] == "done"
    assert names.index("token") > names.index("sources")
    call = events[1][1]
    assert call["name"] == "query_timeseries"
    assert call["args"]["meter_id"] == "M-001"
    assert call["args"]["period"] == "last_week"
    assert events[2][1]["status"] == "success"
    assert "total" in events[2][1]["summary"]
    (source,) = events[3][1]["sources"]
    assert source["kind"] == "data"
    assert "rows" not in source  # events stay small; rows come with the citations
    done = events[-1][1]
    streamed = "".join(d["text"] for n, d in events if n == "token")
    assert streamed.strip() == done["answer"]  # written by code, still sent as a token
    assert done["answer"].startswith("Electricity consumption of meter M-001 last week (")
    assert model.seen == []  # rule-routed, answered from the tool's figures
    assert done["tools"] == ["query_timeseries"]
    assert done["route_method"] == "rule"
    assert done["citations"][0]["rows"]
    assert done["prompts"] == []

    wait_for_events(clean_db, EventType.ANSWER, 1)
    with session_scope(clean_db.sessions) as s:
        (ask,) = s.scalars(select(Event).where(Event.type == EventType.ASK)).all()
        answer = s.get(Answer, uuid.UUID(done["answer_id"]))  # feedback's target
        assert answer is not None
        assert (answer.channel, answer.conversation_id) == ("chat", done["thread_id"])
        assert (answer.question, answer.answer) == (QUESTION, done["answer"])
        assert answer.prompt is None  # no prompt wrote it
        assert answer.topic == ask.payload["topic"] == "consumption"
        (answered,) = s.scalars(select(Event).where(Event.type == EventType.ANSWER)).all()
        assert answered.payload["answer_id"] == done["answer_id"]
        (tool,) = s.scalars(select(Event).where(Event.type == EventType.TOOL_CALL)).all()
        assert tool.payload == {
            "tool": "query_timeseries",
            "ask_event_id": ask.id,
            "answer_id": done["answer_id"],
        }
        assert ask.payload["channel"] == "chat"
        assert ask.payload["thread_id"] == done["thread_id"]
        assert ask.payload["tools"] == ["query_timeseries"]
        assert ask.payload["prompts"] == []
        assert ask.payload["model"] == done["model"]
        assert ask.payload["latency_ms"] > 0


def test_threads_belong_to_their_user_and_can_be_deleted(
    chat_client: TestClient, model: ScriptedModel
):
    anna, ben = login(chat_client, "anna"), login(chat_client, "ben")
    model.script += ["Hallo!", "Gern geschehen."]
    first = chat_client.post("/chat", json={"message": "Hallo", "stream": False}, headers=anna)
    assert first.status_code == 200, first.text
    thread_id = first.json()["thread_id"]
    again = chat_client.post(
        "/chat", json={"message": "Danke", "thread_id": thread_id, "stream": False}, headers=anna
    )
    assert again.status_code == 200
    assert again.json()["thread_id"] == thread_id

    listed = chat_client.get("/chat/threads", headers=anna).json()
    assert [t["id"] for t in listed] == [thread_id]
    assert listed[0]["title"] == "Hallo"
    detail = chat_client.get(f"/chat/threads/{thread_id}", headers=anna).json()
    assert [(m["role"], m["content"]) for m in detail["messages"]] == [
        ("user", "Hallo"),
        ("assistant", "Hallo!"),
        ("user", "Danke"),
        ("assistant", "Gern geschehen."),
    ]

    # Ben sees none of it: not in his list, and 404 (not 403) on every route.
    assert chat_client.get("/chat/threads", headers=ben).json() == []
    assert chat_client.get(f"/chat/threads/{thread_id}", headers=ben).status_code == 404
    assert chat_client.delete(f"/chat/threads/{thread_id}", headers=ben).status_code == 404
    hijack = chat_client.post(
        "/chat", json={"message": "Hi", "thread_id": thread_id, "stream": False}, headers=ben
    )
    assert hijack.status_code == 404
    assert hijack.json()["error"] == "not_found"

    assert chat_client.delete(f"/chat/threads/{thread_id}", headers=anna).status_code == 204
    assert chat_client.get(f"/chat/threads/{thread_id}", headers=anna).status_code == 404
    assert chat_client.get("/chat/threads", headers=anna).json() == []
    checkpointer = chat_client.app.state.runtime.checkpointer  # type: ignore[attr-defined]
    user_id = chat_client.get("/auth/me", headers=anna).json()["id"]
    assert (
        checkpointer.get_tuple({"configurable": {"thread_id": thread_key(user_id, thread_id)}})
        is None
    )


def test_answer_with_sources_is_kept_in_the_thread_history(
    chat_client: TestClient, model: ScriptedModel
):
    model.script.append("Last week: see [1].")
    anna = login(chat_client, "anna")
    turn = chat_client.post("/chat", json={"message": QUESTION, "stream": False}, headers=anna)
    assert turn.status_code == 200, turn.text
    detail = chat_client.get(f"/chat/threads/{turn.json()['thread_id']}", headers=anna).json()
    answer = detail["messages"][-1]
    assert answer["tools"] == ["query_timeseries"]
    assert answer["citations"][0]["kind"] == "data"
    assert answer["citations"][0]["query"].startswith("smart_meter_readings")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message": ""}, "message"),
        ({"message": "   "}, "message"),
        ({"message": "x" * 2001}, "message"),
        ({"message": "Hallo", "thread_id": "../etc"}, "thread_id"),
        ({"message": "Hallo", "stream": "maybe"}, "stream"),
        ({}, "message"),
    ],
)
def test_bad_input_gets_422_naming_the_field(chat_client: TestClient, body, field):
    response = chat_client.post("/chat", json=body, headers=login(chat_client, "anna"))
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"
    assert field in json.dumps(response.json()["detail"])


def test_unknown_threads_and_missing_login(chat_client: TestClient):
    anna = login(chat_client, "anna")
    assert chat_client.post("/chat", json={"message": "Hallo"}).status_code == 401
    assert chat_client.get("/chat/threads").status_code == 401
    missing = chat_client.post(
        "/chat", json={"message": "Hallo", "thread_id": "nope", "stream": False}, headers=anna
    )
    assert missing.status_code == 404
    assert chat_client.get("/chat/threads/nope", headers=anna).status_code == 404
    assert chat_client.get("/chat/threads/a%20b", headers=anna).status_code == 422
