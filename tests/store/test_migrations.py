"""Alembic migrations run up and down on the real PostgreSQL server."""

from __future__ import annotations

import uuid

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from luna.store.sql import migrate
from luna.store.sql.models import Base


def test_migrations_upgrade_creates_every_table_and_downgrade_removes_them(pg_server_url: str):
    name = f"luna_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(pg_server_url).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        assert migrate.current_revision(url) is not None
        engine = create_engine(url)
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables

        migrate.downgrade(url, "base")
        assert migrate.current_revision(url) is None
        remaining = set(inspect(engine).get_table_names()) - {"alembic_version"}
        with engine.connect() as conn:
            enum_types = conn.execute(text("SELECT typname FROM pg_type WHERE typtype = 'e'"))
            leftover_enums = {row[0] for row in enum_types}
        engine.dispose()
        assert remaining == set()
        assert leftover_enums == set()

        migrate.upgrade(url)  # and up again: downgrade left nothing behind that blocks it
        assert migrate.current_revision(url) is not None
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_schema_matches_models_after_migration(database_url: str):
    """Autogenerate finds no difference: the migration and the models agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    def ours(obj, name, type_, reflected, compare_to):
        # LangGraph's checkpointer (checkpoint*) and procrastinate (procrastinate_*) keep their
        # own tables in the same database; job_progress's key into procrastinate_jobs is a
        # foreign key the models cannot name (see luna.store.sql.models.JobProgress).
        if type_ == "table" and reflected and name not in Base.metadata.tables:
            return False
        return not (
            type_ == "foreign_key_constraint"
            and reflected
            and obj.referred_table.name not in Base.metadata.tables
        )

    engine = create_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": ours})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []
