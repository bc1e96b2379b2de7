"""The playbook graph's nodes: each reads the state and the run context, returns an update.

gather → analyse → retrieve → compose → remark. Each node reports its stage on the custom
stream (``data``, ``forecast``, ``optimise`` or ``analyse``, ``retrieve``, ``compose``) and the
remark its pieces, so the API can show progress while the playbook is made.
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta
from typing import Any

import pandas as pd
from langgraph.runtime import Runtime

from luna.domain.tariff import Tariff
from luna.forecasting import TargetKind
from luna.graphs.playbook.anomaly import analyse_anomaly
from luna.graphs.playbook.compose import (
    engine_text,
    facts_block,
    remark_problems,
    remark_variables,
    stream_remark,
)
from luna.graphs.playbook.data import (
    STEP,
    Forecasts,
    net_import_and_prices,
    readings_end,
    spot_prices,
)
from luna.graphs.playbook.schedule import PlanData, analyse_schedule
from luna.graphs.playbook.schema import PlaybookKind
from luna.graphs.playbook.state import Analysis, PlaybookContext, PlaybookState
from luna.graphs.playbook.tariff import analyse_tariff
from luna.prompts.registry import load_active

log = logging.getLogger(__name__)
PROMPT_NAME = "playbook_remark"


def _path(state: PlaybookState, node: str) -> list[str]:
    return [*state.get("path", []), node]


def _forecasts(ctx: PlaybookContext) -> Forecasts:
    return Forecasts(
        ctx.settings, ctx.history_days, ctx.selection_days, ctx.forecast_model, ctx.timescale
    )


def gather(state: PlaybookState, runtime: Runtime[PlaybookContext]) -> dict[str, Any]:
    """Read the stored data and make the forecasts this kind of playbook needs."""
    ctx = runtime.context
    runtime.stream_writer({"stage": "data"})
    request, meter = state["request"], state["meter"]
    fc = _forecasts(ctx)
    steps = request.horizon_hours * 4
    data: dict[str, Any] = {}
    with ctx.sessions() as session:
        conn = session.connection()
        end = readings_end(conn, meter.meter_id)
        if request.kind is not PlaybookKind.TARIFF_CHECK:
            runtime.stream_writer({"stage": "forecast"})
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
    settings = runtime.context.settings
    tz, tariff = settings.timezone, Tariff.from_settings(settings)
    analysis: Analysis
    schedule = request.kind in (PlaybookKind.BATTERY, PlaybookKind.LOAD_SHIFT)
    runtime.stream_writer({"stage": "optimise" if schedule else "analyse"})
    if schedule:
        analysis = analyse_schedule(request, meter, data["plan"], tz, tariff)
    elif request.kind is PlaybookKind.TARIFF_CHECK:
        analysis = analyse_tariff(request, meter, data["frame"], tz, tariff)
    else:
        analysis = analyse_anomaly(
            request, meter, data["actual"], data["predicted"], data["spot"], tz, tariff
        )
    return {"analysis": analysis, "path": _path(state, "analyse")}


def retrieve(state: PlaybookState, runtime: Runtime[PlaybookContext]) -> dict[str, Any]:
    """Passages for the analysis's questions (tariff, device manual, grid rules), deduplicated."""
    ctx = runtime.context
    runtime.stream_writer({"stage": "retrieve"})
    sources: list[dict[str, Any]] = []
    retriever = ctx.search_retriever()
    if retriever is not None:
        seen: set[int] = set()
        for query in state["analysis"].queries:
            for hit in retriever.search(query, top_k=ctx.top_k):
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
        "path": _path(state, "retrieve"),
    }


def compose(state: PlaybookState, runtime: Runtime[PlaybookContext]) -> dict[str, Any]:
    """Title, summary and risks from the engine templates: no model, no waiting."""
    runtime.stream_writer({"stage": "compose"})
    written = engine_text(state["request"], state["analysis"])
    return {"written": written, "path": _path(state, "compose")}


def remark(state: PlaybookState, runtime: Runtime[PlaybookContext]) -> dict[str, Any]:
    """The model's one short remark, streamed as it is written and kept only if it passes
    :func:`remark_problems`; a failing model costs the remark, never the playbook."""
    ctx = runtime.context
    update: dict[str, Any] = {
        "remark": None,
        "remark_dropped": None,
        "path": _path(state, "remark"),
    }
    if ctx.remark_tokens <= 0 or ctx.chat_model is None:
        return update
    with ctx.sessions() as session:
        prompt = load_active(session, PROMPT_NAME)
    update["prompt"] = prompt.ref
    request, written = state["request"], state["written"]
    variables = remark_variables(request, state["analysis"], state.get("sources", []))
    messages = prompt.render(history=[], **variables)
    params = dict(prompt.spec.params) | {"max_tokens": ctx.remark_tokens}
    pieces: list[str] = []
    try:
        for piece in stream_remark(ctx.chat_model, messages, params):
            pieces.append(piece)
            runtime.stream_writer({"remark": piece})
    except Exception as exc:  # a model failure (timeout, backend down) costs only the remark
        log.warning("playbook remark failed: %s", exc)
        update["remark_dropped"] = f"model call failed: {type(exc).__name__}: {exc}"
        runtime.stream_writer({"remark_dropped": update["remark_dropped"]})
        return update
    text_ = " ".join("".join(pieces).split()).strip(" \"'")
    problems = remark_problems(text_, request.language, written.summary)
    if problems:
        update["remark_dropped"] = "; ".join(problems)
        runtime.stream_writer({"remark_dropped": update["remark_dropped"]})
    else:
        update["remark"] = text_
    return update
