"""feed status: the live feed's status and heartbeat, readable by every API replica

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 10:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """``feed_status``: one row per live feed, upserted every few seconds by the process that
    runs it (``luna feed`` or ``luna serve``), so every API replica shows the feed's state and
    sees from the heartbeat when its process is gone (``luna.connectors.feed``)."""
    op.create_table(
        "feed_status",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("process", sa.String(length=128), nullable=False),
        sa.Column(
            "status",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "heartbeat_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_feed_status")),
    )


def downgrade() -> None:
    op.drop_table("feed_status")
