"""stored forecasts

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 10:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Precomputed forecasts per target (meter and kind, or price zone) and horizon, which
    ``GET /data/forecast`` serves instead of computing one per request."""
    op.create_table(
        "stored_forecasts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("meter_id", sa.String(length=64), nullable=True),
        sa.Column("zone", sa.String(length=16), nullable=True),
        sa.Column("horizon_hours", sa.SmallInteger(), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("step_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("mae", sa.Float(), nullable=True),
        sa.Column("points", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("based_on", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "computed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('consumption', 'pv', 'price')", name=op.f("ck_stored_forecasts_kind")
        ),
        sa.CheckConstraint(
            "CASE WHEN kind = 'price' THEN meter_id IS NULL AND zone IS NOT NULL"
            " ELSE meter_id IS NOT NULL AND zone IS NULL END",
            name=op.f("ck_stored_forecasts_target"),
        ),
        sa.CheckConstraint(
            "horizon_hours BETWEEN 1 AND 168", name=op.f("ck_stored_forecasts_horizon_hours")
        ),
        sa.CheckConstraint(
            "step_minutes BETWEEN 1 AND 1440", name=op.f("ck_stored_forecasts_step_minutes")
        ),
        sa.ForeignKeyConstraint(
            ["meter_id"],
            ["meters.meter_id"],
            name=op.f("fk_stored_forecasts_meter_id_meters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_forecasts")),
        sa.UniqueConstraint(
            "kind",
            "meter_id",
            "zone",
            "horizon_hours",
            name="uq_stored_forecasts_target",
            postgresql_nulls_not_distinct=True,
        ),
    )


def downgrade() -> None:
    op.drop_table("stored_forecasts")
