"""The engines and the ingest pipeline record their metrics where the work happens."""

from __future__ import annotations

from uuid import uuid4

import pytest
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, LLMResult

from luna.config import Settings
from luna.ingest.pipeline import IngestPipeline
from luna.observability.metrics import prompt_tokens_by_step
from luna.observability.runs import RunTelemetry
from luna.optimisation import OptimisationInfeasible, optimise
from luna.store.factory import Stores
from tests.observability.conftest import value
from tests.optimisation.scenarios import make


class _NoEmbeddings:
    """Failing ingests never reach the embedding model."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        raise AssertionError("not expected")

    def embed_query(self, text: str) -> list[float]:
        raise AssertionError("not expected")


def test_an_optimiser_solve_is_timed_and_an_infeasible_request_counted():
    solves = value("luna_optimiser_solve_seconds_count")
    infeasible = value("luna_optimiser_infeasible_total")
    result = optimise(make(), measure_constraints=False)
    assert value("luna_optimiser_solve_seconds_count") == solves + 1
    assert value("luna_optimiser_solve_seconds_sum") > 0
    assert result.solve_time_ms > 0

    with pytest.raises(OptimisationInfeasible):
        optimise(make(rules=[{"kind": "min_soc", "value_pct": 95}]))
    assert value("luna_optimiser_infeasible_total") == infeasible + 1


def test_failed_ingests_are_counted_by_reason(settings: Settings, clean_db: Stores):
    pipeline = IngestPipeline(clean_db, _NoEmbeddings(), settings)  # type: ignore[arg-type]
    failed = value("luna_ingest_documents_total", status="failed")
    empty = value("luna_ingest_failures_total", reason="empty")
    unsupported = value("luna_ingest_failures_total", reason="unsupported")

    assert pipeline.ingest(b"", "leer.txt").error_code == "empty"
    assert pipeline.ingest(b"\x00\x01binary", "bild.exe").error_code == "unsupported"

    assert value("luna_ingest_documents_total", status="failed") == failed + 2
    assert value("luna_ingest_failures_total", reason="empty") == empty + 1
    assert value("luna_ingest_failures_total", reason="unsupported") == unsupported + 1


def test_prompt_tokens_are_recorded_per_call_by_the_graph_step_that_made_it():
    telemetry = RunTelemetry()
    before = prompt_tokens_by_step().get("generate", (0, 0.0))
    for prompt in (300, 500):
        run = uuid4()
        telemetry.on_chat_model_start(
            {}, [[]], run_id=run, metadata={"ls_model_name": "m", "langgraph_node": "generate"}
        )
        reply = AIMessage(
            "ok", usage_metadata={"input_tokens": prompt, "output_tokens": 1, "total_tokens": 1}
        )
        telemetry.on_llm_end(LLMResult(generations=[[ChatGeneration(message=reply)]]), run_id=run)
    calls, mean = prompt_tokens_by_step()["generate"]
    assert calls == before[0] + 2
    assert calls * mean == before[0] * before[1] + 800
