"""playbooks

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 03:40:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EMPTY = sa.text("'{}'::jsonb")


def upgrade() -> None:
    """Playbooks with their inputs, prompt version and model (playbook issue)."""
    op.create_table(
        "playbooks",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("meter_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("request", postgresql.JSONB(), server_default=_EMPTY, nullable=False),
        sa.Column("inputs", postgresql.JSONB(), server_default=_EMPTY, nullable=False),
        sa.Column("result", postgresql.JSONB(), nullable=True),
        sa.Column("prompt", sa.String(length=140), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("review", sa.String(length=16), server_default="open", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('load_shift', 'battery', 'tariff_check', 'anomaly')",
            name=op.f("ck_playbooks_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'running', 'ready', 'failed')", name=op.f("ck_playbooks_status")
        ),
        sa.CheckConstraint(
            "review IN ('open', 'accepted', 'dismissed')", name=op.f("ck_playbooks_review")
        ),
        sa.ForeignKeyConstraint(
            ["meter_id"],
            ["meters.meter_id"],
            name=op.f("fk_playbooks_meter_id_meters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_playbooks_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playbooks")),
    )
    op.create_index(op.f("ix_playbooks_meter_id"), "playbooks", ["meter_id"], unique=False)
    op.create_index("ix_playbooks_user_created", "playbooks", ["user_id", "created_at"])


def downgrade() -> None:
    """Drop the playbooks table."""
    op.drop_index("ix_playbooks_user_created", table_name="playbooks")
    op.drop_index(op.f("ix_playbooks_meter_id"), table_name="playbooks")
    op.drop_table("playbooks")
