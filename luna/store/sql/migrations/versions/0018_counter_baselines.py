"""counter baselines: a meter's last energy counter values survive a connector restart

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 18:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """``counter_baselines``: per connector and meter, the raw counter values at the last
    stored step and the energies of the intervals not yet written, upserted with the readings
    they produced; a restarted Modbus/OPC-UA connector goes on from them instead of losing the
    interval it restarted in (``luna.connectors.counter_connector``)."""
    op.create_table(
        "counter_baselines",
        sa.Column("connector", sa.String(length=64), nullable=False),
        sa.Column("meter_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("interval_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("import_raw", sa.Float(), nullable=True),
        sa.Column("export_raw", sa.Float(), nullable=True),
        sa.Column("import_kwh", sa.Float(), nullable=True),
        sa.Column("export_kwh", sa.Float(), nullable=True),
        sa.Column(
            "open_intervals",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("first_interval", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "interval_minutes BETWEEN 1 AND 60", name=op.f("ck_counter_baselines_interval_minutes")
        ),
        sa.ForeignKeyConstraint(
            ["meter_id"],
            ["meters.meter_id"],
            name=op.f("fk_counter_baselines_meter_id_meters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("connector", "meter_id", name=op.f("pk_counter_baselines")),
    )


def downgrade() -> None:
    op.drop_table("counter_baselines")
