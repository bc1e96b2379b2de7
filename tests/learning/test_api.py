"""The /learning API: admin only, 202 + 409, 404s that name the problem, curated pairs become
documents, the gaps report shows only groups of at least k users."""

from __future__ import annotations

import time
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import insert

from luna.api.app import create_app
from luna.config import Settings
from luna.core.pseudonym import pseudonym_secret, user_key
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Answer, Feedback, Item, LearningCycle, Role, User
from tests.api.conftest import login

ROUTES = [
    ("post", "/learning/cycles"),
    ("get", "/learning/cycles"),
    ("get", "/learning/cycles/1"),
    ("post", "/learning/cycles/1/cancel"),
    ("get", "/learning/states"),
    ("post", "/learning/rollback"),
    ("get", "/learning/gaps"),
    ("get", "/learning/curated"),
    ("post", "/learning/curated"),
]


def test_learning_is_for_admins_only(client: TestClient, users: dict[str, str]):
    customer = login(client, users["customer"])
    for method, path in ROUTES:
        assert getattr(client, method)(path, headers=customer).status_code == 403, path
        assert getattr(client, method)(path).status_code == 401, path


def test_a_cycle_starts_with_202_and_a_second_one_gets_409(
    settings: Settings, users: dict[str, str], clean_db: Stores
):
    # The cycle is a job on the queue: this app runs the in-process worker that executes it.
    app = create_app(settings.model_copy(update={"jobs_in_process_worker": True}), clean_db)
    with TestClient(app) as client:
        _starts_with_202_and_a_second_one_gets_409(client, users, clean_db)


def _starts_with_202_and_a_second_one_gets_409(
    client: TestClient, users: dict[str, str], clean_db: Stores
) -> None:
    admin = login(client, users["admin"])
    started = client.post("/learning/cycles", json={"kind": "weights"}, headers=admin)
    assert started.status_code == 202, started.text
    cycle_id = started.json()["id"]
    assert started.json()["started_by"] == users["admin"]
    for _ in range(600):  # no feedback yet: it ends quickly, rejected with the reason
        body = client.get(f"/learning/cycles/{cycle_id}", headers=admin).json()
        if body["status"] != "running":
            break
        time.sleep(0.1)
    assert body["status"] == "rejected"
    assert "nothing to learn" in body["decision"]

    with session_scope(clean_db.sessions) as session:  # one that is running right now
        session.add(LearningCycle(kind="full", status="running", started_by="other"))
    conflict = client.post("/learning/cycles", headers=admin)
    assert conflict.status_code == 409
    assert conflict.json()["error"] == "conflict"
    assert "is running" in conflict.json()["detail"]
    assert client.post(f"/learning/cycles/{cycle_id}/cancel", headers=admin).status_code == 409
    listed = client.get("/learning/cycles", headers=admin).json()
    assert [c["status"] for c in listed] == ["running", "rejected"]


def test_unknown_cycles_states_and_references_are_named(client: TestClient, users: dict[str, str]):
    admin = login(client, users["admin"])
    assert client.get("/learning/cycles/424242", headers=admin).status_code == 404
    assert client.post("/learning/cycles/424242/cancel", headers=admin).status_code == 404
    missing = client.post("/learning/rollback", json={"version": 77}, headers=admin)
    assert missing.status_code == 404
    assert missing.json()["detail"][0]["field"] == "version"
    bad_kind = client.post("/learning/cycles", json={"kind": "everything"}, headers=admin)
    assert bad_kind.status_code == 422
    item = str(uuid.uuid4())
    curated = client.post(
        "/learning/curated",
        json={"question": "Wie hoch ist der Grundpreis?", "answer": "14,90 €", "item_id": item},
        headers=admin,
    )
    assert curated.status_code == 422
    assert curated.json()["detail"][0]["field"] == "item_id"
    reset = client.post("/learning/rollback", json={"version": None}, headers=admin)
    assert reset.status_code == 200
    assert reset.json()["active_version"] is None


def test_a_curated_pair_becomes_a_curated_document(
    client: TestClient, users: dict[str, str], clean_db: Stores
):
    admin = login(client, users["admin"])
    created = client.post(
        "/learning/curated",
        json={
            "question": "Wann wird der Abschlag fällig?",
            "answer": "Der monatliche Abschlag wird am 15. eines Monats abgebucht.",
            "note": "aus der Hotline",
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    pair = created.json()
    assert pair["created_by"] == users["admin"]
    assert pair["provenance"]["kind"] == "curated"
    with clean_db.sessions() as session:
        item = session.get(Item, uuid.UUID(pair["knowledge_item_id"]))
        assert item is not None
        assert item.status.value == "ready"
        assert item.source.startswith("curated:")
        assert len(item.chunks) >= 1
        assert "15. eines Monats" in item.chunks[0].text
    listed = client.get("/learning/curated", headers=admin).json()
    assert [p["id"] for p in listed] == [pair["id"]]


def test_gaps_report_shows_only_groups_of_at_least_k_users(
    client: TestClient, users: dict[str, str], settings: Settings, clean_db: Stores
):
    admin = login(client, users["admin"])
    secret = pseudonym_secret(settings)
    with session_scope(clean_db.sessions) as session:
        ids = []
        for n in range(8):
            user = User(username=f"gap-{n}", password_hash="!", role=Role.CUSTOMER)
            session.add(user)
            session.flush()
            ids.append(user.id)
        answers, votes = [], []
        # 'tariff': 6 users ask and dislike; 'battery': 3 users only (below k = 5)
        for n, (topic, uid) in enumerate(
            [("tariff", i) for i in ids[:6]]
            + [("battery", i) for i in ids[6:]]
            + [("battery", ids[0])]
        ):
            answer_id = uuid.uuid4()
            answers.append(
                {
                    "id": answer_id,
                    "user_id": uid,
                    "channel": "rag",
                    "question": f"Frage {topic}?",
                    "answer": "Das weiß ich leider nicht." if n % 2 else "Eine Antwort.",
                    "topic": topic,
                }
            )
            votes.append(
                {
                    "user_id": uid,
                    "user_key": user_key(uid, secret),
                    "target_type": "answer",
                    "target_id": str(answer_id),
                    "vote": -1,
                }
            )
        session.execute(insert(Answer), answers)
        session.execute(insert(Feedback), votes)

    report = client.get("/learning/gaps", headers=admin).json()

    assert report["min_group"] == settings.learning_min_group == 5
    assert [t["topic"] for t in report["topics"]] == ["tariff"]
    assert [g["topic"] for g in report["gaps"]] == ["tariff"]
    tariff = report["gaps"][0]
    assert (tariff["asks"], tariff["down"], tariff["refused"]) == (6, 6, 3)
    assert report["suppressed_groups"]["topics"] == 1
    assert [q["question"] for q in report["most_asked"]] == ["Frage tariff?"]
