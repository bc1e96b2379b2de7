"""chat threads

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 03:40:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Chat threads per user (agent and chat issue); messages live in the checkpointer."""
    op.create_table(
        "chat_threads",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "id ~ '^[A-Za-z0-9_\\-]{1,64}$'", name=op.f("ck_chat_threads_id_format")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_chat_threads_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_threads")),
    )
    op.create_index(
        "ix_chat_threads_user_updated", "chat_threads", ["user_id", "updated_at"], unique=False
    )


def downgrade() -> None:
    """Drop the chat threads index table (checkpointed messages stay until deleted)."""
    op.drop_index("ix_chat_threads_user_updated", table_name="chat_threads")
    op.drop_table("chat_threads")
