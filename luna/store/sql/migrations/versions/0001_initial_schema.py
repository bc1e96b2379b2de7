"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 23:35:45.632093

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HYPERTABLES = ("smart_meter_readings", "market_prices", "events")


def upgrade() -> None:
    """Create the schema; hypertables where TimescaleDB is available."""
    op.create_table(
        "items",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("mime_type", sa.String(length=200), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("raw_key", sa.String(length=1000), nullable=True),
        sa.Column("processed_key", sa.String(length=1000), nullable=True),
        sa.Column(
            "status",
            sa.Enum("pending", "parsed", "embedded", "ready", "failed", name="item_status"),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "content_hash ~ '^[0-9a-f]{64}$'", name=op.f("ck_items_content_hash_sha256")
        ),
        sa.CheckConstraint("size_bytes >= 0", name=op.f("ck_items_size_nonnegative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
    )
    op.create_index(op.f("ix_items_content_hash"), "items", ["content_hash"], unique=False)
    op.create_index(op.f("ix_items_status"), "items", ["status"], unique=False)
    op.create_table(
        "labels",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "target_type", sa.Enum("item", "chunk", "event", name="label_target"), nullable=False
        ),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labels")),
        sa.UniqueConstraint("target_type", "target_id", "name", "value", name="uq_labels_target"),
    )
    op.create_index("ix_labels_name_value", "labels", ["name", "value"], unique=False)
    op.create_table(
        "market_prices",
        sa.Column("zone", sa.String(length=16), nullable=False),
        sa.Column("resolution_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("price_eur_mwh", sa.Float(), nullable=False),
        sa.CheckConstraint(
            "price_eur_mwh <> 'NaN'::float8 AND price_eur_mwh > '-Infinity'::float8 AND price_eur_mwh < 'Infinity'::float8 AND price_eur_mwh BETWEEN -10000 AND 10000",
            name=op.f("ck_market_prices_price_plausible"),
        ),
        sa.CheckConstraint(
            "resolution_minutes IN (15, 30, 60)", name=op.f("ck_market_prices_resolution_minutes")
        ),
        sa.PrimaryKeyConstraint("zone", "resolution_minutes", "ts", name=op.f("pk_market_prices")),
    )
    op.create_index(
        "ix_market_prices_ts_brin", "market_prices", ["ts"], unique=False, postgresql_using="brin"
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column(
            "role", sa.Enum("admin", "customer", "service", name="user_role"), nullable=False
        ),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "username = lower(username) AND length(username) >= 2", name=op.f("ck_users_username")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "ts", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("user_key", sa.String(length=64), nullable=True),
        sa.Column(
            "type",
            sa.Enum(
                "view",
                "click",
                "ask",
                "answer",
                "tool_call",
                "feedback",
                "error",
                name="event_type",
            ),
            nullable=False,
        ),
        sa.Column(
            "payload",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_events_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", "ts", name=op.f("pk_events")),
    )
    op.create_index("ix_events_type_ts", "events", ["type", "ts"], unique=False)
    op.create_index("ix_events_user_ts", "events", ["user_id", "ts"], unique=False)
    op.create_table(
        "item_chunks",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("item_id", sa.UUID(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("token_count", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.UUID(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("section", sa.String(length=500), nullable=True),
        sa.Column(
            "metadata",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.CheckConstraint("ordinal >= 0", name=op.f("ck_item_chunks_ordinal_nonnegative")),
        sa.CheckConstraint("token_count >= 0", name=op.f("ck_item_chunks_token_count_nonnegative")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_item_chunks_item_id_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_chunks")),
        sa.UniqueConstraint("item_id", "ordinal", name="uq_item_chunks_item_ordinal"),
        sa.UniqueConstraint("point_id", name=op.f("uq_item_chunks_point_id")),
    )
    op.create_table(
        "meters",
        sa.Column("meter_id", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("profile", sa.String(length=16), nullable=True),
        sa.Column("annual_kwh", sa.Float(), nullable=True),
        sa.Column("pv_kwp", sa.Float(), nullable=True),
        sa.Column("zone", sa.String(length=16), server_default="DE-LU", nullable=False),
        sa.Column(
            "attributes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_meters_owner_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("meter_id", name=op.f("pk_meters")),
    )
    op.create_index(op.f("ix_meters_owner_id"), "meters", ["owner_id"], unique=False)
    op.create_table(
        "smart_meter_readings",
        sa.Column("meter_id", sa.String(length=64), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("interval_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("consumption_kwh", sa.Float(), nullable=False),
        sa.Column("production_kwh", sa.Float(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "consumption_kwh >= 0 AND consumption_kwh <> 'NaN'::float8 AND consumption_kwh > '-Infinity'::float8 AND consumption_kwh < 'Infinity'::float8",
            name=op.f("ck_smart_meter_readings_consumption_finite_nonnegative"),
        ),
        sa.CheckConstraint(
            "production_kwh >= 0 AND production_kwh <> 'NaN'::float8 AND production_kwh > '-Infinity'::float8 AND production_kwh < 'Infinity'::float8",
            name=op.f("ck_smart_meter_readings_production_finite_nonnegative"),
        ),
        sa.CheckConstraint(
            "interval_minutes BETWEEN 1 AND 1440",
            name=op.f("ck_smart_meter_readings_interval_minutes"),
        ),
        sa.ForeignKeyConstraint(
            ["meter_id"],
            ["meters.meter_id"],
            name=op.f("fk_smart_meter_readings_meter_id_meters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meter_id", "ts", name=op.f("pk_smart_meter_readings")),
    )
    op.create_index(
        "ix_smart_meter_readings_ts_brin",
        "smart_meter_readings",
        ["ts"],
        unique=False,
        postgresql_using="brin",
    )
    _create_hypertables_if_available()


def _create_hypertables_if_available() -> None:
    """Turn the time-series tables into hypertables where TimescaleDB exists; else stay plain."""
    bind = op.get_bind()
    available = bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'")
    ).first()
    if available is None:
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
    for table in HYPERTABLES:
        op.execute(
            f"SELECT create_hypertable('{table}', 'ts', migrate_data => true, "
            "if_not_exists => true)"
        )


def downgrade() -> None:
    """Drop everything the upgrade created."""
    op.drop_index(
        "ix_smart_meter_readings_ts_brin",
        table_name="smart_meter_readings",
        postgresql_using="brin",
    )
    op.drop_table("smart_meter_readings")
    op.drop_index(op.f("ix_meters_owner_id"), table_name="meters")
    op.drop_table("meters")
    op.drop_table("item_chunks")
    op.drop_index("ix_events_user_ts", table_name="events")
    op.drop_index("ix_events_type_ts", table_name="events")
    op.drop_table("events")
    op.drop_table("users")
    op.drop_index("ix_market_prices_ts_brin", table_name="market_prices", postgresql_using="brin")
    op.drop_table("market_prices")
    op.drop_index("ix_labels_name_value", table_name="labels")
    op.drop_table("labels")
    op.drop_index(op.f("ix_items_status"), table_name="items")
    op.drop_index(op.f("ix_items_content_hash"), table_name="items")
    op.drop_table("items")
    for enum_type in ("item_status", "label_target", "user_role", "event_type"):
        op.execute(f"DROP TYPE IF EXISTS {enum_type}")
