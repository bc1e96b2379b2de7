"""item validity: valid-from date, version, and where they came from

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:00:00.000000

"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS: dict[str, sa.types.TypeEngine[Any]] = {
    "valid_from": sa.Date(),
    "version": sa.String(length=100),
    "validity_kind": sa.String(length=20),
    "validity_evidence": sa.Text(),
    "validity_source": sa.String(length=10),
    "supersedes": sa.String(length=200),
}


def upgrade() -> None:
    """Each item's validity as ingest extracted it or the admin corrected it (all nullable:
    existing items get theirs on their next re-ingest)."""
    for name, type_ in _COLUMNS.items():  # fresh Column objects: one cannot join two tables
        op.add_column("items", sa.Column(name, type_, nullable=True))
    op.create_check_constraint(
        op.f("ck_items_validity_source"),
        "items",
        "validity_source IS NULL OR validity_source IN ('extracted', 'admin')",
    )


def downgrade() -> None:
    """Drop the validity columns."""
    op.drop_constraint(op.f("ck_items_validity_source"), "items", type_="check")
    for name in reversed(_COLUMNS):
        op.drop_column("items", name)
