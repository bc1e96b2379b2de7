"""A PostgreSQL with pgvector for the postgres vector backend's tests.

The machine's PostgreSQL 15 (the shared test server) has no pgvector, so these tests start the
embedded profile's own server, pgserver (PostgreSQL 16 + pgvector 0.6), once per session and
only when a test asks for it. ``LUNA_TEST_PGVECTOR_URL`` points them at another server with
pgvector instead (e.g. a timescale/timescaledb-ha container).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url


@pytest.fixture(scope="session")
def pgvector_url() -> Iterator[str]:
    """SQLAlchemy URL of a PostgreSQL server (its maintenance database) with pgvector."""
    if url := os.environ.get("LUNA_TEST_PGVECTOR_URL"):
        yield url
        return
    pgserver = pytest.importorskip("pgserver")
    # Not under pytest's tmp dir: run as root, pgserver runs PostgreSQL as its own user, which
    # must reach the data directory (pytest's /tmp/pytest-of-root is root-only).
    data = tempfile.mkdtemp(prefix="luna-pgvector-")
    server = pgserver.get_server(data, cleanup_mode="stop")
    try:
        yield server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        server.cleanup()
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def pgvector_engine(pgvector_url: str) -> Iterator[Engine]:
    engine = create_engine(pgvector_url, pool_size=4)
    yield engine
    engine.dispose()


def database_on(server_url: str) -> tuple[str, Engine]:
    """A new, empty database on ``server_url``: its URL and an admin engine to drop it with."""
    name = f"luna_vec_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return make_url(server_url).set(database=name).render_as_string(hide_password=False), admin
