"""``POST /feedback``, ``GET /feedback/mine`` and ``POST /events`` over the real database.

Feedback only on what the user received (404 unknown, 403 someone else's), one changeable vote
per user and target, a fixed reason vocabulary, and events keyed by the pseudonymous user key.
The last test runs ``/rag/ask`` with a scripted model: its ``done`` event's ``answer_id`` is
what feedback accepts.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from luna.api.app import create_app
from luna.config import Settings
from luna.core.pseudonym import pseudonym_secret, user_key
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import (
    Answer,
    Event,
    EventType,
    Feedback,
    Label,
    LabelTarget,
    Meter,
    PlaybookRecord,
    User,
)
from tests.api.conftest import login, sse_events, wait_for_events
from tests.scripted_model import ScriptedModel


def _user(stores: Stores, username: str) -> User:
    with stores.sessions() as s:
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None
        return user


def _answer(stores: Stores, username: str) -> str:
    """An answer given to ``username`` (as /rag/ask stores it)."""
    with session_scope(stores.sessions) as s:
        row = Answer(
            user_id=_user(stores, username).id,
            channel="rag",
            question="Wie hoch ist der Grundpreis?",
            answer="14,90 EUR im Monat [1].",
            chunk_ids=["1"],
            item_ids=[str(uuid.uuid4())],
        )
        s.add(row)
        s.flush()
        return str(row.id)


def _vote(client: TestClient, headers: dict[str, str], target_id: str, **body: object):
    payload = {"target_type": "answer", "target_id": target_id, "vote": "up", **body}
    return client.post("/feedback", json=payload, headers=headers)


def test_one_changeable_vote_per_user_and_answer(client: TestClient, users, clean_db: Stores):
    headers = login(client, "kunde1")
    answer_id = _answer(clean_db, "kunde1")

    first = _vote(client, headers, answer_id, reasons=["helpful", "clear", "helpful"], dwell_ms=5)
    assert first.status_code == 201, first.text
    assert first.json()["vote"] == "up"
    assert first.json()["reasons"] == ["helpful", "clear"]  # duplicates collapse

    changed = _vote(
        client,
        headers,
        answer_id.upper(),  # the same answer, however its id is spelled
        vote="down",
        reasons=["outdated"],
        comment="  Der Preis gilt seit Januar nicht mehr.  ",
        time_to_feedback_ms=4200,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["vote"], body["reasons"]) == ("down", ["outdated"])
    assert body["comment"] == "Der Preis gilt seit Januar nicht mehr."
    assert body["id"] == first.json()["id"]
    assert body["updated_at"] >= body["created_at"]

    with clean_db.sessions() as s:
        (row,) = s.scalars(select(Feedback)).all()
        assert (row.vote, row.target_id, row.time_to_feedback_ms) == (-1, answer_id, 4200)
        assert row.dwell_ms is None  # a re-post replaces the vote, it does not merge it

    mine = client.get(
        "/feedback/mine", params={"target_type": "answer", "target_id": answer_id}, headers=headers
    )
    assert mine.status_code == 200
    assert (mine.json()["vote"], mine.json()["reasons"]) == ("down", ["outdated"])
    other = client.get(
        "/feedback/mine",
        params={"target_type": "answer", "target_id": _answer(clean_db, "kunde1")},
        headers=headers,
    )
    assert other.json()["vote"] is None


def test_feedback_only_on_answers_the_user_received(client: TestClient, users, clean_db: Stores):
    customer = login(client, "kunde1")
    admins_answer = _answer(clean_db, "monika")

    forbidden = _vote(client, customer, admins_answer)
    assert forbidden.status_code == 403, forbidden.text
    assert forbidden.json()["error"] == "forbidden"
    for unknown in (str(uuid.uuid4()), "not-an-answer"):
        missing = _vote(client, customer, unknown)
        assert missing.status_code == 404, missing.text
        assert unknown in json.dumps(missing.json())
    assert _vote(client, {}, admins_answer).status_code == 401
    with clean_db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Feedback)) == 0
        assert s.scalar(select(func.count()).select_from(Event)) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reasons": ["wrong", "boring"]}, "reasons"),
        ({"vote": "maybe"}, "vote"),
        ({"target_type": "document"}, "target_type"),
        ({"comment": "x" * 2001}, "comment"),
        ({"dwell_ms": -1}, "dwell_ms"),
        ({"time_to_feedback_ms": 2**31}, "time_to_feedback_ms"),
        ({"user_id": 1}, "user_id"),
    ],
)
def test_bad_feedback_is_422_naming_the_field(
    client: TestClient, users, clean_db: Stores, change: dict[str, object], field: str
):
    headers = login(client, "kunde1")
    response = _vote(client, headers, _answer(clean_db, "kunde1"), **change)
    assert response.status_code == 422, response.text
    assert any(field in d["field"] for d in response.json()["detail"]), response.json()
    with clean_db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Feedback)) == 0


def test_playbook_feedback_on_own_playbooks_only(client: TestClient, users, clean_db: Stores):
    customer, admin = _user(clean_db, "kunde1"), _user(clean_db, "monika")
    with session_scope(clean_db.sessions) as s:
        s.add(Meter(meter_id="M-FB", owner_id=customer.id))
        own = PlaybookRecord(user_id=customer.id, meter_id="M-FB", kind="battery", prompt="p@1.0.0")
        foreign = PlaybookRecord(user_id=admin.id, meter_id="M-FB", kind="load_shift")
        s.add_all([own, foreign])
        s.flush()
        own_id, foreign_id = str(own.id), str(foreign.id)

    headers = login(client, "kunde1")
    body = {"target_type": "playbook", "vote": "down", "reasons": ["incomplete"]}
    created = client.post("/feedback", json={**body, "target_id": own_id}, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["target_type"] == "playbook"
    other = client.post("/feedback", json={**body, "target_id": foreign_id}, headers=headers)
    assert other.status_code == 403
    # An answer id is not a playbook id: the target type decides where it is looked up.
    answer_id = _answer(clean_db, "kunde1")
    crossed = client.post("/feedback", json={**body, "target_id": answer_id}, headers=headers)
    assert crossed.status_code == 404

    with clean_db.sessions() as s:
        (event,) = s.scalars(select(Event).where(Event.type == EventType.FEEDBACK)).all()
        assert event.payload["target_id"] == own_id
        assert event.payload["prompt"] == "p@1.0.0"


def test_events_carry_the_user_key_never_the_user_id(
    client: TestClient, users, clean_db: Stores, settings: Settings
):
    headers = login(client, "kunde1")
    user = _user(clean_db, "kunde1")
    assert _vote(client, headers, _answer(clean_db, "kunde1")).status_code == 201
    view = {"type": "view", "page": "/ui/chat", "dwell_ms": 1200}
    assert client.post("/events", json=view, headers=headers).status_code == 204
    click = {"type": "click", "page": "/ui/chat", "element": "send-button"}
    assert client.post("/events", json=click, headers=headers).status_code == 204

    expected = user_key(user.id, pseudonym_secret(settings))
    assert len(expected) == 64
    with clean_db.sessions() as s:
        events = s.scalars(select(Event).order_by(Event.id)).all()
    assert [e.type for e in events] == [EventType.FEEDBACK, EventType.VIEW, EventType.CLICK]
    for event in events:
        assert event.user_key == expected
        text = json.dumps(event.payload)
        assert "user_id" not in text
        assert "kunde1" not in text
    assert events[1].payload == {"page": "/ui/chat", "dwell_ms": 1200}
    assert events[2].payload["element"] == "send-button"


@pytest.mark.parametrize(
    "body",
    [
        {"type": "ask", "page": "/ui/chat"},
        {"type": "view", "page": "javascript:alert(1)"},
        {"type": "click", "page": "/ui/chat", "element": "<script>"},
        {"type": "view", "page": "/ui/chat", "question": "free text"},
    ],
)
def test_ui_events_accept_only_small_view_and_click_payloads(
    client: TestClient, users, clean_db: Stores, body: dict[str, str]
):
    response = client.post("/events", json=body, headers=login(client, "kunde1"))
    assert response.status_code == 422, response.text
    with clean_db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == 0


TARIFF_SHEET = (
    "Luna Strom Dynamisch – Preisblatt\n\n"
    "Der Grundpreis von Luna Strom Dynamisch beträgt 14,90 EUR pro Monat. Der Arbeitspreis "
    "folgt stündlich dem Day-Ahead-Börsenpreis zuzüglich 12,5 ct/kWh Aufschlag.\n"
)


@pytest.fixture
def rag_client(
    settings: Settings, clean_db: Stores, tmp_path: Path, users
) -> Iterator[tuple[TestClient, ScriptedModel]]:
    model = ScriptedModel(script=[])
    with TestClient(create_app(settings.model_copy(update={"home": tmp_path}), clean_db)) as c:
        runtime = c.app.state.runtime  # type: ignore[attr-defined]
        assert runtime.ingest.ingest(TARIFF_SHEET.encode(), "preisblatt.txt").chunks > 0
        runtime.chat_model = model
        yield c, model


def test_rag_done_event_carries_the_answer_id_that_feedback_accepts(
    rag_client: tuple[TestClient, ScriptedModel], clean_db: Stores
):
    client, model = rag_client
    model.script += ['{"answerable": true}', "Der Grundpreis beträgt 14,90 EUR pro Monat [1]."]
    headers = login(client, "kunde1")
    question = "Wie hoch ist der Grundpreis von Luna Strom Dynamisch?"
    with client.stream("POST", "/rag/ask", json={"question": question}, headers=headers) as r:
        assert r.status_code == 200
        events = sse_events(r)
    name, done = events[-1]
    assert name == "done", events[-1]
    answer_id = done["answer_id"]

    wait_for_events(clean_db, EventType.ANSWER, 1)
    with clean_db.sessions() as s:
        answer = s.get(Answer, uuid.UUID(answer_id))
        assert answer is not None
        assert (answer.channel, answer.question, answer.answer) == ("rag", question, done["answer"])
        assert answer.chunk_ids == [str(c["chunk_id"]) for c in done["citations"]] != []
        assert answer.item_ids == [done["citations"][0]["item_id"]]
        assert answer.prompt == done["prompt"]
        assert answer.model == done["model"]
        assert answer.learned_state == {"weights": None, "adapter": None}
        assert answer.topic == "tariff"
        (ask,) = s.scalars(select(Event).where(Event.type == EventType.ASK)).all()
        (answered,) = s.scalars(select(Event).where(Event.type == EventType.ANSWER)).all()
        label = s.scalar(select(Label).where(Label.target_type == LabelTarget.EVENT))
    assert answered.payload["answer_id"] == answer_id
    assert answered.payload["topic"] == ask.payload["topic"] == "tariff"
    assert answered.payload["latency_ms"] > 0
    assert answered.payload["prompt"] == done["prompt"]
    assert label is not None
    assert (label.target_id, label.name, label.value) == (str(ask.id), "topic", "tariff")

    voted = _vote(client, headers, answer_id, vote="down", reasons=["not_grounded"])
    assert voted.status_code == 201, voted.text
    assert _vote(client, login(client, "monika"), answer_id).status_code == 403

    model.script.append('{"answerable": false}')  # the check refuses: no answer call
    plain = client.post(
        "/rag/ask", json={"question": "Wer gewann 2014 die WM?", "stream": False}, headers=headers
    )
    assert plain.status_code == 200, plain.text
    assert _vote(client, headers, plain.json()["answer_id"]).status_code == 201
