"""Learning benchmark: a cycle over simulated feedback, and what it does to retrieval.

    .venv/bin/python benchmarks/bench_learning.py [--events 100000] [--variants 8]

Runs against a throwaway database (LUNA_BENCH_DATABASE_URL, default the PostgreSQL server on
127.0.0.1:5432) and a temporary LUNA_HOME with the sample knowledge base and the real
embedding model (multilingual-e5-small). Prints:

- the simulation: events (answers with one vote each), distinct questions, up/down votes;
- the cycle: wall time, peak RSS growth of the process, its decision and gate numbers;
- ground-truth retrieval on the held-out paraphrases (never trained on): document hit@5 and
  MRR before and after the cycle;
- the added retrieval latency of the weight hook and the query adapter (per search, with the
  query embedding cached, so only the hooks differ).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
from itertools import pairwise
from pathlib import Path

from _db import throwaway_database

from luna.config import Settings
from luna.evals.knowledge import ingest_samples
from luna.learning import cycles, simulator
from luna.learning.gate import CachedEmbeddings
from luna.retrieval.retriever import Retriever
from luna.runtime import Runtime
from luna.store.sql.models import LearningCycle


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _search_ms(retriever: Retriever, queries: list[str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        for q in queries:
            t0 = time.perf_counter()
            retriever.search(q, top_k=5)
            times.append((time.perf_counter() - t0) * 1e3)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--variants", type=int, default=8)
    parser.add_argument("--honest", type=int, default=200)
    parser.add_argument("--adversarial", type=int, default=5)
    args = parser.parse_args()
    with throwaway_database() as url, tempfile.TemporaryDirectory() as home:
        settings = Settings(  # type: ignore[call-arg]
            database_url=url, home=Path(home), data_source="none", _env_file=None
        )
        runtime = Runtime(settings)
        model = runtime.embeddings
        # The simulation and the ground-truth checks embed each distinct text once; the cycle
        # gets the bare model, so its time includes embedding every question it reads.
        runtime.__dict__["embeddings"] = CachedEmbeddings(model)
        t0 = time.perf_counter()
        ingest_samples(runtime)
        print(f"sample knowledge base ingested in {time.perf_counter() - t0:.1f} s")
        questions = simulator.sim_questions(
            variants=args.variants, holdout_fraction=settings.learning_holdout_fraction
        )
        heldout = [q for q in questions if q.heldout]
        users = simulator.create_users(runtime, args.honest, args.adversarial)
        before = simulator.truth_metrics(runtime.retriever, heldout)

        t0 = time.perf_counter()
        sim = simulator.simulate_feedback(
            runtime,
            questions,
            users,
            events=args.events,
            target_document="netzbetreiber-14a-regeln.txt",
        )
        print(f"simulated in {time.perf_counter() - t0:.1f} s: {json.dumps(sim)}")

        memo = runtime.embeddings
        runtime.__dict__["embeddings"] = model
        rss0 = _rss_mb()
        t0 = time.perf_counter()
        cycle_id = cycles.start_cycle(runtime, actor="bench")
        steps: list[tuple[str, float]] = []
        status = cycles.run_cycle(
            runtime, cycle_id, progress=lambda step, _: steps.append((step, time.perf_counter()))
        )
        elapsed = time.perf_counter() - t0
        marks = [*steps, ("end", time.perf_counter())]
        print(
            "  steps: "
            + "; ".join(f"{a} {b_t - a_t:.1f} s" for (a, a_t), (_, b_t) in pairwise(marks))
        )
        print(f"cycle {cycle_id}: {status} in {elapsed:.1f} s, peak RSS +{_rss_mb() - rss0:.0f} MB")
        runtime.__dict__["embeddings"] = memo
        with runtime.stores.sessions() as session:
            row = session.get(LearningCycle, cycle_id)
            assert row is not None
            print(f"  inputs   {json.dumps(row.inputs)}")
            print(f"  decision {row.decision}")
            print(f"  outputs  {json.dumps(row.outputs)}")
            print(f"  before   {json.dumps(row.eval_before)}")
            print(f"  after    {json.dumps(row.eval_after)}")

        after = simulator.truth_metrics(runtime.retriever, heldout)
        print(f"held-out paraphrases (ground truth, {len(heldout)} questions, never trained on):")
        for metric in ("hit@5", "mrr", "hit@1"):
            print(
                f"  {metric:6s} before {before[metric]:.4f}  after {after[metric]:.4f}  "
                f"({after[metric] - before[metric]:+.4f})"
            )

        cached = runtime.embeddings
        plain = Retriever(runtime.stores.vectors, runtime.stores.sessions, cached)
        learned = runtime.learned_state
        hooked = Retriever(
            runtime.stores.vectors,
            runtime.stores.sessions,
            cached,
            weights=learned.weights,
            adapter=learned.adapt,
        )
        sample = [q.text for q in heldout[:40]]
        _search_ms(plain, sample, 1)  # warm the embedding cache and the store
        base = _search_ms(plain, sample, 3)
        with_hooks = _search_ms(hooked, sample, 3)
        print(
            f"search p50 without hooks {statistics.median(base):.2f} ms, with the active "
            f"state's hooks {statistics.median(with_hooks):.2f} ms "
            f"(added {statistics.median(with_hooks) - statistics.median(base):+.2f} ms; "
            f"versions {learned.versions()})"
        )
        runtime.close()


if __name__ == "__main__":
    main()
