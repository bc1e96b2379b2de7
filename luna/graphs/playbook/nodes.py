"""The playbook graph's nodes: each reads the state and the run context, returns an update.

gather → analyse → retrieve → compose → validate, and back to compose once with the
validator's complaint, or on to the template when the second draft fails too.
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta
from typing import Any

import pandas as pd
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.runtime import Runtime

from luna.agents.playbook_schema import PlaybookKind
from luna.forecasting import TargetKind
from luna.graphs.playbook.anomaly import analyse_anomaly
from luna.graphs.playbook.compose import (
    call_model,
    context_block,
    draft_text,
    facts_block,
    parse_draft,
    prompt_variables,
    repeated_sentences,
    template_draft,
)
from luna.graphs.playbook.data import (
    STEP,
    Forecasts,
    net_import_and_prices,
    readings_end,
    spot_prices,
)
from luna.graphs.playbook.numbers import AllowedNumbers, unsupported_numbers
from luna.graphs.playbook.schedule import PlanData, analyse_schedule
from luna.graphs.playbook.state import Analysis, PlaybookContext, PlaybookState
from luna.graphs.playbook.tariff import analyse_tariff
from luna.prompts.registry import load_active

log = logging.getLogger(__name__)
PROMPT_NAME = "playbook_compose"


def _path(state: PlaybookState, node: str) -> list[str]:
    return [*state.get("path", []), node]


def _forecasts(ctx: PlaybookContext) -> Forecasts:
    return Forecasts(
        ctx.settings, ctx.history_days, ctx.selection_days, ctx.forecast_model, ctx.timescale
    )


def gather(state: PlaybookState, runtime: Runtime[PlaybookContext]) -> dict[str, Any]:
    """Read the stored data and make the forecasts this kind of playbook needs."""
    ctx = runtime.context
    request, meter = state["request"], state["meter"]
    fc = _forecasts(ctx)
    steps = request.horizon_hours * 4
    data: dict[str, Any] = {}
    with ctx.sessions() as session:
        conn = session.connection()
        end = readings_end(conn, meter.meter_id)
        if request.kind in (PlaybookKind.BATTERY, PlaybookKind.LOAD_SHIFT):
            load = fc.predict(
                fc.series(conn, TargetKind.CONSUMPTION, meter, end), TargetKind.CONSUMPTION, steps
            )
            pv = None
            if meter.pv_kwp > 0:
                pv = fc.predict(fc.series(conn, TargetKind.PV, meter, end), TargetKind.PV, steps)
            spot, source, price_fc = spot_prices(conn, meter, end, steps, fc)
            data["plan"] = PlanData(end, steps, spot, source, load, pv, price_fc)
        elif request.kind is PlaybookKind.TARIFF_CHECK:
            data["frame"] = net_import_and_prices(
                conn, meter, end, ctx.tariff_days, ctx.settings, ctx.timescale
            )
        else:
            window_start = end - timedelta(hours=request.horizon_hours)
            predicted = fc.predict(
                fc.series(conn, TargetKind.CONSUMPTION, meter, window_start),
                TargetKind.CONSUMPTION,
                steps,
            )
            recent = Forecasts(
                ctx.settings, math.ceil(request.horizon_hours / 24) + 1, 1, None, ctx.timescale
            ).series(conn, TargetKind.CONSUMPTION, meter, end)
            actual = recent[recent.index >= pd.Timestamp(window_start)]
            spot, _, _ = spot_prices(conn, meter, window_start, steps, fc)
            index = pd.date_range(window_start, periods=steps, freq=STEP, tz="UTC")
            hourly_spot = pd.Series(spot, index=index).groupby(index.floor("h")).mean()
            data.update(actual=actual, predicted=predicted, spot=hourly_spot)
    return {"data": data, "path": _path(state, "gather")}


def analyse(state: PlaybookState, runtime: Runtime[PlaybookContext]) -> dict[str, Any]:
    """Run the kind's engine: the optimiser, the tariff comparison or the anomaly backtest."""
    request, meter, data = state["request"], state["meter"], state["data"]
    tz = runtime.context.settings.timezone
    analysis: Analysis
    if request.kind in (PlaybookKind.BATTERY, PlaybookKind.LOAD_SHIFT):
        analysis = analyse_schedule(request, meter, data["plan"], tz)
    elif request.kind is PlaybookKind.TARIFF_CHECK:
        analysis = analyse_tariff(request, meter, data["frame"], tz)
    else:
        analysis = analyse_anomaly(
            request, meter, data["actual"], data["predicted"], data["spot"], tz
        )
    return {"analysis": analysis, "path": _path(state, "analyse")}


def retrieve(state: PlaybookState, runtime: Runtime[PlaybookContext]) -> dict[str, Any]:
    """Passages for the analysis's questions (tariff, device manual, grid rules), deduplicated."""
    ctx = runtime.context
    sources: list[dict[str, Any]] = []
    if ctx.retriever is not None:
        seen: set[int] = set()
        for query in state["analysis"].queries:
            for hit in ctx.retriever.search(query, top_k=ctx.top_k):
                if hit.chunk_id in seen or len(sources) >= ctx.max_citations:
                    continue
                seen.add(hit.chunk_id)
                sources.append(
                    {
                        "n": len(sources) + 1,
                        "item_id": str(hit.item_id),
                        "chunk_id": hit.chunk_id,
                        "title": hit.title,
                        "page": hit.page,
                        "section": hit.section,
                        "score": round(hit.score, 4),
                        "text": hit.text,
                    }
                )
    facts = facts_block(state["request"], state["meter"], state["analysis"])
    return {
        "sources": sources,
        "facts": facts,
        "context": context_block(sources),
        "path": _path(state, "retrieve"),
    }


def compose(state: PlaybookState, runtime: Runtime[PlaybookContext]) -> dict[str, Any]:
    """Ask the model for the draft; a retry shows it its rejected reply and the reason."""
    ctx = runtime.context
    with ctx.sessions() as session:
        prompt = load_active(session, PROMPT_NAME)
    history = []
    errors = state.get("errors", [])
    if errors and state.get("raw_reply") is not None:
        history = [
            AIMessage(state["raw_reply"]),
            HumanMessage(f"Rejected: {errors[-1]}. Write the JSON again."),
        ]
    messages = prompt.render(
        history=history,
        **prompt_variables(state["request"], state["facts"], state["context"]),
    )
    attempts = state.get("attempts", 0) + 1
    try:
        raw = call_model(ctx.chat_model, messages, dict(prompt.spec.params))
    except Exception as exc:  # a model failure (timeout, backend down) degrades to the template
        log.warning("playbook compose attempt %d failed: %s", attempts, exc)
        return {
            "raw_reply": None,
            "draft": None,
            "attempts": attempts,
            "errors": [*errors, f"model call failed: {type(exc).__name__}: {exc}"],
            "prompt": prompt.ref,
            "path": _path(state, "compose"),
        }
    return {
        "raw_reply": raw,
        "draft": None,
        "attempts": attempts,
        "prompt": prompt.ref,
        "path": _path(state, "compose"),
    }


def validate(state: PlaybookState, runtime: Runtime[PlaybookContext]) -> dict[str, Any]:
    """Accept the draft only if it parses, every number in it is one of the FACTS, and its
    summary says each thing once."""
    update: dict[str, Any] = {"path": _path(state, "validate")}
    raw = state.get("raw_reply")
    if raw is None:  # the model call itself failed; compose recorded why
        return update
    errors = list(state.get("errors", []))
    try:
        draft = parse_draft(raw)
    except ValueError as exc:
        update["errors"] = [*errors, str(exc)]
        return update
    allowed = AllowedNumbers.from_texts([state["facts"]])
    bad = unsupported_numbers(draft_text(draft), allowed)
    if bad:
        update["errors"] = [
            *errors,
            f"these numbers are not in FACTS: {', '.join(bad)}; copy numbers from FACTS only",
        ]
        return update
    repeats = repeated_sentences(draft.summary)
    if repeats:
        update["errors"] = [
            *errors,
            f"the summary repeats itself ({repeats[0]!r}); say each thing once",
        ]
        return update
    update.update(draft=draft, text_source="model")
    return update


def after_validate(state: PlaybookState, runtime: Runtime[PlaybookContext]) -> str:
    if state.get("draft") is not None:
        return "done"
    if state.get("attempts", 0) < runtime.context.max_attempts:
        return "retry"
    return "fallback"


def fallback(state: PlaybookState) -> dict[str, Any]:
    """Text from the numbers alone, flagged as such."""
    return {
        "draft": template_draft(state["analysis"]),
        "text_source": "template",
        "path": _path(state, "fallback"),
    }
