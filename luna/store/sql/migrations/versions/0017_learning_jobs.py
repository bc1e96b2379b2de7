"""learning jobs: a learning cycle knows its job on the queue

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 16:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """``learning_cycles.job_id``: the queue job that executes the cycle (``GET /jobs/{id}``),
    which the learning API cancels and whose failure or cancel it shows while the cycle row
    still says ``running``. ``ON DELETE SET NULL``: deleting finished jobs keeps the cycle, its
    audit record. Cycles of ``luna learn run`` and rollback audit rows have none."""
    op.add_column("learning_cycles", sa.Column("job_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_learning_cycles_job_id_procrastinate_jobs"),
        "learning_cycles",
        "procrastinate_jobs",
        ["job_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(op.f("ix_learning_cycles_job_id"), "learning_cycles", ["job_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_learning_cycles_job_id"), table_name="learning_cycles")
    op.drop_constraint(
        op.f("fk_learning_cycles_job_id_procrastinate_jobs"), "learning_cycles", type_="foreignkey"
    )
    op.drop_column("learning_cycles", "job_id")
