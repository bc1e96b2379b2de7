"""SQLAlchemy 2 typed models: the relational and time-series schema of Luna.

Time-series tables (readings, prices, events) carry their timestamp in the primary key, so the
migration can turn them into TimescaleDB hypertables when the extension exists.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from luna.config import site_price_zone

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_EMPTY_JSON = text("'{}'::jsonb")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 (declared ClassVar by DeclarativeBase)
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSONB,
    }


def column_length(attribute: Any) -> int:
    """The ``n`` of a ``String(n)`` column (``column_length(User.username)``), so the API can
    refuse a longer value with a 422 instead of letting PostgreSQL fail with a DataError."""
    length = attribute.property.columns[0].type.length
    if not isinstance(length, int):
        raise TypeError(f"{attribute} is not a String(n) column")
    return length


class Role(enum.StrEnum):
    ADMIN = "admin"  # the root admin: documents, learning, prompts, every meter
    CUSTOMER = "customer"  # sees only their own meters, threads and playbooks
    SERVICE = "service"  # machine account of a data connector: may only ingest readings/prices


class ItemStatus(enum.StrEnum):
    PENDING = "pending"
    PARSED = "parsed"
    EMBEDDED = "embedded"
    READY = "ready"
    FAILED = "failed"


class ValiditySource(enum.StrEnum):
    """Who set an item's validity: ingest read it from the text, or the admin corrected it."""

    EXTRACTED = "extracted"
    ADMIN = "admin"


class EventType(enum.StrEnum):
    VIEW = "view"
    CLICK = "click"
    ASK = "ask"
    ANSWER = "answer"
    TOOL_CALL = "tool_call"
    FEEDBACK = "feedback"
    ERROR = "error"
    # Security audit (luna.api.login_guard): a wrong password, an account locked by it, an
    # admin lifting the lock.
    LOGIN_FAILED = "login_failed"
    LOCKOUT = "lockout"
    UNLOCK = "unlock"


class LabelTarget(enum.StrEnum):
    ITEM = "item"
    CHUNK = "chunk"
    EVENT = "event"


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    return Enum(cls, name=name, values_callable=lambda members: [m.value for m in members])


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"), default=Role.CUSTOMER)
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Carried in every access token ("ver"); logout and a password change raise it, which
    # revokes every token issued before (luna.api.deps.get_current_user compares them).
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    meters: Mapped[list[Meter]] = relationship(back_populates="owner")

    __table_args__ = (
        CheckConstraint("username = lower(username) AND length(username) >= 2", name="username"),
    )


class LoginThrottle(Base):
    """Failed logins of one account name or one client address, shared by every API replica.

    ``failures`` counts consecutive wrong passwords (forgotten a day after the last one); no
    attempt is checked before ``blocked_until`` (exponential backoff) nor, for an account,
    before ``locked_until`` (the lockout, which an admin can lift). Account rows are keyed by
    the normalised name, whether or not such a user exists, so throttling reveals nothing.
    """

    __tablename__ = "login_throttles"

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_failure_at: Mapped[datetime | None] = mapped_column()
    blocked_until: Mapped[datetime | None] = mapped_column()
    locked_until: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        CheckConstraint("scope IN ('account', 'address')", name="scope"),
        CheckConstraint("failures >= 0", name="failures_nonnegative"),
        Index("ix_login_throttles_last_failure_at", "last_failure_at"),
    )


class Meter(Base):
    """A smart meter (a site's grid connection point) and the customer who owns it."""

    __tablename__ = "meters"

    meter_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    label: Mapped[str | None] = mapped_column(String(200))
    profile: Mapped[str | None] = mapped_column(String(16))
    annual_kwh: Mapped[float | None] = mapped_column(Float)
    pv_kwp: Mapped[float | None] = mapped_column(Float)
    # New meters get the site's zone (LUNA_PRICE_ZONE); the server default is the one the
    # initial migration created (migrations are history, not configuration).
    zone: Mapped[str] = mapped_column(String(16), default=site_price_zone, server_default="DE-LU")
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=_EMPTY_JSON)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    owner: Mapped[User | None] = relationship(back_populates="meters")


class Item(Base):
    """A document in the knowledge base; its bytes live in the object store."""

    __tablename__ = "items"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    title: Mapped[str] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(1000))
    mime_type: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    raw_key: Mapped[str | None] = mapped_column(String(1000))
    processed_key: Mapped[str | None] = mapped_column(String(1000))
    status: Mapped[ItemStatus] = mapped_column(
        _enum(ItemStatus, "item_status"), default=ItemStatus.PENDING, index=True
    )
    error: Mapped[str | None] = mapped_column(Text)
    # From when the content applies and in which version (luna.ingest.validity), so retrieval
    # can prefer the current price sheet or policy over a superseded one still stored.
    valid_from: Mapped[date | None] = mapped_column()
    version: Mapped[str | None] = mapped_column(String(100))
    validity_kind: Mapped[str | None] = mapped_column(String(20))
    validity_evidence: Mapped[str | None] = mapped_column(Text)
    validity_source: Mapped[str | None] = mapped_column(String(10))
    supersedes: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    chunks: Mapped[list[ItemChunk]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ItemChunk.ordinal"
    )

    __table_args__ = (
        CheckConstraint("content_hash ~ '^[0-9a-f]{64}$'", name="content_hash_sha256"),
        CheckConstraint("size_bytes >= 0", name="size_nonnegative"),
        CheckConstraint(
            "validity_source IS NULL OR validity_source IN ('extracted', 'admin')",
            name="validity_source",
        ),
    )


class ItemChunk(Base):
    """One retrievable passage of an item; ``point_id`` is its vector's id in Qdrant."""

    __tablename__ = "item_chunks"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    item_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("items.id", ondelete="CASCADE")
    )
    ordinal: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    token_count: Mapped[int] = mapped_column(Integer)
    point_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    page: Mapped[int | None] = mapped_column(Integer)
    section: Mapped[str | None] = mapped_column(String(500))
    meta: Mapped[dict[str, Any]] = mapped_column(
        "metadata", default=dict, server_default=_EMPTY_JSON
    )

    item: Mapped[Item] = relationship(back_populates="chunks")

    __table_args__ = (
        UniqueConstraint("item_id", "ordinal", name="uq_item_chunks_item_ordinal"),
        CheckConstraint("ordinal >= 0", name="ordinal_nonnegative"),
        CheckConstraint("token_count >= 0", name="token_count_nonnegative"),
    )


class Event(Base):
    """An append-only usage event (view, ask, feedback, ...) for analytics and learning.

    Analytics identify a user only by ``user_key`` (a keyed hash, :mod:`luna.core.pseudonym`);
    payloads carry no user id. ``user_id`` stays only so a user's events can be deleted with
    them (retention, right to erasure); it is never shown in analytics.
    """

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    ts: Mapped[datetime] = mapped_column(primary_key=True, server_default=func.now())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_key: Mapped[str | None] = mapped_column(String(64))
    type: Mapped[EventType] = mapped_column(_enum(EventType, "event_type"))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=_EMPTY_JSON)

    __table_args__ = (
        Index("ix_events_type_ts", "type", "ts"),
        Index("ix_events_user_ts", "user_id", "ts"),
    )


_FINITE = "{col} <> 'NaN'::float8 AND {col} > '-Infinity'::float8 AND {col} < 'Infinity'::float8"


class SmartMeterReading(Base):
    """Energy per interval for one meter; ``ts`` is the interval start in UTC."""

    __tablename__ = "smart_meter_readings"

    meter_id: Mapped[str] = mapped_column(
        ForeignKey("meters.meter_id", ondelete="CASCADE"), primary_key=True
    )
    ts: Mapped[datetime] = mapped_column(primary_key=True)
    interval_minutes: Mapped[int] = mapped_column(SmallInteger, default=15)
    consumption_kwh: Mapped[float] = mapped_column(Float)
    production_kwh: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")

    __table_args__ = (
        CheckConstraint("interval_minutes BETWEEN 1 AND 1440", name="interval_minutes"),
        CheckConstraint(
            "consumption_kwh >= 0 AND " + _FINITE.format(col="consumption_kwh"),
            name="consumption_finite_nonnegative",
        ),
        CheckConstraint(
            "production_kwh >= 0 AND " + _FINITE.format(col="production_kwh"),
            name="production_finite_nonnegative",
        ),
        Index("ix_smart_meter_readings_ts_brin", "ts", postgresql_using="brin"),
    )


class CounterBaseline(Base):
    """A meter's cumulative energy counters as a live connector (Modbus, OPC-UA) last stored
    them, so a restarted connector writes the interval across the restart exactly once.

    Upserted in the transaction of the readings it produced (:mod:`luna.connectors.base`):
    every interval before ``open_intervals`` is in ``smart_meter_readings``, the ones listed
    there hold the energy seen so far (``[[start, import_kwh, export_kwh], ...]``, UTC ISO
    starts), and the raw counter values at ``at`` are where the next step starts. Keyed by the
    connector's name (its kind unless configured) and the meter.
    """

    __tablename__ = "counter_baselines"

    connector: Mapped[str] = mapped_column(String(64), primary_key=True)
    meter_id: Mapped[str] = mapped_column(
        ForeignKey("meters.meter_id", ondelete="CASCADE"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column()
    interval_minutes: Mapped[int] = mapped_column(SmallInteger)
    import_raw: Mapped[float | None] = mapped_column(Float)
    export_raw: Mapped[float | None] = mapped_column(Float)
    import_kwh: Mapped[float | None] = mapped_column(Float)
    export_kwh: Mapped[float | None] = mapped_column(Float)
    open_intervals: Mapped[list[Any]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    first_interval: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        CheckConstraint("interval_minutes BETWEEN 1 AND 60", name="interval_minutes"),
    )


class ReadingDayVersion(Base):
    """When a meter's readings of one UTC day last changed: the id of the transaction that
    inserted, changed or deleted one of them (``txid_current()``).

    Kept by triggers on ``smart_meter_readings`` (migration 0014), so every writer counts, the
    API, the MQTT connector, the simulator and plain SQL alike; figures derived from a day's
    readings can be cached under its version (:mod:`luna.store.sql.reading_versions`). No key
    into ``meters``: the trigger writes here while a meter's readings are deleted with it.
    """

    __tablename__ = "reading_day_versions"

    meter_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class MarketPrice(Base):
    """Day-ahead price for one bidding zone and interval; ``ts`` is the interval start in UTC."""

    __tablename__ = "market_prices"

    zone: Mapped[str] = mapped_column(String(16), primary_key=True)
    resolution_minutes: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    ts: Mapped[datetime] = mapped_column(primary_key=True)
    price_eur_mwh: Mapped[float] = mapped_column(Float)

    __table_args__ = (
        CheckConstraint("resolution_minutes IN (15, 30, 60)", name="resolution_minutes"),
        CheckConstraint(
            _FINITE.format(col="price_eur_mwh") + " AND price_eur_mwh BETWEEN -10000 AND 10000",
            name="price_plausible",
        ),
        Index("ix_market_prices_ts_brin", "ts", postgresql_using="brin"),
    )


class StoredForecast(Base):
    """A precomputed forecast of one target: a meter's consumption or PV, or a zone's price.

    Refreshed in the background when new readings or prices arrive, so ``GET /data/forecast``
    reads a row instead of running a model selection. ``points`` holds ``[ts, value, p10, p90]``
    per step (UTC ISO timestamps); ``based_on`` is the timestamp of the last history value it
    rests on, so a newer reading or price marks it stale. A shorter horizon is served by
    slicing a longer one.
    """

    __tablename__ = "stored_forecasts"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    meter_id: Mapped[str | None] = mapped_column(ForeignKey("meters.meter_id", ondelete="CASCADE"))
    zone: Mapped[str | None] = mapped_column(String(16))
    horizon_hours: Mapped[int] = mapped_column(SmallInteger)
    model: Mapped[str] = mapped_column(String(64))
    step_minutes: Mapped[int] = mapped_column(SmallInteger)
    mae: Mapped[float | None] = mapped_column(Float)
    points: Mapped[list[Any]] = mapped_column(JSONB)
    based_on: Mapped[datetime] = mapped_column()
    computed_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        # One row per target and horizon; meters have no zone and prices no meter, so NULLs
        # must compare equal here (PostgreSQL 15+).
        UniqueConstraint(
            "kind",
            "meter_id",
            "zone",
            "horizon_hours",
            name="uq_stored_forecasts_target",
            postgresql_nulls_not_distinct=True,
        ),
        CheckConstraint("kind IN ('consumption', 'pv', 'price')", name="kind"),
        CheckConstraint(
            "CASE WHEN kind = 'price' THEN meter_id IS NULL AND zone IS NOT NULL"
            " ELSE meter_id IS NOT NULL AND zone IS NULL END",
            name="target",
        ),
        CheckConstraint("horizon_hours BETWEEN 1 AND 168", name="horizon_hours"),
        CheckConstraint("step_minutes BETWEEN 1 AND 1440", name="step_minutes"),
    )


class Label(Base):
    """A label (topic, quality, ...) attached to an item, a chunk or an event."""

    __tablename__ = "labels"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    target_type: Mapped[LabelTarget] = mapped_column(_enum(LabelTarget, "label_target"))
    target_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(200))
    score: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(64), default="system")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        UniqueConstraint("target_type", "target_id", "name", "value", name="uq_labels_target"),
        Index("ix_labels_name_value", "name", "value"),
    )


class PromptVersion(Base):
    """One immutable version of a prompt (shipped as a file or created at run time)."""

    __tablename__ = "prompt_versions"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(32))
    messages: Mapped[list[dict[str, str]]] = mapped_column(JSONB)
    variables: Mapped[list[str]] = mapped_column(JSONB)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=_EMPTY_JSON)
    # Example values per variable, for previews (``render=true``); added in migration 0003.
    examples: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=_EMPTY_JSON)
    description: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(16), default="file")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        UniqueConstraint("name", "version", name="uq_prompt_versions_name_version"),
        CheckConstraint(r"version ~ '^\d+\.\d+\.\d+$'", name="semver"),
        CheckConstraint("source IN ('file', 'api')", name="source"),
    )


class Prompt(Base):
    """A prompt by name and its one active version."""

    __tablename__ = "prompts"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    active_version: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class PromptAudit(Base):
    """Who changed which prompt, when, and why (create, activate, rollback)."""

    __tablename__ = "prompt_audit"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    ts: Mapped[datetime] = mapped_column(server_default=func.now())
    name: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)


# --- Eval runs (prompt and eval issue) -----------------------------------------------------


class EvalRun(Base):
    """One run of an eval suite: what was run (config, prompt versions, model, git revision),
    how far it got, and its aggregate metrics. Cases are stored one row each in ``eval_results``
    so a run can be resumed and two runs compared case by case.

    ``job_id`` is the queue job that executes a run started through the API
    (:mod:`luna.jobs.eval`; migration 0016 adds its key into procrastinate's table with ``ON
    DELETE SET NULL``); a run of ``luna eval run`` executes in the CLI's process and has none."""

    __tablename__ = "eval_runs"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    suite: Mapped[str] = mapped_column(String(32))
    job_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    status: Mapped[str] = mapped_column(String(16), default="running")
    config: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=_EMPTY_JSON)
    prompts: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=_EMPTY_JSON)
    model: Mapped[str | None] = mapped_column(String(200))
    git_revision: Mapped[str | None] = mapped_column(String(64))
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=_EMPTY_JSON)
    cases_total: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(100))
    duration_s: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime] = mapped_column(server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column()

    results: Mapped[list[EvalResult]] = relationship(
        back_populates="run", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        CheckConstraint("status IN ('running', 'done', 'cancelled', 'failed')", name="status"),
        CheckConstraint(
            "suite IN ('retrieval', 'qa', 'routing', 'playbook', 'trust')", name="suite"
        ),
    )


class EvalResult(Base):
    """The outcome of one eval case in one run: its metrics, pass/fail, detail or error."""

    __tablename__ = "eval_results"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("eval_runs.id", ondelete="CASCADE"))
    case_id: Mapped[str] = mapped_column(String(100))
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=_EMPTY_JSON)
    passed: Mapped[bool | None] = mapped_column()
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=_EMPTY_JSON)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    run: Mapped[EvalRun] = relationship(back_populates="results")

    __table_args__ = (UniqueConstraint("run_id", "case_id", name="uq_eval_results_run_case"),)


class PlaybookRecord(Base):
    """A playbook and its result, with everything needed to reproduce it.

    ``job_id`` is the queue job that generates it (:mod:`luna.jobs.playbook`; no key in the
    models: procrastinate's tables are its own, migration 0015 adds it with ``ON DELETE SET
    NULL``). While that job runs, its state and progress are the job's; the job writes the
    end here (``status`` ready, failed or cancelled, the result, the final ``progress``), so
    the playbook outlives the queue's row. ``inputs`` holds the data, forecasts and engine
    results the playbook rests on; ``prompt`` (``name@version``) and ``model`` say what wrote
    its remark; ``review`` is the customer's verdict.
    """

    __tablename__ = "playbooks"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    meter_id: Mapped[str] = mapped_column(
        ForeignKey("meters.meter_id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    job_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    error: Mapped[str | None] = mapped_column(Text)
    request: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=_EMPTY_JSON)
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=_EMPTY_JSON)
    # {"stages": [{"stage": "optimise", "ms": 41.0}, …], "remark": "…", "remark_dropped": "…"}
    progress: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=_EMPTY_JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    prompt: Mapped[str | None] = mapped_column(String(140))
    model: Mapped[str | None] = mapped_column(String(200))
    review: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    reviewed_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        CheckConstraint(
            "kind IN ('load_shift', 'battery', 'tariff_check', 'anomaly')", name="kind"
        ),
        CheckConstraint(
            "status IN ('pending', 'running', 'ready', 'failed', 'cancelled')", name="status"
        ),
        CheckConstraint("review IN ('open', 'accepted', 'dismissed')", name="review"),
        Index("ix_playbooks_user_created", "user_id", "created_at"),
    )


# --- Chat threads (agent and chat issue) ---------------------------------------------------


class ChatThread(Base):
    """A conversation of one user with the energy assistant.

    The messages live in the LangGraph checkpointer under ``chat:<user_id>:<id>``; this row is
    the index a user lists, renames and deletes threads by, and what ties a thread to its owner.
    """

    __tablename__ = "chat_threads"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    __table_args__ = (
        CheckConstraint(r"id ~ '^[A-Za-z0-9_\-]{1,64}$'", name="id_format"),
        Index("ix_chat_threads_user_updated", "user_id", "updated_at"),
    )


# --- Answers and feedback (feedback and learning issue) ------------------------------------


class Answer(Base):
    """One answer a user received (a ``/rag/ask`` answer or a ``/chat`` turn).

    What feedback points at, and what learning reads: the question, the text, what it cited,
    its topic, and which prompt, model and learned state (weights, adapter versions) produced it.
    """

    __tablename__ = "answers"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16))
    conversation_id: Mapped[str | None] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    chunk_ids: Mapped[list[str]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    item_ids: Mapped[list[str]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    topic: Mapped[str | None] = mapped_column(String(64))
    prompt: Mapped[str | None] = mapped_column(String(140))
    model: Mapped[str | None] = mapped_column(String(200))
    learned_state: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=_EMPTY_JSON)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        CheckConstraint("channel IN ('rag', 'chat')", name="channel"),
        Index("ix_answers_created_at", "created_at"),
        Index("ix_answers_user_created", "user_id", "created_at"),
    )


class Feedback(Base):
    """A user's vote on an answer or a playbook: one per user and target, changeable."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    user_key: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str] = mapped_column(String(64))
    vote: Mapped[int] = mapped_column(SmallInteger)
    reasons: Mapped[list[str]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    comment: Mapped[str | None] = mapped_column(Text)
    dwell_ms: Mapped[int | None] = mapped_column(Integer)
    time_to_feedback_ms: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    __table_args__ = (
        UniqueConstraint("user_id", "target_type", "target_id", name="uq_feedback_user_target"),
        CheckConstraint("target_type IN ('answer', 'playbook')", name="target_type"),
        CheckConstraint("vote IN (-1, 1)", name="vote"),
        CheckConstraint("dwell_ms IS NULL OR dwell_ms >= 0", name="dwell_nonnegative"),
        CheckConstraint(
            "time_to_feedback_ms IS NULL OR time_to_feedback_ms >= 0",
            name="time_to_feedback_nonnegative",
        ),
        Index("ix_feedback_target", "target_type", "target_id"),
        Index("ix_feedback_updated_at", "updated_at"),
    )


# --- Learning (feedback and learning issue, §2–§4) -----------------------------------------


class LearningCycle(Base):
    """One learning cycle and its audit record: who started it, what it read (event range,
    counts), what it produced (state versions), the gate's numbers before and after, the
    decision and its reason, and who rolled it back. At most one runs at a time.

    ``job_id`` is the queue job that executes a cycle started through the API or the schedule
    (:mod:`luna.jobs.learning`; migration 0017 adds its key into procrastinate's table with ``ON
    DELETE SET NULL``); a cycle of ``luna learn run`` and a rollback's audit row have none."""

    __tablename__ = "learning_cycles"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="full")
    job_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    status: Mapped[str] = mapped_column(String(16), default="running")
    step: Mapped[str | None] = mapped_column(String(64))
    progress: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    started_by: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column()
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=_EMPTY_JSON)
    outputs: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=_EMPTY_JSON)
    eval_before: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=_EMPTY_JSON)
    eval_after: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=_EMPTY_JSON)
    decision: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    rolled_back_by: Mapped[str | None] = mapped_column(String(100))
    rolled_back_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        CheckConstraint(
            "status IN ('running', 'activated', 'rejected', 'failed', 'cancelled')",
            name="status",
        ),
        CheckConstraint("kind IN ('full', 'weights', 'adapter', 'rollback')", name="kind"),
        CheckConstraint("progress >= 0 AND progress <= 1", name="progress"),
        Index(
            "uq_learning_cycles_one_running",
            "status",
            unique=True,
            postgresql_where=text("status = 'running'"),
        ),
    )


class LearnedStateRecord(Base):
    """A versioned learned state: chunk and document weights and/or a query adapter (``[W; b]``,
    (d + 1) × d float32, little-endian, row-major). At most one is active (none: neutral)."""

    __tablename__ = "learned_states"

    version: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    cycle_id: Mapped[int | None] = mapped_column(
        ForeignKey("learning_cycles.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    active: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    activated_at: Mapped[datetime | None] = mapped_column()
    chunk_weights: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=_EMPTY_JSON)
    item_weights: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=_EMPTY_JSON)
    adapter: Mapped[bytes | None] = mapped_column(LargeBinary)
    adapter_dim: Mapped[int | None] = mapped_column(Integer)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=_EMPTY_JSON)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=_EMPTY_JSON)

    __table_args__ = (
        CheckConstraint(
            "(adapter IS NULL) = (adapter_dim IS NULL) AND "
            "(adapter_dim IS NULL OR octet_length(adapter) = 4 * adapter_dim * (adapter_dim + 1))",
            name="adapter_shape",
        ),
        Index(
            "uq_learned_states_one_active", "active", unique=True, postgresql_where=text("active")
        ),
    )


class CuratedPair(Base):
    """A question and answer an admin curated (or a correction of one answer): ingested as a
    curated source document (``knowledge_item_id``) and a training pair for learning."""

    __tablename__ = "curated_pairs"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    item_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("items.id", ondelete="SET NULL")
    )
    chunk_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("item_chunks.id", ondelete="SET NULL")
    )
    answer_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    knowledge_item_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("items.id", ondelete="SET NULL")
    )
    provenance: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=_EMPTY_JSON)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        CheckConstraint("length(question) >= 3 AND length(answer) >= 1", name="not_empty"),
    )


class JobProgress(Base):
    """What a background job has done so far and how it ended, beside procrastinate's own row.

    Keyed by the procrastinate job id (``procrastinate_jobs.id``; the migration adds the foreign
    key with ``ON DELETE CASCADE``, which the models cannot name: procrastinate's tables are
    its own). The job's state, arguments and timestamps stay in procrastinate's tables; see
    :mod:`luna.jobs` for why progress lives here.
    """

    __tablename__ = "job_progress"

    job_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    total: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        CheckConstraint("done >= 0 AND (total IS NULL OR total >= 0)", name="counts"),
    )


class FeedStatus(Base):
    """The live feed's last status, as the process that runs it (``luna feed``, or ``luna
    serve`` with ``LUNA_FEED_IN_API``) stored it every ``LUNA_FEED_STATUS_EVERY_S``: every API
    replica shows the feed from here (:mod:`luna.connectors.feed`).

    One row per feed, keyed by its name (a connector's instance name, else its kind);
    ``status`` is the source's own snapshot (:meth:`luna.connectors.base.Connector.status`,
    the simulator's), ``state`` its health word, ``heartbeat_at`` the database's clock at the
    last store: a row not beaten for three periods is stale (its process is gone).
    """

    __tablename__ = "feed_status"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    process: Mapped[str] = mapped_column(String(128))
    status: Mapped[dict[str, Any]] = mapped_column(server_default=_EMPTY_JSON)
    started_at: Mapped[datetime] = mapped_column()
    heartbeat_at: Mapped[datetime] = mapped_column(server_default=func.now())
