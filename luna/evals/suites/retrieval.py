"""Retrieval suite: rank the knowledge base for each answerable question; embeddings only."""

from __future__ import annotations

from typing import Any

from luna.evals.datasets import QaCase, dataset_path, load_jsonl
from luna.evals.knowledge import KnowledgeIndex, file_name, ingest_samples
from luna.evals.metrics import evidence_at_k, hit_at_k, ndcg_at_k, reciprocal_rank
from luna.evals.suites.base import CaseOutcome, EvalConfig, EvalEnv, EvalSetupError
from luna.evals.suites.select import select_cases


class RetrievalSuite:
    name = "retrieval"
    prompt_names: tuple[str, ...] = ()

    def cases(self, config: EvalConfig) -> list[Any]:
        cases = load_jsonl(dataset_path("retrieval", config.dataset), QaCase)
        return select_cases([c for c in cases if c.answerable], config)

    def model_label(self, env: EvalEnv) -> str:
        return f"embeddings:{env.runtime.settings.embedding_model}"

    def prepare(self, env: EvalEnv) -> None:
        if env.config.ingest_samples:
            ingest_samples(env.runtime)
        index = KnowledgeIndex(env.runtime)
        if not index.chunks:
            raise EvalSetupError("the knowledge base is empty: ingest samples/knowledge first")
        env.state["index"] = index

    def run_case(self, env: EvalEnv, case: QaCase) -> CaseOutcome:
        index: KnowledgeIndex = env.state["index"]
        k = env.config.k
        hits = env.runtime.retriever.search(case.question, top_k=k)
        grades = [
            index.grade(file_name(h.source), h.title, h.section, h.text, case.references)
            for h in hits
        ]
        doc_grades = [1 if g else 0 for g in grades]
        section_grades = [1 if g == 2 else 0 for g in grades]
        texts = [h.text for h in hits]
        evidence = [r.evidence for r in case.references]
        expected_docs = {r.document for r in case.references}
        found_docs = {file_name(h.source) for h in hits} & expected_docs
        metrics: dict[str, float | None] = {
            "hit@1": hit_at_k(doc_grades, 1),
            "hit@3": hit_at_k(doc_grades, 3),
            f"hit@{k}": hit_at_k(doc_grades, k),
            "evidence@3": evidence_at_k(texts, evidence, 3),
            f"evidence@{k}": evidence_at_k(texts, evidence, k),
            "mrr": reciprocal_rank(doc_grades),
            f"ndcg@{k}": ndcg_at_k(grades, index.ideal_grades(case.references), k),
            f"section_hit@{k}": hit_at_k(section_grades, k),
            "section_mrr": reciprocal_rank(section_grades),
            f"doc_recall@{k}": len(found_docs) / len(expected_docs),
        }
        detail = {
            "missing_documents": index.missing(case.references),
            "ranking": [
                {
                    "document": file_name(h.source),
                    "section": h.section,
                    "score": round(h.score, 4),
                    "grade": g,
                }
                for h, g in zip(hits, grades, strict=True)
            ],
        }
        return CaseOutcome(metrics, passed=bool(metrics[f"section_hit@{k}"]), detail=detail)
