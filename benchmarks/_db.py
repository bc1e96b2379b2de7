"""A throwaway, migrated database for one benchmark run, dropped afterwards.

The server comes from LUNA_BENCH_DATABASE_URL (default: the PostgreSQL server on
127.0.0.1:5432, trust authentication).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from luna.store.sql import migrate

SERVER = os.environ.get(
    "LUNA_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def throwaway_database() -> Iterator[str]:
    """Yield the SQLAlchemy URL of a fresh database at the schema's head revision."""
    name = f"luna_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(SERVER).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
