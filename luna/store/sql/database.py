"""Engine and session construction, including the embedded PostgreSQL (pgserver).

The embedded profile runs the same PostgreSQL dialect as production: when no database URL is
configured, a bundled PostgreSQL 16 server is started on ``LUNA_HOME/pg``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session, sessionmaker

from luna.config import Settings

_embedded_lock = threading.Lock()
_embedded_servers: dict[str, Any] = {}


def _embedded_url(settings: Settings) -> str:
    """Start (or attach to) the embedded PostgreSQL and return its SQLAlchemy URL."""
    import pgserver

    data_dir = settings.pg_data_dir.resolve()
    with _embedded_lock:
        server = _embedded_servers.get(str(data_dir))
        if server is None:
            data_dir.mkdir(parents=True, exist_ok=True)
            server = pgserver.get_server(  # type: ignore[attr-defined]
                str(data_dir), cleanup_mode="stop"
            )
            _embedded_servers[str(data_dir)] = server
    uri: str = server.get_uri()
    return uri.replace("postgresql://", "postgresql+psycopg://", 1)


def database_url(settings: Settings) -> str:
    """The SQLAlchemy URL to use: the configured server, else the embedded one."""
    if settings.database_url:
        url = make_url(settings.database_url)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)
    return _embedded_url(settings)


def libpq_url(settings: Settings) -> str:
    """The same database as a libpq URL, for the psycopg pools that do not go through
    SQLAlchemy (the LangGraph checkpointer, the job queue)."""
    url = make_url(database_url(settings)).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def create_db_engine(settings: Settings, **kwargs: Any) -> Engine:
    options: dict[str, Any] = {
        "pool_size": settings.db_pool_size,
        "pool_pre_ping": True,
        "connect_args": {"connect_timeout": 5},
    }
    options.update(kwargs)
    return create_engine(database_url(settings), **options)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A transaction: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def timescaledb_available(conn: Connection) -> bool:
    """Whether the TimescaleDB extension can be (or is) installed on this server."""
    row = conn.execute(
        text("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'")
    ).first()
    return row is not None


def timescaledb_installed(conn: Connection) -> bool:
    row = conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")).first()
    return row is not None


STARTUP_LOCK = 0x4C554E41_5354  # "LUNA" "ST": one process at a time sets up shared state


@contextmanager
def one_process_at_a_time(engine: Engine, key: int = STARTUP_LOCK) -> Iterator[None]:
    """Run the block while holding a PostgreSQL advisory lock, so that processes starting
    together on one database (API replicas) do their first-time setup one after another.

    The lock is taken by polling ``pg_try_advisory_lock`` on an autocommit connection, never
    by waiting inside a statement: a waiting statement holds a snapshot, and the holder's
    ``CREATE INDEX CONCURRENTLY`` (the checkpointer's migrations) waits for every older
    snapshot, which would deadlock the two.
    """
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            time.sleep(0.05)
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
