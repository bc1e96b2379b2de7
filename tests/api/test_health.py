"""Liveness and readiness: /ready names every backend and answers 503 when one is missing;
the detail (model path, versions, vector counts) only for admins and callers on this machine."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from luna.api.app import create_app
from luna.config import Settings
from luna.store.factory import Stores
from tests.api.conftest import login

COMPONENTS = ["database", "vector_store", "object_store", "chat_model", "embeddings"]


def test_health_is_cheap_and_always_ok(client: TestClient):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_ready_reports_each_backend_and_503_names_the_missing_model(
    settings: Settings, clean_db: Stores, tmp_path: Path
):
    missing = settings.model_copy(update={"llm_gguf_path": tmp_path / "absent.gguf"})
    with TestClient(create_app(missing, clean_db), client=("127.0.0.1", 50000)) as client:
        response = client.get("/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["ready"] is False
    by_name = {c["name"]: c for c in body["components"]}
    assert list(by_name) == COMPONENTS
    assert by_name["chat_model"]["ok"] is False
    assert "absent.gguf" in by_name["chat_model"]["detail"]
    for name in ("database", "vector_store", "object_store", "embeddings"):
        assert by_name[name]["ok"] is True, by_name[name]
    assert "PostgreSQL" in by_name["database"]["detail"]
    assert "384-d" in by_name["vector_store"]["detail"]


def test_ready_tells_strangers_only_the_verdict(client: TestClient, users):
    """Anonymous and customer callers from elsewhere, and anyone through a proxy on this
    machine, learn ready or not (and the status code) but no model path or versions."""
    anonymous = client.get("/ready")
    assert set(anonymous.json()) == {"ready"}
    assert anonymous.status_code == (200 if anonymous.json()["ready"] else 503)
    customer = client.get("/ready", headers=login(client, "kunde1"))
    assert set(customer.json()) == {"ready"}
    forged = client.get("/ready", headers={"Authorization": "Bearer not-a-token"})
    assert set(forged.json()) == {"ready"}


def test_ready_shows_the_detail_to_admins_and_local_callers(
    settings: Settings, clean_db: Stores, users
):
    app = create_app(settings, clean_db)
    with TestClient(app) as remote:
        admin = remote.get("/ready", headers=login(remote, "monika"))
        assert [c["name"] for c in admin.json()["components"]] == COMPONENTS
    with TestClient(app, client=("::1", 50000)) as local:
        assert [c["name"] for c in local.get("/ready").json()["components"]] == COMPONENTS
        # A reverse proxy on this host forwards strangers from 127.0.0.1: not local.
        proxied = local.get("/ready", headers={"X-Forwarded-For": "203.0.113.9"})
        assert set(proxied.json()) == {"ready"}
