"""eval runs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 03:40:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EMPTY = sa.text("'{}'::jsonb")


def _json(name: str) -> sa.Column[object]:
    return sa.Column(
        name, postgresql.JSONB(astext_type=sa.Text()), server_default=_EMPTY, nullable=False
    )


def upgrade() -> None:
    """Eval runs and their per-case results; example variables on prompt versions."""
    op.add_column("prompt_versions", _json("examples"))
    op.create_table(
        "eval_runs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("suite", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _json("config"),
        _json("prompts"),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("git_revision", sa.String(length=64), nullable=True),
        _json("metrics"),
        sa.Column("cases_total", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'done', 'cancelled', 'failed')",
            name=op.f("ck_eval_runs_status"),
        ),
        sa.CheckConstraint(
            "suite IN ('retrieval', 'qa', 'routing', 'playbook')",
            name=op.f("ck_eval_runs_suite"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eval_runs")),
    )
    op.create_table(
        "eval_results",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("case_id", sa.String(length=100), nullable=False),
        _json("metrics"),
        sa.Column("passed", sa.Boolean(), nullable=True),
        _json("detail"),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["eval_runs.id"],
            name=op.f("fk_eval_results_run_id_eval_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eval_results")),
        sa.UniqueConstraint("run_id", "case_id", name="uq_eval_results_run_case"),
    )


def downgrade() -> None:
    """Drop the eval tables and the prompt examples column."""
    op.drop_table("eval_results")
    op.drop_table("eval_runs")
    op.drop_column("prompt_versions", "examples")
