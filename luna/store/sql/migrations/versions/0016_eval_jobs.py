"""eval jobs: an eval run knows its job on the queue

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 14:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """``eval_runs.job_id``: the queue job that executes the run (``GET /jobs/{id}``), which the
    evals API cancels and whose failure or cancel it shows while the run row still says
    ``running``. ``ON DELETE SET NULL``: deleting finished jobs keeps the run and its results.
    Runs of ``luna eval run`` execute in the CLI's process and have none."""
    op.add_column("eval_runs", sa.Column("job_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_eval_runs_job_id_procrastinate_jobs"),
        "eval_runs",
        "procrastinate_jobs",
        ["job_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(op.f("ix_eval_runs_job_id"), "eval_runs", ["job_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_eval_runs_job_id"), table_name="eval_runs")
    op.drop_constraint(
        op.f("fk_eval_runs_job_id_procrastinate_jobs"), "eval_runs", type_="foreignkey"
    )
    op.drop_column("eval_runs", "job_id")
