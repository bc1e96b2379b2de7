"""One QA eval run on the real embedded model: two cases, stored and comparable (slow)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from luna.config import Settings
from luna.evals.compare import compare_runs
from luna.evals.runner import create_run, execute
from luna.evals.suites.base import EvalConfig
from luna.llm.llama_cpp_chat import LlamaCppChatModel
from luna.prompts.registry import register_files
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import EvalResult, EvalRun


@pytest.fixture
def runtime(
    settings: Settings, clean_db: Stores, tmp_path: Path, chat_model: LlamaCppChatModel
) -> Iterator[Runtime]:
    rt = Runtime(settings.model_copy(update={"home": tmp_path}))
    rt.chat_model = chat_model  # type: ignore[misc]
    with session_scope(rt.stores.sessions) as s:
        register_files(s)
    yield rt
    rt.close()


@pytest.mark.slow
def test_qa_eval_on_two_cases_with_the_real_model(runtime: Runtime):
    config = EvalConfig(
        suite="qa",
        case_ids=["qa-013", "qa-053"],  # battery capacity; the 1954 World Cup (unanswerable)
        prompt_versions={"rag_answer": "1.0.0"},
        rag_top_k=2,
    )
    run_id = create_run(runtime, config)
    assert execute(runtime, run_id) == "done"
    with runtime.stores.sessions() as s:
        run = s.get(EvalRun, run_id)
        assert run is not None
        results = {r.case_id: r for r in s.query(EvalResult).filter_by(run_id=run_id)}
        comparison = compare_runs(s, run_id, run_id)
    assert run.metrics["errors"] == 0, [r.error for r in results.values()]
    assert run.prompts["rag_answer"] == "1.0.0"
    assert run.model == runtime.model_name
    answered = results["qa-013"]
    assert answered.detail["prompt"] == "rag_answer@1.0.0"
    assert "10" in answered.detail["answer"]  # 10.0 kWh usable capacity
    assert answered.metrics["citation_recall"] == 1.0
    assert answered.metrics["judge"] is None or 0.0 <= answered.metrics["judge"] <= 1.0
    assert results["qa-053"].metrics["refusal_correct"] == 1.0
    assert all(m.delta in (0.0, None) for m in comparison.metrics)
