"""The engines and the ingest pipeline record their metrics where the work happens."""

from __future__ import annotations

import pytest

from luna.config import Settings
from luna.ingest.pipeline import IngestPipeline
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
