"""Fault injection: the real app over the real stores, and ways to break a backend mid-request.

A PostgreSQL "restart" terminates every backend of the test database (the server stays up, so
the next connection succeeds, as after a quick restart); the chat model's faults fire from
inside its token stream, after a few tokens have gone out.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.embeddings import Embeddings
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from sqlalchemy.engine import make_url

from luna.api.app import create_app
from luna.config import Settings
from luna.store.factory import Stores
from tests.api.conftest import users
from tests.scripted_model import ScriptedModel

__all__ = ["FaultyModel", "app_client", "embeddings", "model", "restart_database", "users"]


_OTHERS = "datname = current_database() AND pid <> pg_backend_pid()"


def restart_database(database_url: str, *, quiet_within_s: float = 5.0) -> int:
    """Terminate every other backend of the database and wait until each has exited; returns
    how many were terminated. Pooled connections are dead afterwards, the server is up.

    It first waits (up to ``quiet_within_s``) until no other client runs a statement, so the
    restart lands between statements, deterministically (an open transaction is still cut)."""
    conninfo = make_url(database_url).set(drivername="postgresql")
    with psycopg.connect(conninfo.render_as_string(hide_password=False), autocommit=True) as conn:
        deadline = time.monotonic() + quiet_within_s
        while time.monotonic() < deadline:
            running = conn.execute(
                f"SELECT count(*) FROM pg_stat_activity WHERE {_OTHERS} "
                "AND backend_type = 'client backend' AND state = 'active'"
            ).fetchone()
            if running is not None and running[0] == 0:
                break
            time.sleep(0.01)
        row = conn.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) "
            f"FROM pg_stat_activity WHERE {_OTHERS}"
        ).fetchone()
    assert row is not None
    return int(row[0])


class FaultyModel(ScriptedModel):
    """A scripted model whose stream calls ``fault`` after ``fault_after`` tokens of the next
    reply (once): a fault may raise, as a killed model process does, or break something else."""

    fault_after: int = 3
    fault: Callable[[], None] | None = None

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        chunks = super()._stream(messages, stop, run_manager, **kwargs)
        for sent, chunk in enumerate(chunks, start=1):
            yield chunk
            if sent == self.fault_after and self.fault is not None:
                fault, self.fault = self.fault, None
                fault()


@pytest.fixture
def model() -> FaultyModel:
    return FaultyModel(script=[])


@pytest.fixture
def embeddings() -> Embeddings | None:
    """The app's embedding model: None keeps the configured one (override it per module)."""
    return None


@pytest.fixture
def app_client(
    settings: Settings, clean_db: Stores, model: FaultyModel, embeddings: Embeddings | None
) -> Iterator[TestClient]:
    """The app with the faulty model. Small chunks, two embedded per batch: a short upload
    writes its vectors in more than one batch."""
    tuned = settings.model_copy(
        update={"chunk_max_tokens": 48, "chunk_overlap_tokens": 0, "embed_batch_size": 2}
    )
    with TestClient(create_app(tuned, clean_db)) as client:
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        runtime.chat_model = model
        if embeddings is not None:
            runtime.embeddings = embeddings
        yield client
