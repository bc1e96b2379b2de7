"""The request id: taken from ``X-Request-ID`` or generated, echoed, and carried by every log
line of the request, including the graph run and tool calls in the SSE worker thread."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from luna.api.app import create_app
from luna.config import Settings
from luna.store.factory import Stores
from tests.api.conftest import login, sse_events
from tests.energy_site import populate
from tests.scripted_model import ScriptedModel


def test_a_given_request_id_is_echoed(client: TestClient):
    response = client.get("/health", headers={"X-Request-ID": "edge-proxy-42"})
    assert response.headers["X-Request-ID"] == "edge-proxy-42"


def test_a_missing_or_unsafe_request_id_is_replaced_by_a_new_one(client: TestClient):
    first = client.get("/health").headers["X-Request-ID"]
    second = client.get("/health").headers["X-Request-ID"]
    unsafe = client.get("/health", headers={"X-Request-ID": "x\r\nSet-Cookie: a"})
    assert len(first) == 32
    assert int(first, 16) >= 0
    assert first != second
    assert "Set-Cookie" not in unsafe.headers["X-Request-ID"]
    assert len(unsafe.headers["X-Request-ID"]) == 32


@pytest.fixture
def chat_client(settings: Settings, clean_db: Stores, tmp_path: Path) -> Iterator[TestClient]:
    populate(clean_db, days=12)
    with TestClient(create_app(settings.model_copy(update={"home": tmp_path}), clean_db)) as c:
        yield c


def test_tool_call_and_graph_run_logs_carry_the_request_id(
    chat_client: TestClient, caplog: pytest.LogCaptureFixture
):
    model = ScriptedModel(script=["M-001 used 12.5 kWh last week [1]."])
    chat_client.app.state.runtime.chat_model = model  # type: ignore[attr-defined]
    headers = {**login(chat_client, "anna"), "X-Request-ID": "turn-7f3a"}
    caplog.set_level(logging.INFO, logger="luna")
    with chat_client.stream(
        "POST",
        "/chat",
        json={"message": "How much did meter M-001 consume last week?"},
        headers=headers,
    ) as response:
        assert response.headers["X-Request-ID"] == "turn-7f3a"
        events = sse_events(response)
    assert events[-1][0] == "done", events[-1]

    tool_lines = [r for r in caplog.records if r.getMessage().startswith("tool call ")]
    graph_lines = [r for r in caplog.records if r.getMessage().startswith("graph run ")]
    assert [r.tool for r in tool_lines] == ["query_timeseries"]  # type: ignore[attr-defined]
    assert tool_lines[0].threadName != "MainThread"  # it ran in a worker thread
    assert graph_lines, "one line per graph run"
    assert {getattr(r, "request_id", None) for r in tool_lines + graph_lines} == {"turn-7f3a"}
    other = chat_client.get("/health")
    assert other.headers["X-Request-ID"] != "turn-7f3a"


def test_serve_logging_config_writes_json_lines_with_the_request_id():
    script = (
        "import logging, logging.config\n"
        "from luna.observability.logging import logging_config, request_id_bound\n"
        "logging.config.dictConfig(logging_config('INFO'))\n"
        "with request_id_bound('req-1'):\n"
        "    logging.getLogger('luna.demo').info('hello %s', 'world', extra={'meter': 'M-1'})\n"
        "logging.getLogger('uvicorn.error').info('started')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    first, second = (json.loads(line) for line in out.strip().splitlines())
    assert first["message"] == "hello world"
    assert first["request_id"] == "req-1"
    assert first["meter"] == "M-1"
    assert first["level"] == "INFO"
    assert first["logger"] == "luna.demo"
    assert first["ts"].endswith("+00:00")
    assert second["logger"] == "uvicorn.error"
    assert second["request_id"] is None
