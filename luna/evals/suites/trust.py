"""Trust suite: answers on documents nobody tuned for, scored by required and forbidden strings.

The corpus (``evals/corpus/trust``) and its questions were written before any tuning and split
per type into dev (the default dataset) and test (``--dataset evals/trust_qa.test.v1.jsonl``);
report the test split. A case passes when the answer contains one alternative of every
``required`` group and none of the ``forbidden`` strings (a superseded value, a planted false
price, a hallucination bait) asserted, or, for an unanswerable case, when Luna refuses. A
sentence that names an old value as superseded ("… still states 15,5 ct; this is superseded
by …") does not assert it: answers are meant to name the older statement they supersede.
Beside the answer: evidence@k (every required fact in the first k retrieved passages) and doc
hit@k from the same retriever, and the answer time.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from luna.evals.datasets import EVALS_DIR, TrustCase, dataset_path, load_jsonl
from luna.evals.knowledge import KnowledgeIndex, file_name, ingest_samples
from luna.evals.metrics import evidence_at_k, flat_text, hit_at_k
from luna.evals.suites.base import CaseOutcome, EvalConfig, EvalEnv, EvalSetupError
from luna.evals.suites.qa import ask_rag_timed
from luna.evals.suites.select import select_cases
from luna.graphs.rag.graph import build_rag_graph

CORPUS_DIR = EVALS_DIR / "corpus" / "trust"


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ„\"])")
_SUPERSEDED_MARKERS = (
    "superseded",
    "no longer valid",
    "no longer applies",
    "outdated",
    "überholt",
    "nicht mehr gültig",
    "veraltet",
    "ersetzt durch",
)


def asserted_text(answer: str) -> str:
    """``answer`` without the sentences that name a statement as superseded."""
    sentences = _SENTENCE_END.split(answer)
    kept = [s for s in sentences if not any(m in s.casefold() for m in _SUPERSEDED_MARKERS)]
    return " ".join(kept)


def score_answer(case: TrustCase, answer: str, refused: bool) -> tuple[bool, dict[str, Any]]:
    """Whether the answer passes, and which required groups it missed / forbidden it used."""
    flat = flat_text(answer)
    missing = [g for g in case.required if not any(flat_text(alt) in flat for alt in g)]
    asserted = flat_text(asserted_text(answer))
    used = [f for f in case.forbidden if flat_text(f) in asserted]
    passed = refused if not case.answerable else not refused and not missing
    return passed and not used, {"missing": missing, "forbidden_used": used}


class TrustSuite:
    name = "trust"
    prompt_names: tuple[str, ...] = ("rag_answer", "rag_check", "rag_condense", "rag_calculate")

    def __init__(self, corpus: Path = CORPUS_DIR) -> None:
        self._corpus = corpus

    def cases(self, config: EvalConfig) -> list[Any]:
        return select_cases(load_jsonl(dataset_path("trust", config.dataset), TrustCase), config)

    def model_label(self, env: EvalEnv) -> str:
        return env.runtime.model_name

    def prepare(self, env: EvalEnv) -> None:
        corpus = Path(env.config.corpus) if env.config.corpus else self._corpus
        if env.config.ingest_samples:
            ingest_samples(env.runtime, corpus)
        index = KnowledgeIndex(env.runtime)
        known = {c.document for c in index.chunks}
        wanted = {p.name for p in corpus.iterdir() if p.name != "manifest.json"}
        if not wanted & known:
            raise EvalSetupError(f"none of the trust corpus is ingested: ingest {corpus}")
        env.state["graph"] = build_rag_graph()

    def run_case(self, env: EvalEnv, case: TrustCase) -> CaseOutcome:
        k = env.config.k
        hits = env.runtime.retriever.search(case.question, top_k=k)
        texts = [h.text for h in hits]
        evidence = [r.evidence for r in case.references]
        started = time.perf_counter()
        state, first_token = ask_rag_timed(env, case.question)
        seconds = time.perf_counter() - started
        answer, refused = str(state.get("answer", "")), bool(state.get("refused"))
        passed, why = score_answer(case, answer, refused)
        shown = [s["text"] for s in state.get("sources", [])]
        metrics: dict[str, float | None] = {
            "pass": float(passed),
            f"pass.{case.kind}": float(passed),
            "answer_s": round(seconds, 2),
            "first_token_s": round(first_token, 2) if first_token is not None else None,
            "false_refusal": float(refused) if case.answerable else None,
            f"evidence@{k}": evidence_at_k(texts, evidence, k) if case.answerable else None,
            "evidence@shown": evidence_at_k(shown, evidence, len(shown)) if evidence else None,
            f"doc_hit@{k}": (
                hit_at_k(
                    [
                        int(file_name(h.source) in {r.document for r in case.references})
                        for h in hits
                    ],
                    k,
                )
                if case.answerable
                else None
            ),
        }
        detail = {
            "kind": case.kind,
            "answer": answer,
            "refused": refused,
            "unmentioned": state.get("unmentioned", []),
            **why,
            "retrieved": [f"{file_name(h.source)} | {h.section}" for h in hits],
            "superseded": state.get("superseded", []),
        }
        return CaseOutcome(metrics, passed=passed, detail=detail)
