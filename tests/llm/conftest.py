"""Fixtures for the model runtime: the bundled GGUF assembled once per session, a fake Ollama.

The real model costs ~5 s to assemble and seconds per answer on two cores, so the tests that
use it (marked ``slow``) share one assembled file and one loaded instance, with short prompts.
One llama.cpp thread: on two cores shared with other work, two threads ran up to 8x slower.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from luna.config import Settings
from luna.llm.bundled_model import ensure_bundled_model
from luna.llm.llama_cpp_chat import LlamaCppChatModel


@pytest.fixture(scope="session")
def model_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A LUNA_HOME for model tests; the GGUF itself lives in the user's shared model cache.

    The cache (``LUNA_MODELS_DIR`` or ~/.cache/luna/models) is the one ``luna demo setup`` and
    the API use, so the 1.1 GB file is assembled once per machine, not once per test run.
    """
    home = tmp_path_factory.mktemp("llm-home")
    ensure_bundled_model(Settings(_env_file=None).model_cache_dir)  # type: ignore[call-arg]
    return home


@pytest.fixture(scope="session")
def model_settings(model_home: Path) -> Settings:
    return Settings(home=model_home, llm_threads=1, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def chat_model(model_settings: Settings) -> LlamaCppChatModel:
    from luna.llm.factory import build_chat_model

    model = build_chat_model(model_settings)
    assert isinstance(model, LlamaCppChatModel)
    return model.model_copy(update={"temperature": 0.0, "max_tokens": 24, "seed": 7})


class _FakeOllama(BaseHTTPRequestHandler):
    models: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        if self.path != "/api/tags":
            self.send_error(404)
            return
        body = json.dumps({"models": [{"name": m, "model": m} for m in self.models]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def fake_ollama() -> Iterator[str]:
    """URL of an HTTP server that answers /api/tags like an Ollama with two models pulled."""
    handler = type("Handler", (_FakeOllama,), {"models": ["qwen2.5:7b", "nomic-embed-text:latest"]})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """URL of a port that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


@pytest.fixture
def refused_url() -> str:
    """A localhost URL on which nothing listens (connection refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
