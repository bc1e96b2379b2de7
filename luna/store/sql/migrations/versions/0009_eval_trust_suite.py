"""eval runs: the trust suite

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 14:00:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = "suite IN ('retrieval', 'qa', 'routing', 'playbook')"
_AFTER = "suite IN ('retrieval', 'qa', 'routing', 'playbook', 'trust')"


def upgrade() -> None:
    op.drop_constraint(op.f("ck_eval_runs_suite"), "eval_runs", type_="check")
    op.create_check_constraint(op.f("ck_eval_runs_suite"), "eval_runs", _AFTER)


def downgrade() -> None:
    op.execute(
        "DELETE FROM eval_results WHERE run_id IN (SELECT id FROM eval_runs WHERE suite = 'trust')"
    )
    op.execute("DELETE FROM eval_runs WHERE suite = 'trust'")
    op.drop_constraint(op.f("ck_eval_runs_suite"), "eval_runs", type_="check")
    op.create_check_constraint(op.f("ck_eval_runs_suite"), "eval_runs", _BEFORE)
