"""Run the playbook graph for one request and assemble the :class:`Playbook`.

``generate_playbook`` is the one entry point the API, the CLI and the eval runner share.
``run_playbook`` also returns the inputs (data, forecasts, engine results) that the stored
playbook keeps for reproduction, and the path the graph took; ``on_event`` receives the
graph's progress as it happens (``{"stage": "optimise"}``, ``{"remark": "…"}``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from langchain_core.language_models import BaseChatModel

from luna.graphs.playbook.data import load_meter
from luna.graphs.playbook.graph import build_playbook_graph
from luna.graphs.playbook.schema import Playbook, PlaybookCitation, PlaybookRequest
from luna.graphs.playbook.state import PlaybookContext
from luna.runtime import Runtime
from luna.store.sql.database import session_scope
from luna.store.sql.models import User

_GRAPH = build_playbook_graph()
ProgressEvent = dict[str, Any]  # {"stage": name} | {"remark": piece} | {"remark_dropped": why}


@dataclass
class PlaybookRun:
    playbook: Playbook
    inputs: dict[str, Any]
    path: list[str] = field(default_factory=list)
    facts: str = ""  # the FACTS block the model saw: every number the text may use


def playbook_context(
    runtime: Runtime, *, chat_model: BaseChatModel | None = None, **overrides: Any
) -> PlaybookContext:
    """The run context from the runtime; ``overrides`` set any other context field. Without
    a remark the local model is not loaded: the engines write everything else."""
    remark = overrides.setdefault("remark_tokens", runtime.settings.playbook_remark_tokens) > 0
    model = chat_model if chat_model is not None else runtime.chat_model if remark else None
    name = overrides.pop("model_name", None) or getattr(model, "model_name", None)
    given = "retriever" in overrides  # a caller's retriever, or None for no retrieval
    return PlaybookContext(
        sessions=runtime.stores.sessions,
        retriever=overrides.pop("retriever", None),
        retriever_factory=None if given else (lambda: runtime.retriever),
        chat_model=model,
        model_name=str(name or (runtime.model_name if model else runtime.settings.llm_model)),
        settings=runtime.settings,
        timescale=runtime.stores.timescale,
        **overrides,
    )


def run_playbook(
    runtime: Runtime,
    request: PlaybookRequest,
    *,
    user: User | None = None,
    context: PlaybookContext | None = None,
    on_event: Callable[[ProgressEvent], None] | None = None,
) -> PlaybookRun:
    """Generate one playbook. Raises :class:`PlaybookError` (``MeterNotVisibleError`` when
    ``user`` may not see the meter) with the reason in words."""
    started = time.perf_counter()
    ctx = context or playbook_context(runtime)
    runtime.register_prompts()  # the compose prompt exists even outside the API
    with session_scope(runtime.stores.sessions) as session:
        meter = load_meter(session, request.meter_id, user)
    state: dict[str, Any] = {}
    for mode, chunk in _GRAPH.stream(
        {"request": request, "meter": meter}, context=ctx, stream_mode=["custom", "values"]
    ):
        if mode == "values":
            state = cast(dict[str, Any], chunk)
        elif on_event is not None:
            on_event(cast(ProgressEvent, chunk))
    analysis, written = state["analysis"], state["written"]
    citations = [
        PlaybookCitation(
            n=s["n"],
            item_id=s["item_id"],
            chunk_id=s["chunk_id"],
            title=s["title"],
            page=s["page"],
            section=s["section"],
            quote=" ".join(str(s["text"]).split())[:300],
        )
        for s in state.get("sources", [])
    ]
    playbook = Playbook(
        meter_id=meter.meter_id,
        kind=request.kind,
        language=request.language,
        title=written.title,
        summary=written.summary,
        actions=analysis.actions,
        figures=analysis.figures,
        citations=citations,
        assumptions=analysis.assumptions,
        risks=written.risks,
        evidence=analysis.evidence,
        remark=state.get("remark"),
        remark_dropped=state.get("remark_dropped"),
        prompt=state.get("prompt", ""),
        model=ctx.model_name,
        generated_at=datetime.now(UTC),
        generation_ms=round((time.perf_counter() - started) * 1e3, 1),
    )
    return PlaybookRun(playbook, analysis.inputs, state.get("path", []), state.get("facts", ""))


def generate_playbook(
    runtime: Runtime, request: PlaybookRequest, *, user: User | None = None
) -> Playbook:
    """One playbook for ``request`` with the runtime's chat model, retriever and data."""
    return run_playbook(runtime, request, user=user).playbook
