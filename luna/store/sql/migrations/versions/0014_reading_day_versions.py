"""reading day versions: a per meter and UTC day change stamp, kept by triggers

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10 10:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One row per meter and UTC day that ever had a reading; its version is the id of the last
# transaction that inserted, changed or deleted a reading of that day. After the first row of
# a day in a transaction, the ON CONFLICT finds the version already current and writes nothing.
_ROW_FUNCTION = """
CREATE FUNCTION reading_day_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO reading_day_versions AS v (meter_id, day, version)
        VALUES (OLD.meter_id, (OLD.ts AT TIME ZONE 'UTC')::date, txid_current())
        ON CONFLICT (meter_id, day) DO UPDATE SET version = EXCLUDED.version
        WHERE v.version <> EXCLUDED.version;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (
        OLD.meter_id <> NEW.meter_id
        OR (OLD.ts AT TIME ZONE 'UTC')::date <> (NEW.ts AT TIME ZONE 'UTC')::date
    )) THEN
        INSERT INTO reading_day_versions AS v (meter_id, day, version)
        VALUES (NEW.meter_id, (NEW.ts AT TIME ZONE 'UTC')::date, txid_current())
        ON CONFLICT (meter_id, day) DO UPDATE SET version = EXCLUDED.version
        WHERE v.version <> EXCLUDED.version;
    END IF;
    RETURN NULL;
END
$$
"""
# TRUNCATE fires no row triggers: every day that had readings gets a new version.
_TRUNCATE_FUNCTION = """
CREATE FUNCTION reading_days_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE reading_day_versions SET version = txid_current();
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    """The table, its triggers on ``smart_meter_readings`` (row triggers work on plain tables
    and TimescaleDB hypertables alike), and a version for every day that has readings now."""
    op.create_table(
        "reading_day_versions",
        sa.Column("meter_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("meter_id", "day", name=op.f("pk_reading_day_versions")),
    )
    op.execute(_ROW_FUNCTION)
    op.execute(_TRUNCATE_FUNCTION)
    op.execute(
        "CREATE TRIGGER reading_day_changed AFTER INSERT OR UPDATE OR DELETE"
        " ON smart_meter_readings FOR EACH ROW EXECUTE FUNCTION reading_day_changed()"
    )
    op.execute(
        "CREATE TRIGGER reading_days_truncated AFTER TRUNCATE"
        " ON smart_meter_readings FOR EACH STATEMENT EXECUTE FUNCTION reading_days_truncated()"
    )
    op.execute(
        "INSERT INTO reading_day_versions (meter_id, day, version)"
        " SELECT meter_id, (ts AT TIME ZONE 'UTC')::date, txid_current()"
        " FROM smart_meter_readings GROUP BY 1, 2"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS reading_days_truncated ON smart_meter_readings")
    op.execute("DROP TRIGGER IF EXISTS reading_day_changed ON smart_meter_readings")
    op.execute("DROP FUNCTION IF EXISTS reading_days_truncated()")
    op.execute("DROP FUNCTION IF EXISTS reading_day_changed()")
    op.drop_table("reading_day_versions")
