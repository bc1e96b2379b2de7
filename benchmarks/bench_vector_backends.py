"""Vector backends side by side: upsert and search latency on Qdrant Edge and PostgreSQL +
pgvector (LUNA_VECTOR_BACKEND=edge / postgres).

    .venv/bin/python benchmarks/bench_vector_backends.py [--points 10000 | --large] [--dim 384]

Random unit vectors of the embedding dimension, one synthetic text per point (so the keyword
vectors are written and searched as in ingest), 100 points per item. Measured per backend:
upsert in batches (total, points/s, p50/p95 per batch), dense search unfiltered and with an
``item_id`` filter (10 items), keyword (BM25) search, each p50/p95 over --queries queries, and
recall@10 of the dense search against exact cosine ranking (random vectors are HNSW's worst
case; real embeddings do better). Also: langchain-postgres' ``PGVectorStore.add_embeddings``
on --langchain-points points, the row-by-row path the backend does not use.

PostgreSQL: pgserver (the embedded profile's PostgreSQL 16 + pgvector 0.6) in a temporary
directory, or LUNA_BENCH_PGVECTOR_URL (a server with pgvector). The Qdrant server backend is
not measured: no Qdrant server can run on this machine. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import create_engine, text

from luna.store.vectors.base import VectorPoint, VectorStore
from luna.store.vectors.edge import EdgeVectorStore
from luna.store.vectors.postgres import (
    PostgresVectorStore,
    drop_postgres_collection,
    vector_literal,
)


def pct(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def ms(values: Sequence[float]) -> str:
    return f"{pct(values, 50) * 1000:7.1f} / {pct(values, 95) * 1000:7.1f} ms"


def dataset(n: int, dim: int, seed: int = 0) -> tuple[np.ndarray, list[VectorPoint]]:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    # Zipf-distributed words from a made-up vocabulary: realistic term-frequency skew.
    vocabulary = np.array([f"wort{i}" for i in range(5000)])
    ranks = np.minimum(rng.zipf(1.3, size=(n, 60)) - 1, len(vocabulary) - 1)
    items = [uuid.uuid4() for _ in range(max(1, n // 100))]
    points = [
        VectorPoint(
            id=uuid.uuid4(),
            vector=vectors[i].tolist(),
            payload={"item_id": str(items[i // 100 % len(items)]), "ordinal": i % 100},
            text=" ".join(vocabulary[ranks[i]]),
        )
        for i in range(n)
    ]
    return vectors, points


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(
    name: str,
    store: VectorStore,
    vectors: np.ndarray,
    points: list[VectorPoint],
    queries: np.ndarray,
    batch: int,
) -> dict[str, Any]:
    batches = [
        timed(lambda lo=lo: store.upsert(points[lo : lo + batch]))
        for lo in range(0, len(points), batch)
    ]
    total = sum(batches)
    assert store.info().points == len(points)

    dense, filtered, keyword, recall = [], [], [], []
    items = sorted({str(p.payload["item_id"]) for p in points})[:10]
    rng = np.random.default_rng(1)
    for q in queries:
        qv = q.tolist()
        start = time.perf_counter()
        hits = store.search(qv, limit=10)
        dense.append(time.perf_counter() - start)
        exact = set(np.argsort(-(vectors @ q))[:10])
        found = {index_of[h.id] for h in hits}
        recall.append(len(found & exact) / 10)
        filtered.append(timed(lambda qv=qv: store.search(qv, limit=10, filters={"item_id": items})))
        words = " ".join(f"wort{int(w)}" for w in rng.integers(0, 200, size=3))
        keyword.append(timed(lambda w=words: store.search_keywords(w, language="de", limit=10)))
    result = {
        "backend": name,
        "upsert_s": total,
        "upsert_rate": len(points) / total,
        "batch": ms(batches),
        "dense": ms(dense),
        "filtered": ms(filtered),
        "keyword": ms(keyword),
        "recall": statistics.fmean(recall),
    }
    print(
        f"{name:<9} upsert {total:7.1f} s ({result['upsert_rate']:6.0f} points/s, "
        f"batch p50/p95 {result['batch']})\n"
        f"          dense p50/p95 {result['dense']}  recall@10 {result['recall']:.2f}\n"
        f"          filtered (10 items) {result['filtered']}  keyword {result['keyword']}",
        flush=True,
    )
    return result


index_of: dict[uuid.UUID, int] = {}


@contextmanager
def pgvector_server() -> Iterator[str]:
    if url := os.environ.get("LUNA_BENCH_PGVECTOR_URL"):
        yield url
        return
    import pgserver

    data = tempfile.mkdtemp(prefix="luna-bench-pgvector-")
    server = pgserver.get_server(data, cleanup_mode="stop")  # type: ignore[attr-defined]
    try:
        yield server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        server.cleanup()
        shutil.rmtree(data, ignore_errors=True)


def bench_langchain(url: str, points: list[VectorPoint], dim: int) -> None:
    """PGVectorStore.add_embeddings: one INSERT and one commit per row."""
    from langchain_core.embeddings import FakeEmbeddings
    from langchain_postgres import PGEngine, PGVectorStore

    engine = PGEngine.from_connection_string(url)
    table = f"lc_bench_{uuid.uuid4().hex[:8]}"
    try:
        engine.init_vectorstore_table(table, dim)
        store = PGVectorStore.create_sync(engine, FakeEmbeddings(size=dim), table_name=table)
        seconds = timed(
            lambda: store.add_embeddings(
                [p.text or "" for p in points],
                [list(p.vector) for p in points],
                [dict(p.payload) for p in points],
                ids=[str(p.id) for p in points],
            )
        )
        print(
            f"langchain-postgres PGVectorStore.add_embeddings: {len(points)} points in "
            f"{seconds:.1f} s ({len(points) / seconds:.0f} points/s, no keyword vectors, "
            "no HNSW index)",
            flush=True,
        )
        engine.drop_table(table)
    finally:
        engine._run_as_sync(engine.close())
    # the same points through the backend's batched SQL, also without the HNSW index
    sa_engine = create_engine(url, pool_size=2)
    collection = f"bench_{uuid.uuid4().hex[:8]}"
    try:
        pg = PostgresVectorStore(sa_engine, collection, dim, "bench")
        with sa_engine.begin() as conn:
            conn.execute(text(f"DROP INDEX {pg.table}_hnsw"))
        seconds = sum(
            timed(lambda lo=lo: pg.upsert(points[lo : lo + 256]))
            for lo in range(0, len(points), 256)
        )
        print(
            f"postgres backend, batched SQL: {len(points)} points in {seconds:.1f} s "
            f"({len(points) / seconds:.0f} points/s, with keyword vectors, no HNSW index)",
            flush=True,
        )
    finally:
        drop_postgres_collection(sa_engine, collection)
        sa_engine.dispose()


def postgres_recall(
    engine: Any, pg: PostgresVectorStore, vectors: np.ndarray, queries: np.ndarray
) -> None:
    """Recall@10 and latency of the HNSW search by ef_search, and of exact search."""
    for ef in (40, 100, 200, 400):
        store = PostgresVectorStore(engine, pg.name, pg.dimension, "bench", ef_search=ef)
        recall, took = [], []
        for q in queries:
            start = time.perf_counter()
            hits = store.search(q.tolist(), limit=10)
            took.append(time.perf_counter() - start)
            exact = set(np.argsort(-(vectors @ q))[:10])
            recall.append(len({index_of[h.id] for h in hits} & exact) / 10)
        print(
            f"postgres  hnsw ef_search {ef:3d}: {ms(took)}  "
            f"recall@10 {statistics.fmean(recall):.2f}"
        )
    took = []
    for q in queries:
        start = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL enable_indexscan = off"))
            conn.execute(
                text(
                    f"SELECT langchain_id FROM {pg.table} "
                    "ORDER BY embedding <=> CAST(:q AS vector) LIMIT 10"
                ),
                {"q": vector_literal(q.tolist())},
            ).all()
        took.append(time.perf_counter() - start)
    print(f"postgres  exact (no index):   {ms(took)}  recall@10 1.00", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--large", action="store_true", help="100,000 points")
    parser.add_argument("--dim", type=int, default=384, help="multilingual-e5-small: 384")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--langchain-points", type=int, default=1000)
    parser.add_argument("--backends", default="edge,postgres")
    args = parser.parse_args()
    n = 100_000 if args.large else args.points

    vectors, points = dataset(n, args.dim)
    index_of.update({p.id: i for i, p in enumerate(points)})
    queries = np.random.default_rng(2).normal(size=(args.queries, args.dim)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    print(f"{n} points, {args.dim}-d, batches of {args.batch}, {args.queries} queries")
    print("qdrant (server): not measured, no Qdrant server can run on this machine")

    backends = args.backends.split(",")
    if "edge" in backends:
        root = Path(tempfile.mkdtemp(prefix="luna-bench-edge-"))
        store = EdgeVectorStore(root, "chunks", args.dim, "bench")
        try:
            run("edge", store, vectors, points, queries, args.batch)
        finally:
            store.close()
            shutil.rmtree(root, ignore_errors=True)
    if "postgres" in backends:
        with pgvector_server() as url:
            engine = create_engine(url, pool_size=2)
            collection = f"bench_{uuid.uuid4().hex[:8]}"
            pg = PostgresVectorStore(engine, collection, args.dim, "bench")
            try:
                run("postgres", pg, vectors, points, queries, args.batch)
                postgres_recall(engine, pg, vectors, queries)
            finally:
                drop_postgres_collection(engine, collection)
                engine.dispose()
            if args.langchain_points:
                bench_langchain(url, points[: args.langchain_points], args.dim)


if __name__ == "__main__":
    main()
