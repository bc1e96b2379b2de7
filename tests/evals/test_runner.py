"""The eval runner: stored runs, resume, cancel, failing cases, compare; the retrieval suite
end to end over the real embedding model; the QA suite's prompt pinning with a scripted model."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from sqlalchemy import select

from luna.config import Settings
from luna.evals import runner
from luna.evals.compare import compare_runs
from luna.evals.knowledge import SAMPLES_DIR
from luna.evals.runner import EvalRunError, create_run, execute, reopen, request_cancel
from luna.evals.suites.base import CaseOutcome, EvalConfig, EvalEnv
from luna.prompts.registry import load_active, newest, register_files
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import EvalResult, EvalRun


@pytest.fixture
def runtime(settings: Settings, clean_db: Stores, tmp_path: Path) -> Iterator[Runtime]:
    rt = Runtime(settings.model_copy(update={"home": tmp_path}))
    with session_scope(rt.stores.sessions) as s:
        register_files(s)
    yield rt
    rt.close()


@dataclass(frozen=True)
class Case:
    id: str


class ScriptedSuite:
    """Five cases; case 3 raises (``fail="*"``: every case); ``cancel_after`` cancels the run
    through the database."""

    name = "routing"
    prompt_names: tuple[str, ...] = ("rag_answer",)
    calls: ClassVar[list[str]] = []

    def __init__(self, cancel_after: str | None = None, fail: str | None = "c3") -> None:
        self.cancel_after, self.fail = cancel_after, fail

    def cases(self, config: EvalConfig) -> list[Any]:
        return [Case(f"c{i}") for i in range(1, 6)][: config.limit]

    def model_label(self, env: EvalEnv) -> str:
        return "scripted"

    def prepare(self, env: EvalEnv) -> None:
        pass

    def run_case(self, env: EvalEnv, case: Case) -> CaseOutcome:
        self.calls.append(case.id)
        if self.fail in (case.id, "*"):
            raise RuntimeError("tool exploded")
        if case.id == self.cancel_after:
            request_cancel(env.runtime, env.state.get("run_id") or _latest_run(env.runtime))
        score = 1.0 if case.id in ("c1", "c2") else 0.0
        return CaseOutcome({"tool_accuracy": score}, passed=score == 1.0, detail={"id": case.id})


def _latest_run(rt: Runtime) -> int:
    with rt.stores.sessions() as s:
        return int(s.scalar(select(EvalRun.id).order_by(EvalRun.id.desc())) or 0)


def _results(rt: Runtime, run_id: int) -> dict[str, EvalResult]:
    with rt.stores.sessions() as s:
        rows = s.scalars(select(EvalResult).where(EvalResult.run_id == run_id))
        return {r.case_id: r for r in rows}


def test_a_failing_case_is_stored_and_the_run_goes_on(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(runner, "get_suite", lambda name: ScriptedSuite())
    ScriptedSuite.calls = []
    run_id = create_run(runtime, EvalConfig(suite="routing"), actor="tester")
    assert execute(runtime, run_id) == "done"
    results = _results(runtime, run_id)
    assert sorted(results) == ["c1", "c2", "c3", "c4", "c5"]
    assert results["c3"].error == "RuntimeError: tool exploded"
    assert results["c3"].passed is False
    with runtime.stores.sessions() as s:
        run = s.get(EvalRun, run_id)
        assert run is not None
        assert run.status == "done"
        assert run.metrics["errors"] == 1
        assert run.metrics["tool_accuracy"] == 0.5  # c1, c2 of the four that ran
        assert run.metrics["pass_rate"] == 0.4
        assert run.prompts == {"rag_answer": newest("rag_answer").version}  # the active one
        assert run.created_by == "tester"
        assert run.duration_s is not None
        assert run.finished_at is not None


def test_a_run_in_which_no_case_could_run_is_failed_with_the_reason(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(runner, "get_suite", lambda name: ScriptedSuite(fail="*"))
    run_id = create_run(runtime, EvalConfig(suite="routing"), actor="tester")
    assert execute(runtime, run_id) == "failed"  # never "done" with a pass rate of 0
    with runtime.stores.sessions() as s:
        run = s.get(EvalRun, run_id)
        assert run is not None
        assert run.status == "failed"
        assert run.error == "all 5 cases failed; the first: RuntimeError: tool exploded"
        assert run.metrics["errors"] == 5


def test_cancel_then_resume_runs_only_the_unfinished_and_failed_cases(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
):
    suite = ScriptedSuite(cancel_after="c2")
    monkeypatch.setattr(runner, "get_suite", lambda name: suite)
    ScriptedSuite.calls = []
    run_id = create_run(runtime, EvalConfig(suite="routing"))
    assert execute(runtime, run_id) == "cancelled"
    assert ScriptedSuite.calls == ["c1", "c2"]
    with session_scope(runtime.stores.sessions) as s:
        s.get(EvalRun, run_id).status = "running"  # type: ignore[union-attr]
    with pytest.raises(EvalRunError, match="marked running"):
        reopen(runtime, run_id)
    reopen(runtime, run_id, force=True)
    suite.cancel_after = None
    assert execute(runtime, run_id) == "done"
    assert ScriptedSuite.calls == ["c1", "c2", "c3", "c4", "c5"]
    ScriptedSuite.calls = []
    suite.fail = None  # the error of c3 was transient: resuming retries only it
    with session_scope(runtime.stores.sessions) as s:
        s.get(EvalRun, run_id).status = "failed"  # type: ignore[union-attr]
    reopen(runtime, run_id)
    execute(runtime, run_id)
    assert ScriptedSuite.calls == ["c3"]
    assert _results(runtime, run_id)["c3"].error is None
    with pytest.raises(EvalRunError, match="is done"):
        reopen(runtime, run_id)


def test_should_stop_cancels_before_the_next_case(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(runner, "get_suite", lambda name: ScriptedSuite(fail=None))
    stop = threading.Event()
    seen: list[str] = []

    def progress(done: int, total: int, case_id: str) -> None:
        seen.append(f"{done}/{total}")
        if done == 3:
            stop.set()

    run_id = create_run(runtime, EvalConfig(suite="routing"))
    assert execute(runtime, run_id, progress=progress, should_stop=stop.is_set) == "cancelled"
    assert seen == ["1/5", "2/5", "3/5"]


def test_unknown_prompt_version_is_refused_before_the_run_exists(runtime: Runtime):
    config = EvalConfig(suite="qa", prompt_versions={"rag_answer": "9.9.9"})
    with pytest.raises(EvalRunError, match=r"rag_answer@9\.9\.9"):
        create_run(runtime, config)
    with runtime.stores.sessions() as s:
        assert s.scalar(select(EvalRun.id)) is None


def test_a_suite_whose_component_is_missing_fails_with_the_reason(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
):
    import luna.evals.suites.routing as routing_suite

    def missing(module: str, name: str) -> Any:
        raise routing_suite.EvalSetupError(f"{module}.{name} is not available: no module")

    monkeypatch.setattr(routing_suite, "_import", missing)
    run_id = create_run(runtime, EvalConfig(suite="routing", limit=2))
    assert execute(runtime, run_id) == "failed"
    with runtime.stores.sessions() as s:
        run = s.get(EvalRun, run_id)
        assert run is not None
        assert "luna.graphs.agent.routing.route is not available" in (run.error or "")


def test_retrieval_suite_end_to_end_stored_and_compared(runtime: Runtime):
    """Real embeddings over the whole sample knowledge base; two cut-offs, then compare."""
    cases = ["qa-001", "qa-013", "qa-022", "qa-029", "qa-035", "qa-041", "qa-046"]
    wide = create_run(runtime, EvalConfig(suite="retrieval", case_ids=cases, k=5))
    assert execute(runtime, wide) == "done"
    narrow = create_run(runtime, EvalConfig(suite="retrieval", case_ids=cases, k=1))
    assert execute(runtime, narrow) == "done"

    with runtime.stores.sessions() as s:
        run = s.get(EvalRun, wide)
        assert run is not None
        assert run.model == "embeddings:multilingual-e5-small"
        assert run.metrics["cases"] == len(cases)
        assert run.metrics["errors"] == 0
        for key in ("hit@1", "hit@5", "mrr", "ndcg@5", "section_hit@5"):
            assert 0.0 <= run.metrics[key] <= 1.0
        assert run.metrics["hit@5"] >= run.metrics["hit@1"]
        assert run.metrics["hit@5"] >= 0.7  # the sample questions are not hard
        result = _results(runtime, wide)["qa-001"]
        assert result.detail["ranking"][0]["document"] == "luna-strom-dynamisch-preisblatt.pdf"
        assert result.detail["missing_documents"] == []
        comparison = compare_runs(s, wide, narrow)
    deltas = {m.metric: m for m in comparison.metrics}
    assert deltas["hit@1"].delta == 0.0  # the same ranking, cut differently
    assert deltas["ndcg@1"].a is None  # only the narrow run has it
    flipped = {c.case_id for c in comparison.broken}
    wide_results, narrow_results = _results(runtime, wide), _results(runtime, narrow)
    expected = {c for c in cases if wide_results[c].passed and not narrow_results[c].passed}
    assert flipped == expected
    assert comparison.fixed == []


class RecordingModel(FakeListChatModel):
    seen: ClassVar[list[str]] = []

    def _call(self, messages, stop=None, run_manager=None, **kwargs):  # type: ignore[override]
        self.seen.append(str(messages[0].content))
        return super()._call(messages, stop, run_manager, **kwargs)


def test_qa_suite_runs_the_pinned_prompt_version_without_activating_it(runtime: Runtime):
    tariff = SAMPLES_DIR / "luna-strom-dynamisch-preisblatt.pdf"
    assert runtime.ingest.ingest(tariff.read_bytes(), tariff.name).chunks > 0
    model = RecordingModel(
        responses=[
            '{"answerable": true}',  # qa-001: the answerability check
            "Der Grundpreis beträgt 14,90 € pro Monat brutto [1].",  # qa-001 answer
            "CORRECT",  # the judge
            '{"answerable": false}',  # qa-053 (World Cup): refused by the check
        ]
    )
    RecordingModel.seen = []
    runtime.chat_model = model  # type: ignore[misc]
    runtime.model_name = "scripted"  # type: ignore[misc]
    config = EvalConfig(
        suite="qa",
        case_ids=["qa-001", "qa-053"],
        prompt_versions={"rag_answer": "1.0.0"},
        ingest_samples=False,
    )
    run_id = create_run(runtime, config)
    assert execute(runtime, run_id) == "done"
    assert "briefly and precisely" in RecordingModel.seen[1]  # 1.0.0's system prompt
    assert RecordingModel.seen[0] == RecordingModel.seen[1]  # the check shares the prefix
    assert RecordingModel.seen[2].startswith("You grade answers")
    with runtime.stores.sessions() as s:
        assert load_active(s, "rag_answer").spec.version == newest("rag_answer").version
        run = s.get(EvalRun, run_id)
        assert run is not None
        assert run.prompts == {
            "rag_answer": "1.0.0",
            "rag_check": "1.1.0",  # the newest shipped version is active on first start
            "rag_condense": "1.0.0",
            "rag_calculate": "1.1.0",
            "eval_judge": "1.0.0",
        }
    results = _results(runtime, run_id)
    answered, refused = results["qa-001"], results["qa-053"]
    assert answered.detail["prompt"] == "rag_answer@1.0.0"
    assert answered.passed is True
    assert answered.metrics["judge"] == 1.0
    assert answered.metrics["citation_recall"] == 1.0
    # [1] is whatever passage ranked first: the claim is faithful only if it holds 14,90 €.
    quote = answered.detail["citations"][0]["quote"]
    assert answered.metrics["faithfulness"] == (1.0 if "14,90" in quote else 0.0)
    assert answered.metrics["token_f1"] > 0.5
    assert refused.passed is True
    assert refused.metrics == {"refusal_correct": 1.0}
    assert refused.detail["answerable_check"] is False
    assert answered.detail["answerable_check"] is True
