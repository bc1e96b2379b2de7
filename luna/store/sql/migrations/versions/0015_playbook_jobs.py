"""playbook jobs: a playbook knows its job on the queue, and may end cancelled

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-10 10:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """``playbooks.job_id``: the queue job that generates it (``GET /jobs/{id}``), whose live
    state and progress the playbook API reads. ``ON DELETE SET NULL``: deleting finished jobs
    from the queue keeps the playbook, which holds its own final state. A cancelled job ends
    its playbook ``cancelled``."""
    op.add_column("playbooks", sa.Column("job_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_playbooks_job_id_procrastinate_jobs"),
        "playbooks",
        "procrastinate_jobs",
        ["job_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(op.f("ix_playbooks_job_id"), "playbooks", ["job_id"])
    op.drop_constraint(op.f("ck_playbooks_status"), "playbooks", type_="check")
    op.create_check_constraint(
        op.f("ck_playbooks_status"),
        "playbooks",
        "status IN ('pending', 'running', 'ready', 'failed', 'cancelled')",
    )


def downgrade() -> None:
    op.execute("UPDATE playbooks SET status = 'failed' WHERE status = 'cancelled'")
    op.drop_constraint(op.f("ck_playbooks_status"), "playbooks", type_="check")
    op.create_check_constraint(
        op.f("ck_playbooks_status"),
        "playbooks",
        "status IN ('pending', 'running', 'ready', 'failed')",
    )
    op.drop_index(op.f("ix_playbooks_job_id"), table_name="playbooks")
    op.drop_constraint(
        op.f("fk_playbooks_job_id_procrastinate_jobs"), "playbooks", type_="foreignkey"
    )
    op.drop_column("playbooks", "job_id")
