"""QA suite: run the RAG graph on each question and score the answer.

The graph runs with the run's pinned prompt versions (``--prompt rag_answer@1.0.0`` evaluates
that version without activating it). Scores: LLM-as-judge, token F1 and embedding similarity
against the reference answer; faithfulness against the cited passages and groundedness against
all retrieved ones; refusal correctness;
citation recall and precision against the expected documents.
"""

from __future__ import annotations

import time
from typing import Any

from langchain_core.messages import HumanMessage

from luna.config import AnswerCheck
from luna.evals.datasets import QaCase, dataset_path, load_jsonl
from luna.evals.judge import judge
from luna.evals.knowledge import KnowledgeIndex, ingest_samples
from luna.evals.metrics import citation_scores, cosine, faithfulness, token_f1
from luna.evals.suites.base import CaseOutcome, EvalConfig, EvalEnv, EvalSetupError
from luna.evals.suites.select import select_cases
from luna.graphs.rag.graph import build_rag_graph
from luna.graphs.rag.state import RagContext
from luna.prompts.registry import load_version

CORRECT_F1 = 0.5  # without a judge grade: token F1 at least this ...
CORRECT_SIMILARITY = 0.9  # ... or embedding similarity at least this


def ask_rag(env: EvalEnv, question: str) -> dict[str, Any]:
    """One question through the RAG graph, as the API asks it, with the run's pinned prompts."""
    state: dict[str, Any] = env.state["graph"].invoke(
        {"messages": [HumanMessage(question)], "question": question}, context=rag_context(env)
    )
    return state


def rag_context(env: EvalEnv) -> RagContext:
    """The graph's run context for ``env``: its runtime's stores and models, pinned prompts."""
    rt = env.runtime
    return RagContext(
        retriever=rt.retriever,
        chat_model=rt.chat_model,
        sessions=rt.stores.sessions,
        model_name=rt.model_name,
        timezone=rt.settings.timezone,
        price_zone=rt.settings.price_zone,
        timescale=rt.stores.timescale,
        top_k=env.config.rag_top_k,
        prompt_versions=env.prompts,
        answer_check=env.config.answer_check,
        context_tokens=rt.settings.rag_context_tokens,
    )


def ask_rag_timed(env: EvalEnv, question: str) -> tuple[dict[str, Any], float | None]:
    """``ask_rag`` streamed as ``POST /rag/ask`` streams it, with the seconds to the first
    answer token: the first token ``generate`` streams, or the whole answer a node writes
    without streaming (a refusal, a calculation)."""
    ctx = rag_context(env)
    started = time.perf_counter()
    first: float | None = None
    state: dict[str, Any] = {}
    for mode, chunk in env.state["graph"].stream(
        {"messages": [HumanMessage(question)], "question": question},
        context=ctx,
        stream_mode=["messages", "values"],
    ):
        if mode == "values":
            state = chunk
            if first is None and state.get("answer"):
                first = time.perf_counter() - started
        elif first is None:
            message, meta = chunk
            if meta.get("langgraph_node") == "generate" and message.content:
                first = time.perf_counter() - started
    return state, first


class QaSuite:
    name = "qa"
    prompt_names: tuple[str, ...] = (
        "rag_answer",
        "rag_check",
        "rag_condense",
        "rag_calculate",
        "eval_judge",
    )

    def cases(self, config: EvalConfig) -> list[Any]:
        return select_cases(load_jsonl(dataset_path("qa", config.dataset), QaCase), config)

    def model_label(self, env: EvalEnv) -> str:
        return env.runtime.model_name

    def prepare(self, env: EvalEnv) -> None:
        if env.config.ingest_samples:
            ingest_samples(env.runtime)
        index = KnowledgeIndex(env.runtime)
        if not index.chunks:
            raise EvalSetupError("the knowledge base is empty: ingest samples/knowledge first")
        env.state["index"] = index
        env.state["graph"] = build_rag_graph()
        with env.runtime.stores.sessions() as session:
            judge_version = env.prompts["eval_judge"]
            env.state["judge_prompt"] = load_version(session, "eval_judge", judge_version)

    def run_case(self, env: EvalEnv, case: QaCase) -> CaseOutcome:
        rt = env.runtime
        index: KnowledgeIndex = env.state["index"]
        state = ask_rag(env, case.question)
        answer: str = state.get("answer", "")
        refused: bool = bool(state.get("refused"))
        citations: list[dict[str, Any]] = state.get("citations", [])
        sources: list[dict[str, Any]] = state.get("sources", [])
        cited_docs = [index.document_of(c["item_id"]) or c["title"] for c in citations]
        detail: dict[str, Any] = {
            "answer": answer,
            "refused": refused,
            "answerable_check": (
                state.get("answerable") if env.config.answer_check is not AnswerCheck.OFF else None
            ),
            "unmentioned": state.get("unmentioned", []),
            "prompt": state.get("prompt"),
            "model": rt.model_name,
            "cited_documents": cited_docs,
            "citations": [
                {"n": c["n"], "section": c["section"], "quote": c["quote"][:160]} for c in citations
            ],
            "retrieved_documents": [index.document_of(s["item_id"]) for s in sources],
        }
        metrics: dict[str, float | None] = {"refusal_correct": float(refused != case.answerable)}
        if not case.answerable:
            return CaseOutcome(metrics, passed=refused, detail=detail)

        metrics.update(
            {
                "judge": 0.0,
                "token_f1": 0.0,
                "semantic_similarity": 0.0,
                "faithfulness": None,
                "groundedness": None,
                "citation_recall": 0.0,
                "citation_precision": None,
            }
        )
        if refused:
            return CaseOutcome(metrics, passed=False, detail=detail)

        f1 = round(token_f1(answer, case.answer), 4)
        vectors = rt.embeddings.embed_documents([answer, case.answer])
        similarity = round(cosine(vectors[0], vectors[1]), 4)
        cited_text = "\n".join(
            s["text"] for s in sources if s["n"] in {c["n"] for c in citations}
        ) or "\n".join(s["text"] for s in sources)
        faithful = faithfulness(answer, cited_text)
        # Against everything retrieved: the graph cites the top passage when the model gave
        # no [n], so an answer can be grounded yet unfaithful to its (guessed) citation.
        grounded = faithfulness(answer, "\n".join(s["text"] for s in sources))
        detail["unsupported_numbers"] = faithful.unsupported_numbers
        recall, precision = citation_scores(cited_docs, [r.document for r in case.references])
        grade: float | None = None
        if env.config.judge:
            verdict = judge(
                rt.chat_model,
                env.state["judge_prompt"],
                question=case.question,
                reference=case.answer,
                answer=answer,
            )
            grade = verdict.score
            detail["judge_reply"] = verdict.raw
        metrics.update(
            {
                "judge": grade,
                "token_f1": f1,
                "semantic_similarity": similarity,
                "faithfulness": faithful.score,
                "groundedness": grounded.score,
                "citation_recall": recall,
                "citation_precision": precision,
            }
        )
        if grade is not None:
            correct = grade >= 0.5
        else:
            correct = f1 >= CORRECT_F1 or similarity >= CORRECT_SIMILARITY
        return CaseOutcome(metrics, passed=correct and recall > 0, detail=detail)
