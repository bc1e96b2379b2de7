"""learning cycles, learned states, curated pairs

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 08:10:00.000000

"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EMPTY = sa.text("'{}'::jsonb")


def _now(name: str) -> sa.Column[datetime]:
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _json(name: str) -> sa.Column[Any]:
    return sa.Column(name, postgresql.JSONB(), server_default=_EMPTY, nullable=False)


def upgrade() -> None:
    """Learning cycles (the audit record), versioned learned states, curated Q&A pairs."""
    op.create_table(
        "learning_cycles",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=True),
        sa.Column("progress", sa.Float(), server_default="0", nullable=False),
        sa.Column("started_by", sa.String(length=100), nullable=True),
        _now("started_at"),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        _json("inputs"),
        _json("outputs"),
        _json("eval_before"),
        _json("eval_after"),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("rolled_back_by", sa.String(length=100), nullable=True),
        sa.Column("rolled_back_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'activated', 'rejected', 'failed', 'cancelled')",
            name=op.f("ck_learning_cycles_status"),
        ),
        sa.CheckConstraint(
            "kind IN ('full', 'weights', 'adapter', 'rollback')",
            name=op.f("ck_learning_cycles_kind"),
        ),
        sa.CheckConstraint(
            "progress >= 0 AND progress <= 1", name=op.f("ck_learning_cycles_progress")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_cycles")),
    )
    # The database itself refuses a second running cycle (the API turns that into 409).
    op.create_index(
        "uq_learning_cycles_one_running",
        "learning_cycles",
        ["status"],
        unique=True,
        postgresql_where=sa.text("status = 'running'"),
    )

    op.create_table(
        "learned_states",
        sa.Column("version", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("cycle_id", sa.BigInteger(), nullable=True),
        _now("created_at"),
        sa.Column("active", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        _json("chunk_weights"),
        _json("item_weights"),
        sa.Column("adapter", sa.LargeBinary(), nullable=True),
        sa.Column("adapter_dim", sa.Integer(), nullable=True),
        _json("params"),
        _json("stats"),
        sa.CheckConstraint(
            "(adapter IS NULL) = (adapter_dim IS NULL) AND "
            "(adapter_dim IS NULL OR octet_length(adapter) = 4 * adapter_dim * (adapter_dim + 1))",
            name=op.f("ck_learned_states_adapter_shape"),
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["learning_cycles.id"],
            name=op.f("fk_learned_states_cycle_id_learning_cycles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_learned_states")),
    )
    op.create_index(
        "uq_learned_states_one_active",
        "learned_states",
        ["active"],
        unique=True,
        postgresql_where=sa.text("active"),
    )

    op.create_table(
        "curated_pairs",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("item_id", sa.UUID(), nullable=True),
        sa.Column("chunk_id", sa.BigInteger(), nullable=True),
        sa.Column("answer_id", sa.UUID(), nullable=True),
        sa.Column("knowledge_item_id", sa.UUID(), nullable=True),
        _json("provenance"),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        _now("created_at"),
        sa.CheckConstraint(
            "length(question) >= 3 AND length(answer) >= 1",
            name=op.f("ck_curated_pairs_not_empty"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_curated_pairs_item_id_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["chunk_id"],
            ["item_chunks.id"],
            name=op.f("fk_curated_pairs_chunk_id_item_chunks"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["knowledge_item_id"],
            ["items.id"],
            name=op.f("fk_curated_pairs_knowledge_item_id_items"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_curated_pairs")),
    )


def downgrade() -> None:
    """Drop the learning tables."""
    op.drop_table("curated_pairs")
    op.drop_index("uq_learned_states_one_active", table_name="learned_states")
    op.drop_table("learned_states")
    op.drop_index("uq_learning_cycles_one_running", table_name="learning_cycles")
    op.drop_table("learning_cycles")
