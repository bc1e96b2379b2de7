"""Reachability of every backend, by name: shared by ``GET /ready`` and ``luna doctor``."""

from __future__ import annotations

from sqlalchemy import text

from luna.config import Settings
from luna.core.health import ComponentHealth, probe
from luna.store.factory import Stores
from luna.store.sql.database import timescaledb_installed


def check_database(stores: Stores) -> ComponentHealth:
    def run() -> str:
        with stores.engine.connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar_one()
            timescale = timescaledb_installed(conn)
        where = "embedded" if stores.settings.embedded_database else "server"
        flavour = "TimescaleDB" if timescale else "plain PostgreSQL"
        return f"PostgreSQL {version} ({where}, {flavour})"

    return probe("database", run)


def check_vector_store(stores: Stores) -> ComponentHealth:
    def run() -> str:
        info = stores.vectors.info()
        backend = stores.settings.vector_backend.value
        return (
            f"{backend}: collection '{info.name}', {info.points} points, "
            f"{info.dimension}-d ({info.embedding_model})"
        )

    return probe("vector_store", run)


def check_object_store(stores: Stores) -> ComponentHealth:
    def run() -> str:
        stores.objects.ping()
        return f"{stores.settings.object_backend.value}: bucket '{stores.settings.object_bucket}'"

    return probe("object_store", run)


def check_all(stores: Stores, settings: Settings) -> list[ComponentHealth]:
    # Imported here so that commands which never touch a model don't load model runtimes.
    from luna.llm.health import check_chat_model, check_embeddings

    return [
        check_database(stores),
        check_vector_store(stores),
        check_object_store(stores),
        check_chat_model(settings),
        check_embeddings(settings),
    ]
