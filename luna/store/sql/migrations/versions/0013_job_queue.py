"""job queue: procrastinate's schema and job progress

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-09 10:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What procrastinate's schema.sql creates, for the downgrade (its functions are found by name).
PROCRASTINATE_TABLES = (
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_jobs",
    "procrastinate_workers",
)
PROCRASTINATE_TYPES = (
    "procrastinate_job_to_defer_v1",
    "procrastinate_job_event_type",
    "procrastinate_job_status",
)


def _run_script(sql: str) -> None:
    """Run a multi-statement SQL script on the migration's connection and transaction.

    Through the DB-API cursor without parameters, so psycopg neither splits the script nor
    reads the ``%`` in its PL/pgSQL ``RAISE`` messages as placeholders.
    """
    connection = op.get_bind().connection.dbapi_connection
    assert connection is not None
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def upgrade() -> None:
    """procrastinate's tables, functions and triggers (the schema the pinned version ships,
    applied once: a database that has them already is left as it is), and ``job_progress``
    beside them. A later procrastinate version is taken up by a migration that applies its
    shipped ``sql/migrations/*.sql`` from this version on, never by re-running this one."""
    from procrastinate.schema import SchemaManager

    exists = op.get_bind().scalar(sa.text("SELECT to_regclass('procrastinate_jobs')"))
    if exists is None:
        _run_script(SchemaManager.get_schema())
    op.create_table(
        "job_progress",
        sa.Column("job_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "done >= 0 AND (total IS NULL OR total >= 0)", name=op.f("ck_job_progress_counts")
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["procrastinate_jobs.id"],
            name=op.f("fk_job_progress_job_id_procrastinate_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_job_progress")),
    )


def downgrade() -> None:
    op.drop_table("job_progress")
    for table in PROCRASTINATE_TABLES:
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    _run_script(
        """
        DO $$
        DECLARE fn regprocedure;
        BEGIN
            FOR fn IN
                SELECT p.oid::regprocedure FROM pg_proc p
                JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%'
            LOOP
                EXECUTE 'DROP FUNCTION ' || fn::text || ' CASCADE';
            END LOOP;
        END $$;
        """
    )
    for type_name in PROCRASTINATE_TYPES:
        op.execute(f"DROP TYPE IF EXISTS {type_name} CASCADE")
