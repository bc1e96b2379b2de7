"""The gate: a candidate learned state is activated only if it measurably helps.

Two measurements, each run for the active state and for the candidate:

- the ``retrieval`` eval suite (the versioned eval questions over the knowledge base), run
  through the suite's own case logic with a retriever that uses the given state;
- held-out feedback queries: questions never trained on, labelled by votes — the documents
  that answers to them and to near-duplicate questions were up-voted for, net of
  down-votes (``luna.learning.labels``). Item-level MRR/hit@k of the retriever against those labels.

The primary metric is held-out MRR (the suite's MRR when there are too few held-out queries);
it must gain at least ``min_gain`` and no other metric may drop by more than ``tolerance``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.embeddings import Embeddings

from luna.evals.metrics import mean_metrics, ranking_scores
from luna.evals.suites.base import EvalConfig, EvalEnv, EvalSetupError
from luna.evals.suites.retrieval import RetrievalSuite
from luna.learning.labels import label_questions
from luna.learning.signals import normalise
from luna.learning.weights import Vote
from luna.retrieval.learned_state import LearnedState
from luna.retrieval.retriever import Retriever
from luna.runtime import Runtime

MIN_HELDOUT = 5  # fewer held-out queries than this: the suite's MRR is the primary metric
K = 5
SUITE_METRICS = ("mrr", "hit@1", f"hit@{K}", f"ndcg@{K}", "section_mrr")
HELDOUT_METRICS = ("mrr", "hit@1", f"hit@{K}")


class CachedEmbeddings(Embeddings):
    """Embeds each distinct query once per cycle: every candidate is scored on the same
    vectors, and a cycle costs one embedding per question, not one per candidate."""

    def __init__(self, base: Embeddings) -> None:
        self._base = base
        self._queries: dict[str, list[float]] = {}

    def embed_query(self, text: str) -> list[float]:
        if text not in self._queries:
            self._queries[text] = self._base.embed_query(text)
        return self._queries[text]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._base.embed_documents(texts)


def state_retriever(runtime: Runtime, embeddings: Embeddings, state: LearnedState) -> Retriever:
    """A retriever that serves ``state`` (and nothing else), over the runtime's stores."""
    return Retriever(
        runtime.stores.vectors,
        runtime.stores.sessions,
        embeddings,
        weights=state.weights if state.has_weights else None,
        adapter=state.adapt if state.adapter is not None else None,
        keywords=runtime.settings.retrieval_keywords,
    )


@dataclass(frozen=True)
class HeldoutQuery:
    question: str
    relevant_items: frozenset[str]


def build_heldout(
    votes: Sequence[Vote],
    heldout: Sequence[Vote],
    embed: Callable[[str], list[float]],
    chunk_items: Mapping[int, str],
    min_voters: int = 1,
) -> list[HeldoutQuery]:
    """Held-out questions labelled by the votes on them and on their near-duplicates."""
    wanted = {normalise(v.question) for v in heldout}
    labels = label_questions(votes, embed, chunk_items, only=wanted, min_voters=min_voters)
    return [HeldoutQuery(label.question, label.items) for label in labels.values()]


def heldout_metrics(retriever: Retriever, queries: Sequence[HeldoutQuery]) -> dict[str, Any]:
    rows = []
    for q in queries:
        hits = retriever.search(q.question, top_k=K)
        grades = [1 if str(h.item_id) in q.relevant_items else 0 for h in hits]
        rows.append(ranking_scores(grades, K))
    metrics: dict[str, Any] = mean_metrics(rows)
    metrics["queries"] = len(rows)
    return metrics


def suite_metrics(runtime: Runtime, retriever: Retriever) -> dict[str, Any]:
    """The ``retrieval`` suite's mean metrics with ``retriever`` (no run is stored)."""
    view = Runtime(runtime.settings, runtime.stores)  # shares the stores, owns nothing
    view.__dict__["retriever"] = retriever
    suite = RetrievalSuite()
    config = EvalConfig(suite="retrieval", k=K, ingest_samples=False)
    env = EvalEnv(view, config, {})
    try:
        cases = suite.cases(config)
        suite.prepare(env)
    except EvalSetupError as exc:
        return {"cases": 0, "skipped": str(exc)}
    rows = [suite.run_case(env, case).metrics for case in cases]
    metrics: dict[str, Any] = mean_metrics(rows)
    metrics["cases"] = len(rows)
    return metrics


def evaluate(
    runtime: Runtime, embeddings: Embeddings, state: LearnedState, heldout: Sequence[HeldoutQuery]
) -> dict[str, Any]:
    retriever = state_retriever(runtime, embeddings, state)
    return {
        "retrieval": suite_metrics(runtime, retriever),
        "heldout": heldout_metrics(retriever, heldout),
    }


@dataclass(frozen=True)
class Decision:
    activate: bool
    reason: str
    primary: str
    gain: float


def decide(
    before: dict[str, Any], after: dict[str, Any], *, min_gain: float, tolerance: float
) -> Decision:
    """Activate if the primary metric gains ≥ ``min_gain`` and nothing drops > ``tolerance``."""
    if after["heldout"].get("queries", 0) >= MIN_HELDOUT:
        primary = "heldout.mrr"
    elif after["retrieval"].get("cases", 0) > 0:
        primary = "retrieval.mrr"
    else:
        return Decision(False, "nothing to measure: no held-out queries and no eval cases", "", 0.0)
    suite, name = primary.split(".")
    gain = float(after[suite].get(name, 0.0)) - float(before[suite].get(name, 0.0))
    drops = []
    for part, names in (("retrieval", SUITE_METRICS), ("heldout", HELDOUT_METRICS)):
        for metric in names:
            if metric in before[part] and metric in after[part]:
                drop = float(before[part][metric]) - float(after[part][metric])
                if drop > tolerance:
                    drops.append(f"{part}.{metric} -{drop:.4f}")
    if drops:
        return Decision(
            False, f"degrades beyond tolerance {tolerance}: {', '.join(drops)}", primary, gain
        )
    if gain < min_gain:
        return Decision(
            False, f"{primary} {gain:+.4f} is below the required gain {min_gain}", primary, gain
        )
    return Decision(True, f"{primary} {gain:+.4f} (≥ {min_gain}), nothing degraded", primary, gain)
