"""Learning cycles end to end on the sample knowledge base with the real embedding model:
simulated feedback improves held-out retrieval, hostile voters cannot, one cycle at a time,
failures and cancellations activate nothing, rollback restores."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from luna.learning import cycles, gate, simulator
from luna.learning.cycles import CycleConflictError
from luna.retrieval.learned_state import current_learned_state, load_state
from luna.retrieval.retriever import Retriever
from luna.runtime import Runtime
from luna.store.sql.database import session_scope
from luna.store.sql.models import (
    Answer,
    Item,
    ItemChunk,
    LearnedStateRecord,
    LearningCycle,
)

WRONG_DOCUMENT = "netzbetreiber-14a-regeln.txt"  # not the answer to any tariff/battery case


@pytest.fixture(scope="module")
def questions() -> list[simulator.SimQuestion]:
    return simulator.sim_questions(variants=5, cases=14)


def _cycle(runtime: Runtime, cycle_id: int) -> LearningCycle:
    with runtime.stores.sessions() as session:
        cycle = session.get(LearningCycle, cycle_id)
        assert cycle is not None
        return cycle


def _active_version(runtime: Runtime) -> int | None:
    with runtime.stores.sessions() as session:
        return session.scalar(
            select(LearnedStateRecord.version).where(LearnedStateRecord.active.is_(True))
        )


def test_simulated_feedback_improves_retrieval_on_held_out_questions(
    runtime: Runtime, questions: list[simulator.SimQuestion]
):
    heldout = [q for q in questions if q.heldout]
    users = simulator.create_users(runtime, honest=30, adversarial=2)
    before = simulator.truth_metrics(runtime.retriever, heldout)
    simulator.simulate_feedback(
        runtime, questions, users, events=2000, target_document=WRONG_DOCUMENT
    )

    cycle_id = cycles.start_cycle(runtime, actor="tester")
    assert cycles.run_cycle(runtime, cycle_id) == "activated"

    after = simulator.truth_metrics(runtime.retriever, heldout)
    margin = after["mrr"] - before["mrr"]
    print(f"held-out MRR {before['mrr']:.4f} → {after['mrr']:.4f} ({margin:+.4f})")
    assert margin >= 0.03
    assert after["hit@5"] >= before["hit@5"]
    cycle = _cycle(runtime, cycle_id)
    assert cycle.started_by == "tester"
    assert cycle.inputs["votes"] == 2000
    assert cycle.inputs["train_votes"] + cycle.inputs["heldout_votes"] == 2000
    assert cycle.eval_after["heldout"]["mrr"] > cycle.eval_before["heldout"]["mrr"]
    version = cycle.outputs["version"]
    assert _active_version(runtime) == version
    # every answer from now on records the state that produced it
    recorded = current_learned_state(runtime)
    assert version in recorded.values()
    simulator.simulate_feedback(runtime, questions[:1], users[:1], events=1, seed=99)
    with runtime.stores.sessions() as session:
        stamped = session.scalars(select(Answer).where(Answer.learned_state == recorded)).all()
        assert len(stamped) == 1  # the one answered after the activation


def test_a_few_hostile_voters_alone_cannot_push_a_wrong_document_up(
    runtime: Runtime, questions: list[simulator.SimQuestion]
):
    tariff = [q for q in questions if WRONG_DOCUMENT not in q.documents]
    rank_before = simulator.document_rank(runtime.retriever, tariff, WRONG_DOCUMENT)
    hostile = simulator.create_users(runtime, honest=0, adversarial=3)
    simulator.simulate_feedback(
        runtime, questions, hostile, events=1500, target_document=WRONG_DOCUMENT
    )

    cycle_id = cycles.start_cycle(runtime, actor="tester")
    status = cycles.run_cycle(runtime, cycle_id)

    assert status == "rejected"
    assert _active_version(runtime) is None
    assert simulator.document_rank(runtime.retriever, tariff, WRONG_DOCUMENT) <= rank_before
    outputs = _cycle(runtime, cycle_id).outputs
    assert not outputs or not outputs.get("weights", {}).get("chunks_weighted")


def test_a_second_cycle_while_one_runs_is_refused(runtime: Runtime):
    first = cycles.start_cycle(runtime, actor="a")
    with pytest.raises(CycleConflictError, match=f"cycle {first} is running"):
        cycles.start_cycle(runtime, actor="b")
    assert cycles.request_cancel(runtime, first)
    assert cycles.run_cycle(runtime, first) == "cancelled"  # stops at its first step
    second = cycles.start_cycle(runtime, actor="b")  # the slot is free again
    assert second != first
    cycles.request_cancel(runtime, second)


def _store_state(runtime: Runtime, chunk_weights: dict[str, float], *, active: bool) -> int:
    with session_scope(runtime.stores.sessions) as session:
        cycle = LearningCycle(kind="weights", status="activated", started_by="seed")
        session.add(cycle)
        session.flush()
        if active:
            session.execute(
                LearnedStateRecord.__table__.update()
                .where(LearnedStateRecord.active.is_(True))
                .values(active=False)
            )
        record = LearnedStateRecord(
            cycle_id=cycle.id,
            active=active,
            chunk_weights=chunk_weights,
            params={"low": 0.5, "high": 1.5},
        )
        session.add(record)
        session.flush()
        return record.version


def _some_chunks(runtime: Runtime, n: int) -> list[int]:
    with runtime.stores.sessions() as session:
        return list(session.scalars(select(ItemChunk.id).order_by(ItemChunk.id).limit(n)))


def test_a_cycle_that_fails_midway_leaves_the_active_state_untouched(
    runtime: Runtime, questions: list[simulator.SimQuestion], monkeypatch: pytest.MonkeyPatch
):
    chunk = _some_chunks(runtime, 1)[0]
    active = _store_state(runtime, {str(chunk): 1.2}, active=True)
    runtime.learned_state.refresh()
    users = simulator.create_users(runtime, honest=8, adversarial=0)
    simulator.simulate_feedback(runtime, questions, users, events=300)
    always = gate.Decision(True, "forced", "heldout.mrr", 1.0)
    monkeypatch.setattr(gate, "decide", lambda *a, **k: always)

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full while recording the decision")

    # fails inside the activation transaction, after the old state was deactivated
    monkeypatch.setattr(cycles, "_record_decision", explode)
    cycle_id = cycles.start_cycle(runtime, actor="tester")

    assert cycles.run_cycle(runtime, cycle_id) == "failed"

    cycle = _cycle(runtime, cycle_id)
    assert "disk full" in (cycle.error or "")
    assert _active_version(runtime) == active
    with runtime.stores.sessions() as session:
        assert session.scalar(select(func.count()).select_from(LearnedStateRecord)) == 1
    assert current_learned_state(runtime)["weights"] == active


def test_rollback_restores_an_earlier_state_and_is_audited(
    runtime: Runtime, questions: list[simulator.SimQuestion]
):
    plain = Retriever(
        runtime.stores.vectors,
        runtime.stores.sessions,
        runtime.embeddings,
        keywords=runtime.settings.retrieval_keywords,
    )
    probe = [q.text for q in questions[:6]]
    baseline = [[c.chunk_id for c in plain.search(q)] for q in probe]
    with runtime.stores.sessions() as session:
        faq = session.scalars(
            select(ItemChunk.id).join(Item).where(Item.source.like("%faq%"))
        ).all()
    first = _store_state(runtime, {str(c): 0.5 for c in faq}, active=True)
    second = _store_state(runtime, {str(c): 1.5 for c in faq}, active=True)
    runtime.learned_state.refresh()
    with runtime.stores.sessions() as session:
        first_state = load_state(session, first)
    expected_first = gate.state_retriever(runtime, runtime.embeddings, first_state)

    audit = cycles.rollback(runtime, first, actor="monika")

    assert _active_version(runtime) == first
    assert [[c.chunk_id for c in runtime.retriever.search(q)] for q in probe] == [
        [c.chunk_id for c in expected_first.search(q)] for q in probe
    ]
    with runtime.stores.sessions() as session:
        replaced = session.scalar(
            select(LearningCycle)
            .join(LearnedStateRecord, LearnedStateRecord.cycle_id == LearningCycle.id)
            .where(LearnedStateRecord.version == second)
        )
        assert replaced is not None
        assert replaced.rolled_back_by == "monika"
        row = session.get(LearningCycle, audit)
        assert row is not None
        assert row.kind == "rollback"
        assert row.inputs == {"from_version": second}

    cycles.rollback(runtime, None, actor="monika")  # back to no learned state at all
    assert _active_version(runtime) is None
    assert [[c.chunk_id for c in runtime.retriever.search(q)] for q in probe] == baseline
    with pytest.raises(cycles.CycleError, match="no learned state 9999"):
        cycles.rollback(runtime, 9999, actor="monika")
