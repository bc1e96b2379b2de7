"""login throttling, token versions, security audit events

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 10:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_EVENT_TYPES = ("view", "click", "ask", "answer", "tool_call", "feedback", "error")
_NEW_EVENT_TYPES = ("login_failed", "lockout", "unlock")


def upgrade() -> None:
    """Failed-login state shared by API replicas, a token version per user (0: tokens issued
    before keep working until they expire or the user logs out), and the audit event types."""
    op.create_table(
        "login_throttles",
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "scope IN ('account', 'address')", name=op.f("ck_login_throttles_scope")
        ),
        sa.CheckConstraint("failures >= 0", name=op.f("ck_login_throttles_failures_nonnegative")),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_login_throttles")),
    )
    op.create_index(
        "ix_login_throttles_last_failure_at", "login_throttles", ["last_failure_at"], unique=False
    )
    op.add_column(
        "users", sa.Column("token_version", sa.Integer(), server_default="0", nullable=False)
    )
    # Usable after this transaction commits; nothing in this migration writes them.
    for value in _NEW_EVENT_TYPES:
        op.execute(f"ALTER TYPE event_type ADD VALUE IF NOT EXISTS '{value}'")


def downgrade() -> None:
    """Drop the table and the column; PostgreSQL cannot drop enum values, so the event type is
    rebuilt without the audit values (their events are deleted first)."""
    listed = ", ".join(f"'{value}'" for value in _NEW_EVENT_TYPES)
    op.execute(f"DELETE FROM events WHERE type::text IN ({listed})")  # noqa: S608 (constants)
    op.execute("ALTER TYPE event_type RENAME TO event_type_audit")
    values = ", ".join(f"'{value}'" for value in _OLD_EVENT_TYPES)
    op.execute(f"CREATE TYPE event_type AS ENUM ({values})")
    op.execute("ALTER TABLE events ALTER COLUMN type TYPE event_type USING type::text::event_type")
    op.execute("DROP TYPE event_type_audit")
    op.drop_column("users", "token_version")
    op.drop_index("ix_login_throttles_last_failure_at", table_name="login_throttles")
    op.drop_table("login_throttles")
