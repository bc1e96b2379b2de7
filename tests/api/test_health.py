"""Liveness and readiness: /ready names every backend and answers 503 when one is missing."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from luna.api.app import create_app
from luna.config import Settings
from luna.store.factory import Stores

COMPONENTS = ["database", "vector_store", "object_store", "chat_model", "embeddings"]


def test_health_is_cheap_and_always_ok(client: TestClient):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_ready_reports_each_backend_and_503_names_the_missing_model(
    settings: Settings, clean_db: Stores, tmp_path: Path
):
    missing = settings.model_copy(update={"llm_gguf_path": tmp_path / "absent.gguf"})
    with TestClient(create_app(missing, clean_db)) as client:
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
