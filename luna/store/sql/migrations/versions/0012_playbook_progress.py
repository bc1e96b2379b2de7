"""playbook progress

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 22:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The stages a playbook job has passed and its remark so far, streamed as SSE by
    ``GET /playbooks/{id}/events`` from whichever process runs the job."""
    op.add_column(
        "playbooks",
        sa.Column(
            "progress",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("playbooks", "progress")
