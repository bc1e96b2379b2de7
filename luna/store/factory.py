"""Builds the data layer from :class:`~luna.config.Settings`: the only place backends are chosen."""

from __future__ import annotations

import shutil

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from luna.config import ObjectBackend, Settings, VectorBackend
from luna.store.objects.base import ObjectStore
from luna.store.objects.local import LocalObjectStore
from luna.store.sql.database import (
    create_db_engine,
    make_session_factory,
    timescaledb_installed,
)
from luna.store.vectors.base import VectorStore


def build_object_store(settings: Settings) -> ObjectStore:
    if settings.object_backend is ObjectBackend.MINIO:
        from luna.store.objects.minio_store import MinioObjectStore, make_minio_client

        # Settings' validator guarantees all three for the minio backend.
        endpoint, access_key = settings.minio_endpoint or "", settings.minio_access_key or ""
        secret = settings.minio_secret_key.get_secret_value() if settings.minio_secret_key else ""
        client = make_minio_client(endpoint, access_key, secret, settings.minio_secure)
        return MinioObjectStore(client, settings.object_bucket)
    return LocalObjectStore(settings.object_path, settings.object_bucket)


def build_vector_store(settings: Settings, engine: Engine | None = None) -> VectorStore:
    """The configured vector store; the postgres backend uses ``engine`` (Luna's own) when
    given, else opens its own engine on the configured database."""
    if settings.vector_backend is VectorBackend.POSTGRES:
        from luna.store.vectors.postgres import PostgresVectorStore

        return PostgresVectorStore(
            engine if engine is not None else create_db_engine(settings),
            settings.vector_collection,
            settings.vector_dimension,
            settings.embedding_model,
            owns_engine=engine is None,
        )
    if settings.vector_backend is VectorBackend.QDRANT:
        from qdrant_client import QdrantClient

        from luna.store.vectors.qdrant_server import QdrantServerStore

        key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        client = QdrantClient(url=settings.qdrant_url, api_key=key, timeout=5)
        return QdrantServerStore(
            client, settings.vector_collection, settings.vector_dimension, settings.embedding_model
        )
    from luna.store.vectors.edge import EdgeVectorStore

    return EdgeVectorStore(
        settings.vector_path,
        settings.vector_collection,
        settings.vector_dimension,
        settings.embedding_model,
    )


def drop_collection(settings: Settings, engine: Engine | None = None) -> None:
    """Delete the configured vector collection, whatever embedding model filled it."""
    if settings.vector_backend is VectorBackend.POSTGRES:
        from luna.store.vectors.postgres import drop_postgres_collection

        own = engine is None
        db = create_db_engine(settings) if engine is None else engine
        try:
            drop_postgres_collection(db, settings.vector_collection)
        finally:
            if own:
                db.dispose()
        return
    if settings.vector_backend is VectorBackend.QDRANT:
        from qdrant_client import QdrantClient

        key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        client = QdrantClient(url=settings.qdrant_url, api_key=key, timeout=5)
        try:
            client.delete_collection(settings.vector_collection)
        finally:
            client.close()
        return
    from luna.store.vectors import owner

    path = settings.vector_path / settings.vector_collection
    owner.claim(path)  # never from under a process that has it open
    try:
        for child in path.iterdir():
            if child.name == owner.LOCK_FILE:
                continue  # held: a new lock file would be a second, unheld lock
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
    finally:
        owner.release(path)


class Stores:
    """The data layer of one process: SQL engine and sessions, object store, vector store.

    The vector store opens on first use, so commands that never touch vectors (migrations,
    user management) do not lock the embedded collection.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine: Engine = create_db_engine(settings)
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)
        self._objects: ObjectStore | None = None
        self._vectors: VectorStore | None = None
        self._timescale: bool | None = None

    @property
    def objects(self) -> ObjectStore:
        if self._objects is None:
            self._objects = build_object_store(self.settings)
        return self._objects

    @property
    def vectors(self) -> VectorStore:
        if self._vectors is None:
            self._vectors = build_vector_store(self.settings, self.engine)
        return self._vectors

    def rebuild_vectors(self) -> VectorStore:
        """Drop the collection and open an empty one for the configured embedding model."""
        if self._vectors is not None:
            self._vectors.close()
            self._vectors = None
        drop_collection(self.settings, self.engine)
        return self.vectors

    @property
    def timescale(self) -> bool:
        """Whether TimescaleDB is installed: decides the bucketing SQL once per process."""
        if self._timescale is None:
            with self.engine.connect() as conn:
                self._timescale = timescaledb_installed(conn)
        return self._timescale

    def close(self) -> None:
        if self._vectors is not None:
            self._vectors.close()
            self._vectors = None
        self.engine.dispose()
