"""Emptying the stores after a test or a module: the SQL tables, the vectors and the objects.

Only the tables holding a row are truncated (a few ms; truncating all 29 takes 0.14 s, and this
runs after some 1,800 tests), and every sequence restarts, written or not, since a rolled-back
insert moves it too. Vectors and objects are deleted with the rows, else they would show up as
drift between the stores.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from luna.store.factory import Stores
from luna.store.sql.models import Base

# procrastinate's tables are not in our models; emptying its jobs empties job_progress too.
PROCRASTINATE_TABLES = (
    "procrastinate_jobs",
    "procrastinate_workers",
    "procrastinate_periodic_defers",
)
TABLES = tuple(t.name for t in reversed(Base.metadata.sorted_tables)) + PROCRASTINATE_TABLES
_ANY_ROW = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM {t})" for t in TABLES)
_RESTART_SEQUENCES = text(
    "SELECT setval(c.oid, 1, false) FROM pg_class c"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind = 'S' AND n.nspname = current_schema()"
)


def written_tables(conn: Connection) -> list[str]:
    """The tables holding any row."""
    return list(conn.execute(text(_ANY_ROW)).scalars())


def empty_tables(stores: Stores) -> None:
    with stores.engine.begin() as conn:
        if written := written_tables(conn):
            conn.execute(text(f"TRUNCATE {', '.join(written)} CASCADE"))
        conn.execute(_RESTART_SEQUENCES)


def empty_stores(stores: Stores) -> None:
    """Every table, vector and object gone, as after a fresh migration."""
    empty_tables(stores)
    if stores._vectors is not None and (points := stores._vectors.point_ids()):
        stores._vectors.delete_points(sorted(points))
    if stores._objects is not None:
        for key in stores._objects.list():
            stores._objects.delete(key)
