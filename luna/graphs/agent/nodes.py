"""The energy assistant's nodes: ``plan`` chooses a tool call, ``compose`` writes the answer.

Tools run in LangGraph's ``ToolNode`` between them (see ``graph.py``). Failures never end the
run: an unusable routing reply is retried once with the error and then dropped (the answer is
composed without a tool), a tool error becomes a result the answer reports, and a model error
while composing yields a degraded answer built from the tool results.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langgraph.runtime import Runtime

from luna.config import AnswerCheck
from luna.core.language import Language, conversation_language, guess_language
from luna.graphs.agent.attribution import attributed_answer, unattributed_meters
from luna.graphs.agent.data_answer import meter_refusal, written_answer
from luna.graphs.agent.intents import DOCUMENTS, TARIFF, rule_calls
from luna.graphs.agent.meters import METER, names_meter_by_place
from luna.graphs.agent.routing import conversation, route
from luna.graphs.agent.state import AgentContext, AgentState
from luna.graphs.rag.answerability import refusal, unexplained_specifics
from luna.graphs.rag.guard import screen
from luna.prompts.registry import load_active
from luna.tools.results import PASSAGE_CHARS, clip

log = logging.getLogger(__name__)

ROUTE_PROMPT = "agent_route"
ANSWER_PROMPT = "agent_answer"
_CITATION = re.compile(r"\[(\d{1,2})\]")
_BRACKETED = re.compile(r"\[([^\[\]]{0,80})\]")
_DOUBLED_UNIT = re.compile(r"\b(kWh|kW|ct/kWh|€/MWh|EUR|€|%)(\s+\1)+(?!\w)")
_METER_WORD = re.compile(r"\b(meter|zähler\w*|messstelle\w*)\b", re.IGNORECASE)
_CITATION_FIELDS = ("n", "kind", "ref", "tool", "title", "item_id", "chunk_id", "page", "section")


def split_turn(messages: Sequence[BaseMessage]) -> tuple[list[BaseMessage], list[BaseMessage]]:
    """Earlier turns, and this turn's messages after the user's question (tool traffic)."""
    last_human = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=-1)
    if last_human < 0:
        return [], list(messages)
    return list(messages[:last_human]), list(messages[last_human + 1 :])


def _call_message(tool: str, args: dict[str, Any]) -> AIMessage:
    call_id = f"call_{uuid.uuid4().hex[:12]}"
    return AIMessage(content="", tool_calls=[{"name": tool, "args": args, "id": call_id}])


def _tool_call(state: AgentState, tool: str, args: dict[str, Any], **update: Any) -> dict[str, Any]:
    return {
        "messages": [_call_message(tool, args)],
        "next": "tools",
        "rounds": state.get("rounds", 0) + 1,
        "tools_used": [*state.get("tools_used", []), tool],
        **update,
    }


def _model_kwargs(ctx: AgentContext, timeout_s: float | None) -> dict[str, Any]:
    """Per-call options only the llama.cpp backend understands."""
    if timeout_s is not None and ctx.chat_model._llm_type == "luna-llama-cpp":
        return {"timeout_s": timeout_s}
    return {}


def plan(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Choose the next tool call: queued rule calls, then rules, then one model call."""
    ctx = runtime.context
    rounds = state.get("rounds", 0)
    if rounds >= ctx.max_tool_rounds:
        return {"next": "compose"}
    pending = list(state.get("pending", []))
    if pending:
        call = pending.pop(0)
        return _tool_call(state, call["tool"], call["args"], pending=pending)
    if rounds > 0:
        return {"next": "compose"}  # one routing decision per turn; the queue did the rest

    history, _ = split_turn(state.get("messages", []))
    question = state["question"]
    names = [t.name for t in ctx.tools]
    refused = foreign_meter(question, ctx)
    if refused is not None:
        return {"next": "compose", "route_method": "rule", "meter_error": refused}
    if state.get("route_attempts", 0) == 0:
        meters = ctx.meters() if ctx.meters and names_meter_by_place(question) else None
        calls = rule_calls(
            question,
            history,
            available=names,
            now=ctx.now(),
            tz=ctx.timezone,
            meters=meters,
            country=ctx.country,
        )
        if calls is not None:
            if not calls:
                return {"next": "compose", "route_method": "rule"}
            first, *rest = calls
            queued = [{"tool": c.tool, "args": c.args} for c in rest]
            return _tool_call(
                state,
                first.tool,
                first.args,
                pending=queued,
                route_method="rule",
                standalone_question=first.restated,
            )

    with ctx.sessions() as session:
        prompt = load_active(session, ROUTE_PROMPT)
    prompts = [*state.get("prompts", []), prompt.ref]
    attempts = state.get("route_attempts", 0) + 1
    try:
        decision = route(
            ctx.chat_model,
            question,
            tools=ctx.tools,
            history=conversation(history, ctx.history_turns),
            prompt=prompt,
            feedback=state.get("route_error"),
            use_rules=False,
            timeout_s=ctx.route_timeout_s,
            now=ctx.now(),
            timezone=ctx.timezone,
            country=ctx.country,
        )
    except Exception as exc:  # a model timeout or crash: answer without a tool, no retry
        log.warning("routing failed: %s", exc)
        return {
            "next": "compose",
            "prompts": prompts,
            "route_attempts": attempts,
            "route_error": f"routing failed: {type(exc).__name__}: {exc}",
        }
    update: dict[str, Any] = {
        "prompts": prompts,
        "route_attempts": attempts,
        "route_method": decision.method,
    }
    if decision.error is not None:
        retry = attempts < 2
        return {**update, "route_error": decision.error, "next": "plan" if retry else "compose"}
    if decision.tool is None:
        return {**update, "route_error": None, "next": "compose"}
    return _tool_call(state, decision.tool, decision.args, route_error=None, **update)


def foreign_meter(question: str, ctx: AgentContext) -> str | None:
    """Why the user may not read a meter the question names, or None. A document or tariff
    question may quote codes that look like meter ids ("EEG-2023"): those are meters only
    where the question says so."""
    if ctx.meter_check is None:
        return None
    if (DOCUMENTS.search(question) or TARIFF.search(question)) and not _METER_WORD.search(question):
        return None
    for meter in METER.findall(question):
        error = ctx.meter_check(meter.upper())
        if error is not None:
            return error
    return None


def route_after_plan(state: AgentState) -> str:
    return state.get("next", "compose")


# --- compose ---------------------------------------------------------------------------


def gather_sources(turn: Sequence[BaseMessage]) -> tuple[list[dict[str, Any]], list[str]]:
    """This turn's citable sources, numbered from 1, and the text of failed tool calls."""
    sources: list[dict[str, Any]] = []
    errors: list[str] = []
    for message in turn:
        if not isinstance(message, ToolMessage):
            continue
        if message.status == "error":
            errors.append(f"{message.name}: {clip(str(message.content), 400)}")
            continue
        refs = (
            (message.artifact or {}).get("sources", [])
            if isinstance(message.artifact, dict)
            else []
        )
        single_data = len([r for r in refs if r.get("kind") == "data"]) == 1
        for ref in refs:
            if any(s["ref"] == ref["ref"] for s in sources):
                continue
            text = (
                clip(str(message.content))
                if ref.get("kind") == "data" and single_data and len(refs) == 1
                else ref.get("summary") or clip(ref.get("text", ""), PASSAGE_CHARS)
            )
            sources.append({**ref, "n": len(sources) + 1, "prompt_text": text})
    return sources, errors


def screened_sources(sources: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sources as the model may read them: document passages are untrusted data and go
    through the RAG graph's screen (instructions removed, informal price or duty claims marked
    or removed, see ``luna.graphs.rag.guard``); data results are Luna's own."""
    documents = [{**s, "text": s["prompt_text"]} for s in sources if s.get("kind") == "document"]
    screened = {int(p["n"]): p["text"] for p in screen(documents)}
    return [{**s, "prompt_text": screened[s["n"]]} if s["n"] in screened else s for s in sources]


def results_block(sources: Sequence[dict[str, Any]], errors: Sequence[str], note: str) -> str:
    blocks = []
    for s in sources:
        if s.get("kind") == "document":
            where = ", ".join(
                p for p in (f"p. {s['page']}" if s.get("page") else None, s.get("section")) if p
            )
            blocks.append(
                f"[{s['n']}] {s['title']}{f' ({where})' if where else ''}\n{s['prompt_text']}"
            )
        else:
            blocks.append(f"[{s['n']}] {s['prompt_text']}")
    blocks += [f"(error) {e}" for e in errors]
    if note:
        blocks.append(f"(note) {note}")
    return "\n\n".join(blocks) or (
        "(none needed: reply briefly from the conversation, or say which data you would need)"
    )


def without_stray_brackets(answer: str, sources: int) -> str:
    """A model-written answer with brackets only around its citation markers ``[n]`` of this
    turn's ``sources``: the small model wraps figures it did not compute in brackets ("[18.62
    kWh] kWh", "[1] kWh" without a source 1) and the customer must never see them; the
    doubled unit left behind goes too."""

    def unwrap(match: re.Match[str]) -> str:
        inner = match.group(1).strip()
        if inner.isdigit() and 1 <= int(inner) <= sources:
            return match.group(0)
        return inner

    text = _BRACKETED.sub(unwrap, answer)
    text = _DOUBLED_UNIT.sub(r"\1", text)
    return re.sub(r"[ \t]{2,}", " ", text).replace(" .", ".").strip()


def citation(source: dict[str, Any]) -> dict[str, Any]:
    out = {k: source.get(k) for k in _CITATION_FIELDS if k in source}
    if source.get("kind") == "document":
        out["quote"] = str(source.get("text", ""))[:300]
    else:
        out.update(
            label=source.get("label"),
            query=source.get("query"),
            summary=source.get("summary"),
            rows=source.get("rows", []),
        )
    return out


def cite(answer: str, sources: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sources the answer cites by number; with none cited, the data used and the best passage
    (an answer drawn from tool results must still show where its numbers came from)."""
    cited = {int(n) for n in _CITATION.findall(answer)}
    chosen = [s for s in sources if s["n"] in cited]
    if not chosen:
        data = [s for s in sources if s.get("kind") == "data"]
        docs = [s for s in sources if s.get("kind") == "document"][:1]
        chosen = data + docs
    return [citation(s) for s in chosen]


_DEGRADED: dict[Language, tuple[str, str]] = {
    "de": (
        "Ich konnte keine vollständige Antwort formulieren ({why}). Das habe ich gefunden:",
        "- noch nichts; bitte fragen Sie gleich noch einmal.",
    ),
    "en": (
        "I could not compose a full answer ({why}). What I found:",
        "- nothing yet; please ask again in a moment.",
    ),
}


def degraded_answer(
    sources: Sequence[dict[str, Any]], errors: Sequence[str], why: str, language: Language = "en"
) -> str:
    """An answer without the model, in the thread's language: the tool results as they are,
    and what went wrong."""
    heading, nothing = _DEGRADED[language]
    lines = [heading.format(why=why)]
    lines += [f"[{s['n']}] {s.get('summary') or s.get('title')}" for s in sources]
    lines += [f"- {e}" for e in errors]
    if len(lines) == 1:
        lines.append(nothing)
    return "\n".join(lines)


def unmentioned_names(question: str, sources: Sequence[dict[str, Any]]) -> list[str]:
    """Models and years the question names that no passage mentions, when the turn's results
    are passages only (data rows answer questions about years the documents never name)."""
    if not sources or any(s.get("kind") != "document" for s in sources):
        return []
    texts = [f"{s.get('title', '')} {s.get('text', '')}" for s in sources]
    return unexplained_specifics(question, texts)


def _without_model(
    answer: str,
    citations: list[dict[str, Any]],
    sources: list[dict[str, Any]],
    metadata: dict[str, Any],
) -> dict[str, Any]:
    """The state update of an answer written by code (a refusal, a data answer)."""
    return {
        "messages": [AIMessage(content=answer, response_metadata=metadata)],
        "answer": answer,
        "citations": citations,
        "sources": sources,
        "error": None,
        "degraded": False,
    }


def compose(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Answer from this turn's tool results: refuse without the model when the passages never
    mention a model or year the question names; write a data answer from the tool's figures
    by code (``data_answer``) where its templates cover it, in the thread's language;
    otherwise with the active ``agent_answer`` prompt."""
    ctx = runtime.context
    history, turn = split_turn(state.get("messages", []))
    sources, errors = gather_sources(turn)
    public_sources = [{k: v for k, v in s.items() if k != "prompt_text"} for s in sources]
    question = state.get("standalone_question") or state["question"]
    unmentioned = (
        unmentioned_names(question, sources) if ctx.answer_check is not AnswerCheck.OFF else []
    )
    if unmentioned:
        answer = refusal(guess_language(state["question"]), unmentioned)
        return _without_model(answer, [], public_sources, {"model": ctx.model_name})
    earlier = [str(m.content) for m in history if isinstance(m, HumanMessage)]
    language = conversation_language(state["question"], earlier)
    meter_error = state.get("meter_error")
    refused = meter_refusal([*errors, *([meter_error] if meter_error else [])], language)
    if refused is not None:  # another customer's meter: refuse by code, never the model
        return _without_model(refused, [], public_sources, {"model": ctx.model_name})
    asked = [state["question"], *([question] if question != state["question"] else [])]
    written = written_answer(question, sources, language, ctx.timezone) if not errors else None
    missing = unattributed_meters(asked, None, sources)
    if written is not None and missing:  # never a figure under a meter it is not of
        written = attributed_answer(missing, question, sources, language, ctx.timezone)
    if written is not None:
        citations = cite(written, sources)
        metadata = {
            "model": ctx.model_name,
            "written_by": "code",
            "citations": citations,
            "tools": list(state.get("tools_used", [])),
        }
        return _without_model(written, citations, public_sources, metadata)
    note = ""
    if state.get("route_error"):
        note = "no tool could be used for this question; answer from the conversation or say so"
    with ctx.sessions() as session:
        prompt = load_active(session, ANSWER_PROMPT)
    prompts = [*state.get("prompts", []), prompt.ref]
    # A follow-up the rules spelled out needs no history, and a small model copies numbers
    # from earlier answers when it sees them next to new results.
    restated = state.get("standalone_question")
    messages = prompt.render(
        history=conversation(history, 0 if restated else ctx.history_turns),
        results=results_block(screened_sources(sources), errors, note),
        question=restated or state["question"],
    )
    error: str | None = None
    try:
        reply = ctx.chat_model.invoke(
            messages, **prompt.spec.params, **_model_kwargs(ctx, ctx.answer_timeout_s)
        )
        answer = without_stray_brackets(str(reply.content).strip(), len(sources))
        if not answer:
            raise ValueError("the model returned an empty answer")
        missing = unattributed_meters(asked, answer, sources)
        if missing:  # the model named a meter no figure here was computed for
            log.info("answer names meters %s without their own figure", missing)
            answer = attributed_answer(missing, question, sources, language, ctx.timezone)
    except Exception as exc:  # timeout, crash: a degraded answer keeps the thread usable
        log.warning("composing the answer failed: %s", exc)
        error = f"{type(exc).__name__}: {exc}"
        answer = degraded_answer(sources, errors, type(exc).__name__, language)
    citations = cite(answer, sources)
    tools_used = list(state.get("tools_used", []))
    message = AIMessage(
        content=answer,
        response_metadata={
            "prompts": prompts,
            "model": ctx.model_name,
            "citations": citations,
            "tools": tools_used,
            "error": error,
        },
    )
    return {
        "messages": [message],
        "answer": answer,
        "citations": citations,
        "sources": public_sources,
        "prompts": prompts,
        "error": error,
        "degraded": error is not None,
    }
