"""Request bodies are bounded before they are read: uploads only from authenticated callers,
refused from the headers alone; a declared or a counted size over the limit gets a 413 that
names the limit. Upload tests speak raw HTTP to a real uvicorn server, as an attacker would."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from tempfile import SpooledTemporaryFile
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette import formparsers

from luna.api.app import create_app
from luna.config import Settings
from luna.store.factory import Stores
from luna.store.sql.models import Item
from tests.api.conftest import login

UPLOAD_LIMIT = 256 * 1024
JSON_LIMIT = 16 * 1024
BOUNDARY = "luna-test-boundary"


@pytest.fixture
def limited(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "ingest_max_bytes": 64 * 1024,
            "request_max_upload_bytes": UPLOAD_LIMIT,
            "request_max_json_bytes": JSON_LIMIT,
        }
    )


@dataclass
class Server:
    port: int
    client: TestClient  # same app and database, for logging in and checking state


@pytest.fixture
def server(limited: Settings, clean_db: Stores, users) -> Iterator[Server]:
    """The real app under uvicorn on a free port, in a thread of this process."""
    app = create_app(limited, clean_db)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, name="limits-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not uv.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start within 60 s"
        time.sleep(0.05)
    try:
        yield Server(port, TestClient(app))
    finally:
        uv.should_exit = True
        thread.join(timeout=15)


def _head(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], Any]:
    """Status, headers and JSON body of one response (sized by Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    while len(body) < int(headers["content-length"]):
        chunk = sock.recv(65536)
        assert chunk, "connection closed inside the body"
        body += chunk
    return int(status_line.split()[1]), headers, json.loads(body)


@pytest.fixture
def spooled(monkeypatch: pytest.MonkeyPatch) -> list[SpooledTemporaryFile[bytes]]:
    """Every file Starlette's multipart parser opens for an upload part (memory first, then a
    temporary file on disk past 1 MB), recorded; the server runs in this process."""
    opened: list[SpooledTemporaryFile[bytes]] = []

    class Recorded(SpooledTemporaryFile):  # type: ignore[type-arg]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            opened.append(self)

    monkeypatch.setattr(formparsers, "SpooledTemporaryFile", Recorded)
    return opened


def test_anonymous_1_gb_upload_is_refused_from_its_headers_without_touching_disk(
    server: Server, spooled: list[SpooledTemporaryFile[bytes]]
):
    gigabyte = {
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "Content-Length": str(1024**3),
    }
    for credentials in ({}, {"Authorization": "Bearer forged"}, {"Cookie": "luna_token=x"}):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            started = time.perf_counter()
            sock.sendall(_head("/ingest", {**gigabyte, **credentials}))  # no byte of the body
            status, headers, body = _read_response(sock)
            elapsed = time.perf_counter() - started
        assert status == 401, body
        assert body["error"] == "unauthorized"
        assert headers["www-authenticate"] == "Bearer"
        assert elapsed < 1.0, f"{elapsed * 1000:.0f} ms"  # ~5 ms here; generous for busy CI
    assert spooled == []  # no part was even opened: the body was never read


def test_streamed_upload_over_the_limit_gets_413_naming_it(
    server: Server, spooled: list[SpooledTemporaryFile[bytes]], clean_db: Stores
):
    """Chunked, so there is no Content-Length to judge by: the bytes are counted."""
    admin = login(server.client, "monika")
    part_head = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="files"; filename="big.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    headers = {
        **admin,
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "Transfer-Encoding": "chunked",
    }
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(_head("/ingest", headers))
        sock.sendall(f"{len(part_head):x}\r\n".encode() + part_head + b"\r\n")
        chunk = b"a" * 16 * 1024
        for _ in range(UPLOAD_LIMIT // len(chunk) + 2):  # just past the limit, then wait
            sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        status, _, body = _read_response(sock)
    assert status == 413, body
    assert body["error"] == "too_large"
    assert body["detail"]["limit"] == "LUNA_REQUEST_MAX_UPLOAD_BYTES"
    assert body["detail"]["max_bytes"] == UPLOAD_LIMIT
    assert len(spooled) == 1
    assert spooled[0].closed  # the part's spool was dropped with the refusal
    with clean_db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Item)) == 0
    assert server.client.get("/health").status_code == 200


def test_declared_json_body_over_the_limit_is_refused_before_reading(server: Server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            _head("/auth/token", {"Content-Type": "application/json", "Content-Length": "99999"})
        )
        status, _, body = _read_response(sock)
    assert status == 413
    assert body["detail"]["limit"] == "LUNA_REQUEST_MAX_JSON_BYTES"
    assert body["detail"]["max_bytes"] == JSON_LIMIT


def test_a_false_content_length_does_not_get_a_large_body_past_the_count(
    limited: Settings, clean_db: Stores, users
):
    """At the ASGI level (what an HTTP/2 or a buggy front server may hand over) the declared
    length can understate the body; the count of received bytes still applies."""
    with TestClient(create_app(limited, clean_db)) as client:
        admin = login(client, "monika")
        too_long = json.dumps({"readings": [{"meter_id": "M-1"}] * 2000}).encode()
        assert len(too_long) > JSON_LIMIT
        response = client.post(
            "/data/smart_meter",
            content=too_long,
            headers={**admin, "Content-Type": "application/json", "Content-Length": "20"},
        )
        assert response.status_code == 413, response.text
        assert response.json()["detail"]["limit"] == "LUNA_REQUEST_MAX_JSON_BYTES"
        small_upload = client.post(
            "/ingest", files=[("files", ("a.txt", b"Hallo Welt", "text/plain"))], headers=admin
        )
        assert small_upload.status_code == 201, small_upload.text  # under both limits
