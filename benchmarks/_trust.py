"""The trust suite's knowledge base for the benchmarks that run only part of the RAG graph.

:func:`trust_knowledge` ingests a split's corpus (:data:`SPLIT_CORPUS`) into a throwaway
database and LUNA_HOME, as ``bench_trust.py`` does, and yields the runtime with a stand-in for
the graph's runtime, whose ``context`` is what the ``retrieve`` and ``screen`` nodes read;
:func:`retrieve_and_screen` runs those two nodes.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from _db import throwaway_database

from luna.config import Settings, site_timezone
from luna.evals.knowledge import ingest_samples
from luna.graphs.rag.nodes import retrieve, screen
from luna.runtime import Runtime

EVALS = Path(__file__).resolve().parents[1] / "evals"

# Each split's corpus under evals/corpus/: the dev and test splits (and dev2) share one.
SPLIT_CORPUS = {
    "dev": "trust",
    "dev2": "trust",
    "test": "trust",
    "probe": "trust_probe",
    "fresh": "trust_fresh",
    "blind": "trust_blind",
    "unseen": "trust_unseen",
    "holdout": "trust_holdout",
}
SPLITS = list(SPLIT_CORPUS)


def split_corpus(split: str) -> Path:
    """The folder of the documents a split's questions are about."""
    return EVALS / "corpus" / SPLIT_CORPUS[split]


def trust_cases(split: str) -> list[dict[str, Any]]:
    """The cases of ``evals/trust_qa.<split>.v1.jsonl``, in file order."""
    lines = (EVALS / f"trust_qa.{split}.v1.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@contextmanager
def trust_knowledge(split: str, top_k: int) -> Iterator[tuple[Runtime, Any]]:
    """The runtime over the split's ingested corpus, and the node runtime for ``top_k``."""
    with throwaway_database() as url, tempfile.TemporaryDirectory() as home:
        settings = Settings(database_url=url, home=Path(home), data_source="none", _env_file=None)
        runtime = Runtime(settings)
        try:
            runtime.register_prompts()
            ingest_samples(runtime, split_corpus(split))
            context = SimpleNamespace(
                retriever=runtime.retriever,
                top_k=top_k,
                filters=None,
                context_tokens=settings.rag_context_tokens,
                timezone=site_timezone(),
            )
            yield runtime, SimpleNamespace(context=context)  # the nodes read runtime.context
        finally:
            runtime.close()


def retrieve_and_screen(node: Any, question: str) -> dict[str, Any]:
    """The RAG state after the ``retrieve`` and ``screen`` nodes (no model is loaded)."""
    state: dict[str, Any] = {"question": question}
    state |= retrieve(state, node)
    state |= screen(state, node)
    return state
