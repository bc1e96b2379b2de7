"""``GET /metrics``: Prometheus text with the HTTP histogram per route template, and the model
and retrieval metrics after an answer (scripted model, real retrieval and graph)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from luna.api.app import create_app
from luna.config import AnswerCheck, Settings
from luna.store.factory import Stores
from tests.api.conftest import login
from tests.observability.conftest import scrape, value
from tests.scripted_model import ScriptedModel


def test_metrics_show_the_request_histogram_under_the_route_template(client: TestClient, users):
    headers = login(client, "monika")
    labels = {"method": "GET", "route": "/users", "status": "200"}
    before = value("luna_http_request_duration_seconds_count", **labels)
    for _ in range(3):
        assert client.get("/users", headers=headers).status_code == 200

    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = scrape(response.text)
    key = frozenset(labels.items())
    assert samples[("luna_http_request_duration_seconds_count", key)] == before + 3
    assert samples[("luna_http_requests_total", key)] >= 3
    bucket = frozenset({**labels, "le": "+Inf"}.items())
    assert samples[("luna_http_request_duration_seconds_bucket", bucket)] == before + 3
    assert samples[("luna_build_info", frozenset({("version", "0.1.0")}))] == 1


def test_unknown_paths_share_one_label_instead_of_one_series_each(client: TestClient):
    for n in range(3):
        assert client.get(f"/no/such/path/{n}").status_code == 404
    samples = scrape(client.get("/metrics").text)
    routes = {dict(labels).get("route") for name, labels in samples if name.startswith("luna_http")}
    assert "<unmatched>" in routes
    assert not any(r and r.startswith("/no/such") for r in routes)


def test_a_path_with_an_id_is_counted_under_its_template(client: TestClient, users):
    headers = login(client, "monika")
    item = "00000000-0000-0000-0000-000000000001"
    labels = {"method": "GET", "route": "/items/{item_id}", "status": "404"}
    before = value("luna_http_requests_total", **labels)
    assert client.get(f"/items/{item}", headers=headers).status_code == 404
    assert value("luna_http_requests_total", **labels) == before + 1


def test_metrics_can_be_switched_off(settings: Settings, clean_db: Stores):
    off = settings.model_copy(update={"metrics_enabled": False})
    with TestClient(create_app(off, clean_db)) as c:
        assert c.get("/metrics").status_code == 404
        assert c.get("/health").status_code == 200


@pytest.fixture
def answering_client(
    settings: Settings, clean_db: Stores, tmp_path: Path, users
) -> Iterator[tuple[TestClient, ScriptedModel]]:
    model = ScriptedModel(script=[])
    # No answerability check: over an empty knowledge base it would refuse without the model,
    # and this test counts one model call.
    local = settings.model_copy(update={"home": tmp_path, "rag_answer_check": AnswerCheck.OFF})
    with TestClient(create_app(local, clean_db)) as c:
        c.app.state.runtime.chat_model = model  # type: ignore[attr-defined]
        yield c, model


def test_an_answer_records_model_tokens_time_to_first_token_and_retrieval(answering_client):
    client, model = answering_client
    name = "ScriptedModel"
    tokens = value("luna_llm_tokens_generated_total", model=name)
    ttft = value("luna_llm_time_to_first_token_seconds_count", model=name)
    calls = value("luna_llm_calls_total", model=name, outcome="ok")
    searches = value("luna_retrieval_duration_seconds_count")
    model.script.append("Das weiß ich leider nicht.")

    response = client.post(
        "/rag/ask",
        json={"question": "Wie hoch ist der Grundpreis?", "stream": False},
        headers=login(client, "kunde1"),
    )
    assert response.status_code == 200, response.text

    samples = scrape(client.get("/metrics").text)
    model_label = frozenset({("model", name)})
    assert samples[("luna_llm_tokens_generated_total", model_label)] == tokens + 5  # five words
    assert samples[("luna_llm_time_to_first_token_seconds_count", model_label)] == ttft + 1
    ok = frozenset({("model", name), ("outcome", "ok")})
    assert samples[("luna_llm_calls_total", ok)] == calls + 1
    assert samples[("luna_retrieval_duration_seconds_count", frozenset())] == searches + 1
    graphs = {dict(labels).get("graph") for n, labels in samples if n == "luna_graph_runs_total"}
    assert graphs - {None}, "the RAG graph run is counted"
