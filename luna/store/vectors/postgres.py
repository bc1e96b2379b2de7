"""PostgreSQL + pgvector: the chunk vectors in the same database as everything else.

For small sites that want one database to run and back up: pgvector ships with the embedded
profile's pgserver (PostgreSQL 16, pgvector 0.6) and with the production image
(``timescale/timescaledb-ha``). Select it with ``LUNA_VECTOR_BACKEND=postgres``.

Layout. One table per collection, ``luna_vectors_<collection>``, in the column layout of
``langchain-postgres``' ``PGVectorStore`` (``langchain_id`` uuid, ``content`` text,
``embedding`` vector(d), metadata column ``item_id``, ``langchain_metadata`` json), so
``PGVectorStore.create_sync(engine, table_name=..., metadata_columns=["item_id"])`` opens it as
it is (tested). Luna itself writes and reads it with plain SQL through its own SQLAlchemy
engine: ``PGVectorStore`` 0.0.19 inserts row by row with a commit per row on a second, async
connection pool, can delete by id only, cannot list ids or count, and returns distances; a
batch of points here is one transaction (one ``executemany``), which is what ingest and the
drift check need (see docs/vector_backends.md for the measured difference).

Dense search: cosine distance with an HNSW index (``vector_cosine_ops``); a search with a
payload filter runs exact (pgvector < 0.8 filters *after* the HNSW candidate list, which would
return fewer hits than asked for when the filter is selective).

Keyword search: the same BM25 vectors as the Qdrant backends (``KeywordEncoder``), kept as
``bigint[]`` term / ``real[]`` weight arrays per language with a GIN index, scored in SQL with
Qdrant's IDF (``ln(1 + (N - n + 0.5) / (n + 0.5))``), so a query ranks alike on all backends.

Tables are created by the backend on first use, not by an Alembic migration: the vector
column's dimension follows the configured embedding model and ``luna reindex`` drops and
recreates the collection for another one (a runtime operation, as for a Qdrant collection),
and the migration chain must keep running on servers without pgvector (the test server, any
site on the Qdrant backends).
"""

# SQL here names tables and columns from constants or a validated collection name
# (table_name); every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from luna.store.vectors.base import (
    CollectionInfo,
    PayloadFilter,
    VectorHit,
    VectorPoint,
    VectorStoreError,
    check_embedding,
)
from luna.store.vectors.keywords import KEYWORD_VECTORS, KeywordEncoder, KeywordLanguage

log = logging.getLogger(__name__)

COLLECTIONS_TABLE = "luna_vector_collections"
TABLE_PREFIX = "luna_vectors_"
_COLLECTION_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")
# Term and weight columns of each keyword vector (fixed names: never built from input).
_KEYWORD_COLUMNS: dict[KeywordLanguage, tuple[str, str]] = {
    "de": ("kw_de_terms", "kw_de_weights"),
    "en": ("kw_en_terms", "kw_en_weights"),
}
_VECTOR_LANGUAGE = {name: language for language, name in KEYWORD_VECTORS.items()}
# One lock id for creating and dropping collections (two processes starting at once).
_DDL_LOCK = 0x4C554E41  # "LUNA"


def table_name(collection: str) -> str:
    if not _COLLECTION_NAME.match(collection):
        raise VectorStoreError(
            f"collection name '{collection}' is not usable as a PostgreSQL table name "
            "(lower-case letters, digits and '_', at most 41 characters)"
        )
    return TABLE_PREFIX + collection


def vector_literal(vector: Sequence[float]) -> str:
    """pgvector's text form, ``[0.1,0.2,...]`` (float32 precision is all it keeps)."""
    return "[" + ",".join(format(float(x), ".8g") for x in vector) + "]"


def pgvector_available(conn: Connection) -> bool:
    row = conn.execute(
        sql_text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
    ).first()
    return row is not None


def _filter_sql(filters: PayloadFilter | None, params: dict[str, Any]) -> str:
    """``AND ...`` conditions for a payload filter, with Qdrant's match semantics: a value
    matches a field equal to it or an array field containing it; a list matches any of its
    values. ``item_id`` is a column (indexed); other keys are looked up in the JSON."""
    if not filters:
        return ""
    clauses = []
    for n, (key, value) in enumerate(filters.items()):
        values = [value] if isinstance(value, str | int | bool) else list(value)
        texts = [str(v).lower() if isinstance(v, bool) else str(v) for v in values]
        if key == "item_id":
            try:
                params[f"f{n}"] = [uuid.UUID(v) for v in texts]
            except ValueError:
                clauses.append("FALSE")  # no point carries a non-uuid item id
                continue
            clauses.append(f"item_id = ANY(:f{n})")
            continue
        params[f"k{n}"], params[f"f{n}"] = key, texts
        clauses.append(
            "EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE "
            f"jsonb_typeof(langchain_metadata::jsonb -> :k{n}) WHEN 'array' THEN "
            f"langchain_metadata::jsonb -> :k{n} ELSE "
            f"jsonb_build_array(langchain_metadata::jsonb -> :k{n}) END) AS e(v) "
            f"WHERE e.v = ANY(:f{n}))"
        )
    return "".join(f" AND {c}" for c in clauses)


class PostgresVectorStore:
    """A collection as a pgvector table; safe for several processes (unlike Qdrant Edge)."""

    def __init__(
        self,
        engine: Engine,
        collection: str,
        dimension: int,
        embedding_model: str,
        *,
        ef_search: int = 200,
        owns_engine: bool = False,
    ) -> None:
        self._engine = engine
        self._name = collection
        self._table = table_name(collection)
        self._dimension = dimension
        self._model = embedding_model
        self._ef_search = ef_search
        self._owns_engine = owns_engine
        self._keywords = KeywordEncoder()
        try:
            self._keyword_search = self._open()
        except DBAPIError as exc:
            raise VectorStoreError(f"PostgreSQL vector store: {exc.orig}") from exc
        if not self._keyword_search:
            log.warning(
                "PostgreSQL vector collection '%s' has no keyword index: search is dense-only "
                "until `luna reindex` rebuilds it",
                collection,
            )

    def _open(self) -> bool:
        with self._engine.begin() as conn:
            conn.execute(sql_text("SELECT pg_advisory_xact_lock(:k)"), {"k": _DDL_LOCK})
            if not pgvector_available(conn):
                raise VectorStoreError(
                    "LUNA_VECTOR_BACKEND=postgres needs the pgvector extension ('vector'), which "
                    "this PostgreSQL server does not have: use the embedded PostgreSQL "
                    "(pgserver), the timescale/timescaledb-ha image, or install pgvector"
                )
            conn.execute(sql_text("CREATE EXTENSION IF NOT EXISTS vector"))
            conn.execute(
                sql_text(
                    f"CREATE TABLE IF NOT EXISTS {COLLECTIONS_TABLE} ("
                    " name text PRIMARY KEY,"
                    " embedding_model text NOT NULL,"
                    " dimension integer NOT NULL,"
                    " keyword_vectors text[] NOT NULL DEFAULT '{}',"
                    " created_at timestamptz NOT NULL DEFAULT now())"
                )
            )
            row = conn.execute(
                sql_text(
                    f"SELECT embedding_model, dimension, keyword_vectors FROM {COLLECTIONS_TABLE}"
                    " WHERE name = :name"
                ),
                {"name": self._name},
            ).first()
            if row is not None:
                check_embedding(
                    row.embedding_model,
                    int(row.dimension),
                    self._model,
                    self._dimension,
                    f"PostgreSQL vector table '{self._table}'",
                )
                return set(row.keyword_vectors) >= set(KEYWORD_VECTORS.values())
            self._create(conn)
            return True

    def _create(self, conn: Connection) -> None:
        t = self._table
        keyword_columns = "".join(
            f", {terms} bigint[], {weights} real[]" for terms, weights in _KEYWORD_COLUMNS.values()
        )
        conn.execute(sql_text(f"DROP TABLE IF EXISTS {t}"))  # a leftover without its row
        conn.execute(
            sql_text(
                f"CREATE TABLE {t} ("
                " langchain_id uuid PRIMARY KEY,"
                " content text NOT NULL DEFAULT '',"
                f" embedding vector({int(self._dimension)}) NOT NULL,"
                " item_id uuid,"
                " langchain_metadata jsonb NOT NULL DEFAULT '{}'"
                f"{keyword_columns})"
            )
        )
        conn.execute(
            sql_text(f"CREATE INDEX {t}_hnsw ON {t} USING hnsw (embedding vector_cosine_ops)")
        )
        conn.execute(sql_text(f"CREATE INDEX {t}_item ON {t} (item_id)"))
        for terms, _ in _KEYWORD_COLUMNS.values():
            conn.execute(sql_text(f"CREATE INDEX {t}_{terms} ON {t} USING gin ({terms})"))
        conn.execute(
            sql_text(
                f"INSERT INTO {COLLECTIONS_TABLE} (name, embedding_model, dimension,"
                " keyword_vectors) VALUES (:name, :model, :dim, :kw)"
            ),
            {
                "name": self._name,
                "model": self._model,
                "dim": self._dimension,
                "kw": sorted(KEYWORD_VECTORS.values()),
            },
        )

    @property
    def name(self) -> str:
        return self._name

    @property
    def table(self) -> str:
        return self._table

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def keyword_search(self) -> bool:
        return self._keyword_search

    def _row(self, point: VectorPoint) -> dict[str, Any]:
        if len(point.vector) != self._dimension:
            raise VectorStoreError(
                f"a {len(point.vector)}-d vector for the {self._dimension}-d table {self._table}"
            )
        payload = dict(point.payload)
        item = payload.pop("item_id", None)
        row: dict[str, Any] = {
            "id": point.id,
            "content": point.text or "",
            "embedding": vector_literal(point.vector),
            "item_id": uuid.UUID(str(item)) if item is not None else None,
            "meta": json.dumps(payload, ensure_ascii=False, default=str),
        }
        sparse = (
            self._keywords.documents(point.text) if (self._keyword_search and point.text) else {}
        )
        for name, language in _VECTOR_LANGUAGE.items():
            terms, weights = _KEYWORD_COLUMNS[language]
            vector = sparse.get(name)
            row[terms] = vector.indices if vector else None
            row[weights] = vector.values if vector else None
        return row

    def upsert(self, points: Sequence[VectorPoint]) -> None:
        if not points:
            return
        rows = [self._row(p) for p in points]
        keyword = [c for pair in _KEYWORD_COLUMNS.values() for c in pair]
        columns = ", ".join(
            ["langchain_id", "content", "embedding", "item_id", "langchain_metadata", *keyword]
        )
        values = ", ".join(
            [":id", ":content", "CAST(:embedding AS vector)", ":item_id", "CAST(:meta AS jsonb)"]
            + [f":{c}" for c in keyword]
        )
        updates = ", ".join(
            f"{c} = EXCLUDED.{c}"
            for c in ["content", "embedding", "item_id", "langchain_metadata", *keyword]
        )
        with self._engine.begin() as conn:
            conn.execute(
                sql_text(
                    f"INSERT INTO {self._table} ({columns}) VALUES ({values})"
                    f" ON CONFLICT (langchain_id) DO UPDATE SET {updates}"
                ),
                rows,
            )

    @staticmethod
    def _hit(row: Any) -> VectorHit:
        payload = dict(row.langchain_metadata or {})
        if row.item_id is not None:
            payload["item_id"] = str(row.item_id)
        return VectorHit(id=row.langchain_id, score=float(row.score), payload=payload)

    def search(
        self,
        vector: Sequence[float],
        *,
        limit: int = 5,
        filters: PayloadFilter | None = None,
        score_threshold: float | None = None,
    ) -> list[VectorHit]:
        params: dict[str, Any] = {"q": vector_literal(vector), "limit": limit}
        where = _filter_sql(filters, params)
        with self._engine.begin() as conn:
            if where:
                # exact: an HNSW scan filters after its candidate list (pgvector < 0.8)
                conn.execute(sql_text("SET LOCAL enable_indexscan = off"))
            else:
                ef = min(1000, max(self._ef_search, limit))
                conn.execute(sql_text(f"SET LOCAL hnsw.ef_search = {int(ef)}"))
            rows = conn.execute(
                sql_text(
                    "SELECT langchain_id, item_id, langchain_metadata,"
                    " 1 - (embedding <=> CAST(:q AS vector)) AS score"
                    f" FROM {self._table} WHERE TRUE{where}"
                    " ORDER BY embedding <=> CAST(:q AS vector) LIMIT :limit"
                ),
                params,
            ).all()
        hits = [self._hit(r) for r in rows]
        if score_threshold is not None:
            hits = [h for h in hits if h.score >= score_threshold]
        return hits

    def search_keywords(
        self,
        text: str,
        *,
        language: KeywordLanguage,
        limit: int = 5,
        filters: PayloadFilter | None = None,
    ) -> list[VectorHit]:
        if not self._keyword_search:
            return []
        _, query = self._keywords.query(text, language)
        if not query.indices:
            return []
        terms, weights = _KEYWORD_COLUMNS[language]
        t = self._table
        params: dict[str, Any] = {"terms": query.indices, "qw": query.values, "limit": limit}
        where = _filter_sql(filters, params)
        sql = (
            "WITH q AS (SELECT * FROM unnest(CAST(:terms AS bigint[]), CAST(:qw AS real[]))"
            " AS q(term, qw)),"
            f" n AS (SELECT count(*)::float8 AS n FROM {t} WHERE {terms} IS NOT NULL),"
            # MATERIALIZED: computed once, not inlined into the per-row score
            f" idf AS MATERIALIZED (SELECT q.term,"
            "  q.qw * ln(1 + (n.n - d.df + 0.5) / (d.df + 0.5)) AS w"
            f"  FROM q CROSS JOIN n CROSS JOIN LATERAL (SELECT count(*)::float8 AS df FROM {t}"
            f"  WHERE {terms} @> ARRAY[q.term]) AS d)"
            " SELECT langchain_id, item_id, langchain_metadata, s.score"
            f" FROM {t} CROSS JOIN LATERAL (SELECT sum(d.weight * idf.w) AS score"
            f"  FROM unnest({terms}, {weights}) AS d(term, weight) JOIN idf USING (term)) AS s"
            f" WHERE {terms} && CAST(:terms AS bigint[]){where}"
            " ORDER BY s.score DESC, langchain_id LIMIT :limit"
        )
        with self._engine.connect() as conn:
            rows = conn.execute(sql_text(sql), params).all()
        return [self._hit(r) for r in rows]

    def delete_points(self, ids: Sequence[uuid.UUID]) -> None:
        if not ids:
            return
        with self._engine.begin() as conn:
            conn.execute(
                sql_text(f"DELETE FROM {self._table} WHERE langchain_id = ANY(:ids)"),
                {"ids": list(ids)},
            )

    def delete_by_item(self, item_id: uuid.UUID) -> None:
        with self._engine.begin() as conn:
            conn.execute(sql_text(f"DELETE FROM {self._table} WHERE item_id = :i"), {"i": item_id})

    def point_ids(self, filters: PayloadFilter | None = None) -> set[uuid.UUID]:
        params: dict[str, Any] = {}
        where = _filter_sql(filters, params)
        with self._engine.connect() as conn:
            return set(
                conn.scalars(
                    sql_text(f"SELECT langchain_id FROM {self._table} WHERE TRUE{where}"), params
                )
            )

    def info(self) -> CollectionInfo:
        with self._engine.connect() as conn:
            points = conn.scalar(sql_text(f"SELECT count(*) FROM {self._table}"))
        return CollectionInfo(self._name, self._dimension, self._model, int(points or 0))

    def close(self) -> None:
        if self._owns_engine:
            self._engine.dispose()


def drop_postgres_collection(engine: Engine, collection: str) -> None:
    """Drop a collection's table and its row, whatever embedding model filled it."""
    t = table_name(collection)
    with engine.begin() as conn:
        conn.execute(sql_text("SELECT pg_advisory_xact_lock(:k)"), {"k": _DDL_LOCK})
        conn.execute(sql_text(f"DROP TABLE IF EXISTS {t}"))
        exists = conn.scalar(sql_text("SELECT to_regclass(:t)"), {"t": COLLECTIONS_TABLE})
        if exists is not None:
            conn.execute(
                sql_text(f"DELETE FROM {COLLECTIONS_TABLE} WHERE name = :name"),
                {"name": collection},
            )
