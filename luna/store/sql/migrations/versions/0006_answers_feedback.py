"""answers and feedback

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 07:45:00.000000

"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EMPTY_LIST = sa.text("'[]'::jsonb")
_EMPTY_OBJECT = sa.text("'{}'::jsonb")


def _timestamp(name: str) -> sa.Column[datetime]:
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    """Every answer a user received, and their votes on answers and playbooks (feedback issue)."""
    op.create_table(
        "answers",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("chunk_ids", postgresql.JSONB(), server_default=_EMPTY_LIST, nullable=False),
        sa.Column("item_ids", postgresql.JSONB(), server_default=_EMPTY_LIST, nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=True),
        sa.Column("prompt", sa.String(length=140), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column(
            "learned_state", postgresql.JSONB(), server_default=_EMPTY_OBJECT, nullable=False
        ),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        _timestamp("created_at"),
        sa.CheckConstraint("channel IN ('rag', 'chat')", name=op.f("ck_answers_channel")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_answers_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
    )
    op.create_index("ix_answers_created_at", "answers", ["created_at"])
    op.create_index("ix_answers_user_created", "answers", ["user_id", "created_at"])

    op.create_table(
        "feedback",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("user_key", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("vote", sa.SmallInteger(), nullable=False),
        sa.Column("reasons", postgresql.JSONB(), server_default=_EMPTY_LIST, nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("dwell_ms", sa.Integer(), nullable=True),
        sa.Column("time_to_feedback_ms", sa.Integer(), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.CheckConstraint(
            "target_type IN ('answer', 'playbook')", name=op.f("ck_feedback_target_type")
        ),
        sa.CheckConstraint("vote IN (-1, 1)", name=op.f("ck_feedback_vote")),
        sa.CheckConstraint(
            "dwell_ms IS NULL OR dwell_ms >= 0", name=op.f("ck_feedback_dwell_nonnegative")
        ),
        sa.CheckConstraint(
            "time_to_feedback_ms IS NULL OR time_to_feedback_ms >= 0",
            name=op.f("ck_feedback_time_to_feedback_nonnegative"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_feedback_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("user_id", "target_type", "target_id", name="uq_feedback_user_target"),
    )
    op.create_index("ix_feedback_target", "feedback", ["target_type", "target_id"])
    op.create_index("ix_feedback_updated_at", "feedback", ["updated_at"])


def downgrade() -> None:
    """Drop the feedback and answers tables."""
    op.drop_index("ix_feedback_updated_at", table_name="feedback")
    op.drop_index("ix_feedback_target", table_name="feedback")
    op.drop_table("feedback")
    op.drop_index("ix_answers_user_created", table_name="answers")
    op.drop_index("ix_answers_created_at", table_name="answers")
    op.drop_table("answers")
