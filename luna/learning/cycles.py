"""Learning cycles: read feedback → train candidates → gate → activate or reject; rollback.

A cycle is a row in ``learning_cycles`` (its audit record) and a plain function that updates
its ``step``/``progress`` as it goes; cycles started through the API or the schedule run it as
jobs on the queue (:mod:`luna.jobs.learning`), ``luna learn run`` in its own process. The
database lets only one cycle run at a time (a partial unique index; a second start raises
:class:`CycleConflictError`). Nothing is activated until the very end, in one transaction that
also records the decision: a cycle that fails or is cancelled midway leaves the active state
exactly as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from luna.learning import gate, training
from luna.learning.signals import load_signals
from luna.learning.weights import WeightParams, WeightSet
from luna.retrieval.learned_state import LearnedState, Matrix, adapter_to_bytes, load_state
from luna.runtime import Runtime
from luna.store.sql.database import session_scope
from luna.store.sql.models import LearnedStateRecord, LearningCycle

log = logging.getLogger(__name__)
KINDS = ("full", "weights", "adapter")
Progress = Callable[[str, float], None]


class CycleConflictError(RuntimeError):
    """Another cycle is running."""


class CycleError(RuntimeError):
    """Unknown cycle or state, or an operation its status does not allow."""


class CycleCancelledError(Exception):
    pass


class _Interrupted(Exception):  # noqa: N818 - carries what should_stop raised past the catch-all
    def __init__(self, original: BaseException) -> None:
        super().__init__(str(original))
        self.original = original


def running_cycle(session: Session) -> int | None:
    return session.scalar(select(LearningCycle.id).where(LearningCycle.status == "running"))


def start_cycle(runtime: Runtime, *, kind: str = "full", actor: str | None = None) -> int:
    """Store a new running cycle and return its id; :class:`CycleConflictError` if one runs."""
    if kind not in KINDS:
        raise CycleError(f"unknown cycle kind {kind!r}; one of {', '.join(KINDS)}")
    try:
        with session_scope(runtime.stores.sessions) as session:
            cycle = LearningCycle(kind=kind, status="running", started_by=actor, step="queued")
            session.add(cycle)
            session.flush()
            return cycle.id
    except IntegrityError:
        with runtime.stores.sessions() as session:
            other = running_cycle(session)
        raise CycleConflictError(f"learning cycle {other} is running") from None


def request_cancel(runtime: Runtime, cycle_id: int) -> bool:
    """Mark a running cycle cancelled (it stops at its next step); False if it was not running.
    Also frees the slot of a cycle whose process died."""
    with session_scope(runtime.stores.sessions) as session:
        cycle = session.get(LearningCycle, cycle_id, with_for_update=True)
        if cycle is None:
            raise CycleError(f"no learning cycle {cycle_id}")
        if cycle.status != "running":
            return False
        cycle.status, cycle.finished_at = "cancelled", datetime.now(UTC)
        cycle.decision = "cancelled"
        return True


def _step(runtime: Runtime, cycle_id: int, step: str, progress: float) -> None:
    """Record progress; raise :class:`CycleCancelledError` if the cycle was cancelled meanwhile."""
    with session_scope(runtime.stores.sessions) as session:
        cycle = session.get(LearningCycle, cycle_id, with_for_update=True)
        if cycle is None or cycle.status != "running":
            raise CycleCancelledError
        cycle.step, cycle.progress = step, round(progress, 3)


@dataclass
class Candidate:
    name: str
    state: LearnedState
    weights: WeightSet | None


def _candidates(
    kind: str,
    active: LearnedState,
    weights: WeightSet | None,
    adapter: Matrix | None,
    params: WeightParams,
) -> list[Candidate]:
    """Which combinations of the new parts with the active ones the gate compares."""

    def state(new_weights: bool, new_adapter: bool) -> LearnedState:
        assert weights is not None or not new_weights
        return LearnedState(
            None,
            chunk_weights=weights.chunks if weights and new_weights else active.chunk_weights,
            item_weights=weights.items if weights and new_weights else active.item_weights,
            low=params.low,
            high=params.high,
            adapter=adapter if new_adapter else active.adapter,
        )

    out = []
    if kind in ("full", "weights") and weights is not None:
        out.append(Candidate("weights", state(True, False), weights))
    if kind in ("full", "adapter") and adapter is not None:
        out.append(Candidate("adapter", state(False, True), None))
    if kind == "full" and weights is not None and adapter is not None:
        out.append(Candidate("weights+adapter", state(True, True), weights))
    return out


def run_cycle(
    runtime: Runtime,
    cycle_id: int,
    *,
    now: datetime | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> str:
    """Execute the cycle; returns its final status (activated, rejected, failed, cancelled).

    ``should_stop`` is asked before each step (a job's cancel): True ends the cycle
    ``cancelled``; an exception it raises is re-raised and leaves the cycle ``running`` for a
    later :func:`run_cycle` to start over (nothing is activated before the last step).
    """
    settings = runtime.settings
    now = now or datetime.now(UTC)
    params = WeightParams.from_settings(settings)

    def step(name: str, fraction: float) -> None:
        if should_stop is not None:
            try:
                stop = should_stop()
            except Exception as exc:
                raise _Interrupted(exc) from exc
            if stop:
                request_cancel(runtime, cycle_id)
                raise CycleCancelledError
        _step(runtime, cycle_id, name, fraction)
        if progress is not None:
            progress(name, fraction)

    try:
        with runtime.stores.sessions() as session:
            cycle = session.get(LearningCycle, cycle_id)
            if cycle is None:
                raise CycleError(f"no learning cycle {cycle_id}")
            kind = cycle.kind
        step("reading feedback", 0.05)
        with runtime.stores.sessions() as session:
            signals = load_signals(session, until=now)
            active = load_state(session)
        train, held = signals.split(settings.learning_holdout_fraction)
        inputs = {
            **signals.inputs,
            "train_votes": len(train),
            "heldout_votes": len(held),
            "active_version": active.version,
        }
        with session_scope(runtime.stores.sessions) as session:
            row = session.get(LearningCycle, cycle_id)
            assert row is not None
            row.inputs = inputs
        embeddings = gate.CachedEmbeddings(runtime.embeddings)
        weights: WeightSet | None = None
        weight_stats = None
        if kind in ("full", "weights"):
            step("weights", 0.15)
            weights = training.train_weights(train, now, params)
            weight_stats = weights.stats
            if not (weights.chunks or weights.items):
                weights = None  # no target had enough voters: nothing to try
        matrix, adapter_stats = None, None
        if kind in ("full", "adapter"):
            step("adapter", 0.3)
            with runtime.stores.sessions() as session:
                matrix, adapter_stats = training.train_adapter(
                    session,
                    embeddings,
                    train,
                    signals.curated,
                    signals.chunk_items,
                    settings.learning_adapter_ridge,
                    settings.learning_min_voters,
                )
        candidates = _candidates(kind, active, weights, matrix, params)
        if not candidates:
            return _finish(
                runtime,
                cycle_id,
                "rejected",
                "nothing to learn: no target with enough distinct voters, no training pairs",
                outputs={"weights": weight_stats, "adapter": adapter_stats},
            )
        step("labelling held-out queries", 0.45)
        heldout = gate.build_heldout(
            signals.votes,
            held,
            embeddings.embed_query,
            signals.chunk_items,
            settings.learning_min_voters,
        )
        step("evaluating the active state", 0.55)
        before = gate.evaluate(runtime, embeddings, active, heldout)
        results = []
        for n, candidate in enumerate(candidates):
            step(f"evaluating candidate {candidate.name}", 0.65 + 0.3 * n / len(candidates))
            after = gate.evaluate(runtime, embeddings, candidate.state, heldout)
            decision = gate.decide(
                before,
                after,
                min_gain=settings.learning_min_gain,
                tolerance=settings.learning_tolerance,
            )
            results.append((candidate, after, decision))
        step("deciding", 0.97)
        stats = {"weights": weight_stats, "adapter": adapter_stats}
        return _conclude(runtime, cycle_id, before, results, stats, params)
    except CycleCancelledError:
        return "cancelled"
    except _Interrupted as stopped:
        raise stopped.original from None
    except Exception as exc:  # the cycle fails with its reason; the active state is untouched
        log.exception("learning cycle %s failed", cycle_id)
        return _finish(runtime, cycle_id, "failed", None, error=f"{type(exc).__name__}: {exc}")


def _finish(
    runtime: Runtime,
    cycle_id: int,
    status: str,
    decision: str | None,
    *,
    error: str | None = None,
    outputs: dict[str, Any] | None = None,
) -> str:
    with session_scope(runtime.stores.sessions) as session:
        cycle = session.get(LearningCycle, cycle_id, with_for_update=True)
        if cycle is None or cycle.status != "running":
            return cycle.status if cycle is not None else status
        cycle.status, cycle.decision, cycle.error = status, decision, error
        if outputs is not None:
            cycle.outputs = outputs
        cycle.finished_at = datetime.now(UTC)
        return status


def _conclude(
    runtime: Runtime,
    cycle_id: int,
    before: dict[str, Any],
    results: list[tuple[Candidate, dict[str, Any], gate.Decision]],
    stats: dict[str, Any],
    params: WeightParams,
) -> str:
    """One transaction: store and activate the best passing candidate, or record the rejection."""
    passing = [r for r in results if r[2].activate]
    chosen = max(passing or results, key=lambda r: r[2].gain)
    candidate, after, decision = chosen
    outputs: dict[str, Any] = {
        "candidates": {
            c.name: {"activate": d.activate, "reason": d.reason, "gain": round(d.gain, 4)}
            for c, _, d in results
        },
        "chosen": candidate.name,
        **stats,
    }
    status = "activated" if decision.activate else "rejected"
    with session_scope(runtime.stores.sessions) as session:
        cycle = session.get(LearningCycle, cycle_id, with_for_update=True)
        if cycle is None or cycle.status != "running":
            return cycle.status if cycle is not None else "cancelled"
        if decision.activate:
            version = _activate(session, cycle_id, candidate, params)
            outputs["version"] = version
        _record_decision(cycle, status, decision.reason, before, after, outputs)
    if decision.activate:
        runtime.learned_state.refresh()
    return status


def _activate(session: Session, cycle_id: int, candidate: Candidate, params: WeightParams) -> int:
    state = candidate.state
    session.execute(
        update(LearnedStateRecord).where(LearnedStateRecord.active.is_(True)).values(active=False)
    )
    record = LearnedStateRecord(
        cycle_id=cycle_id,
        active=True,
        activated_at=datetime.now(UTC),
        chunk_weights={str(k): v for k, v in state.chunk_weights.items()},
        item_weights=dict(state.item_weights),
        adapter=adapter_to_bytes(state.adapter) if state.adapter is not None else None,
        adapter_dim=int(state.adapter.shape[1]) if state.adapter is not None else None,
        params={"low": params.low, "high": params.high, "candidate": candidate.name},
        stats=candidate.weights.stats if candidate.weights is not None else {},
    )
    session.add(record)
    session.flush()
    return record.version


def _record_decision(
    cycle: LearningCycle,
    status: str,
    reason: str,
    before: dict[str, Any],
    after: dict[str, Any],
    outputs: dict[str, Any],
) -> None:
    cycle.status, cycle.decision = status, reason
    cycle.eval_before, cycle.eval_after, cycle.outputs = before, after, outputs
    cycle.step, cycle.progress = "done", 1.0
    cycle.finished_at = datetime.now(UTC)


def rollback(runtime: Runtime, version: int | None, *, actor: str) -> int:
    """Activate learned state ``version`` (None: no learned state, the neutral baseline) in
    one transaction; the cycle whose state it replaces records who rolled it back. Returns the
    id of the ``rollback`` cycle row that audits the change."""
    now = datetime.now(UTC)
    with session_scope(runtime.stores.sessions) as session:
        target = None
        if version is not None:
            target = session.get(LearnedStateRecord, version, with_for_update=True)
            if target is None:
                raise CycleError(f"no learned state {version}")
        current = session.scalar(
            select(LearnedStateRecord).where(LearnedStateRecord.active.is_(True)).with_for_update()
        )
        session.execute(
            update(LearnedStateRecord)
            .where(LearnedStateRecord.active.is_(True))
            .values(active=False)
        )
        if target is not None:
            target.active, target.activated_at = True, now
        if current is not None and current.cycle_id is not None and current is not target:
            replaced = session.get(LearningCycle, current.cycle_id)
            if replaced is not None:
                replaced.rolled_back_by, replaced.rolled_back_at = actor, now
        audit = LearningCycle(
            kind="rollback",
            status="activated",
            started_by=actor,
            finished_at=now,
            step="done",
            progress=1.0,
            inputs={"from_version": current.version if current is not None else None},
            outputs={"version": version},
            decision=f"rollback to {'version ' + str(version) if version else 'no learned state'}",
        )
        session.add(audit)
        session.flush()
        audit_id = audit.id
    runtime.learned_state.refresh()
    return audit_id
