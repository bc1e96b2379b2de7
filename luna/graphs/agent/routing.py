"""Tool routing that works with a 1.5B local model: rules first, then one constrained call.

Three ways to choose a tool, cheapest first:

* ``rule``: :mod:`luna.graphs.agent.intents` recognises obvious intents without any model call;
* ``structured``: one call whose output is constrained by llama.cpp's JSON-schema grammar to
  ``{"tool": <one of the tools> | null, "args": <that tool's arguments>}``; chat models without
  a grammar get the same prompt and their JSON reply is parsed;
* ``native``: Ollama models with tool calling get the tools bound (``bind_tools``).

Whatever the model says is validated against the tool's pydantic schema; an invalid choice
comes back as a decision with ``error`` set, so the caller can retry once with that error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.tools import BaseTool
from pydantic import BaseModel, Field, ValidationError

from luna.config import site_timezone
from luna.graphs.agent.intents import rule_calls
from luna.graphs.agent.meters import METER
from luna.graphs.agent.named_periods import (
    message_period,
    never_forecast,
    period_args,
    price_resolution,
)
from luna.llm.llama_cpp_chat import json_schema_format
from luna.prompts.registry import LoadedPrompt, read_prompt_files, version_key

ROUTE_PROMPT = "agent_route"
HISTORY_TURNS = 2  # the last two turns are context enough to resolve "and yesterday?"
# JSON-schema keywords the grammar keeps; the rest (lengths, bounds) is checked by pydantic
# afterwards: long length limits blow the grammar up.
_GRAMMAR_KEYS = frozenset(
    {
        "type",
        "enum",
        "const",
        "pattern",
        "properties",
        "required",
        "items",
        "anyOf",
        "additionalProperties",
    }
)
# llama.cpp's regex-to-grammar converter copies class escapes like \d or \w literally.
_UNSUPPORTED_PATTERN = re.compile(r"\\[dwsDWS]")
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)

Method = Literal["rule", "structured", "native"]


class RouteDecision(BaseModel):
    """Which tool to call (``None``: answer without one) and with what arguments."""

    tool: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    method: Method
    error: str | None = Field(
        default=None, description="Why the model's choice was unusable (then ``tool`` is None)."
    )
    raw: str | None = Field(default=None, description="The model's reply, for diagnosis.")

    @property
    def ok(self) -> bool:
        return self.error is None


@lru_cache(maxsize=1)
def shipped_route_prompt() -> LoadedPrompt:
    """The newest shipped ``agent_route`` version (callers without a database use this)."""
    specs = [s for s in read_prompt_files() if s.name == ROUTE_PROMPT]
    spec = max(specs, key=lambda s: version_key(s.version))
    return LoadedPrompt(spec, spec.template())


# --- schemas -------------------------------------------------------------------------------


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    """``schema`` with ``$ref``s replaced by their definitions and only grammar keywords kept."""
    if isinstance(schema, list):
        return [_inline(s, defs) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return _inline(defs[schema["$ref"].split("/")[-1]], defs)
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key not in _GRAMMAR_KEYS:
            continue
        if key == "pattern" and _UNSUPPORTED_PATTERN.search(value):
            continue
        if key == "properties":
            out[key] = {name: _inline(sub, defs) for name, sub in value.items()}
        elif key in ("items", "anyOf", "additionalProperties"):
            out[key] = _inline(value, defs)
        else:
            out[key] = value
    return out


def args_model(tool: BaseTool) -> type[BaseModel]:
    """The pydantic (v2) model of the tool's arguments."""
    model = tool.get_input_schema()
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(f"tool {tool.name} has no pydantic v2 argument schema")
    return model


def args_json_schema(tool: BaseTool) -> dict[str, Any]:
    """The tool's argument schema, self-contained and reduced to what a grammar needs."""
    schema = args_model(tool).model_json_schema()
    properties = schema.get("properties", {})
    schema["properties"] = {k: v for k, v in properties.items() if not v.get("advanced")}
    inlined: dict[str, Any] = _inline(schema, schema.get("$defs", {}))
    inlined["additionalProperties"] = False
    return inlined


def decision_schema(tools: Sequence[BaseTool]) -> dict[str, Any]:
    """``{"tool": name, "args": {...}}`` for one of ``tools``, or ``{"tool": null, "args": {}}``."""
    options: list[dict[str, Any]] = [
        {
            "type": "object",
            "properties": {"tool": {"const": t.name}, "args": args_json_schema(t)},
            "required": ["tool", "args"],
        }
        for t in tools
    ]
    options.append(
        {
            "type": "object",
            "properties": {
                "tool": {"type": "null"},
                "args": {"type": "object", "properties": {}, "additionalProperties": False},
            },
            "required": ["tool", "args"],
        }
    )
    return {"anyOf": options}


def _signature(tool: BaseTool) -> str:
    """``name(series: consumption|production|…, meter_id?, ...)``: short for the prompt."""
    schema = args_json_schema(tool)
    required = set(schema.get("required", []))
    parts = []
    for name, sub in schema.get("properties", {}).items():
        options = sub.get("anyOf", [sub])
        enum = next((o["enum"] for o in options if "enum" in o), None)
        kind = "|".join(str(v) for v in enum) if enum else (options[0].get("type") or "object")
        parts.append(f"{name}{'' if name in required else '?'}: {kind}")
    return f"{tool.name}({', '.join(parts)})"


def tool_catalogue(tools: Sequence[BaseTool]) -> str:
    """One line per tool: its signature and the first sentence of its description."""
    lines = []
    for tool in tools:
        first = tool.description.split(". ")[0].rstrip(".")
        lines.append(f"- {_signature(tool)}: {first}.")
    return "\n".join(lines)


# --- validation ------------------------------------------------------------------------


def check_call(tools: Sequence[BaseTool], name: str | None, args: Any) -> str | None:
    """Why a tool call is unusable (unknown tool, arguments failing its schema), or None."""
    if name is None:
        return None
    by_name = {t.name: t for t in tools}
    if name not in by_name:
        return f"unknown tool '{name}'; choose one of {', '.join(by_name)} or null"
    if not isinstance(args, dict):
        return f"args of {name} must be a JSON object"
    try:
        args_model(by_name[name]).model_validate(args)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'args'}: {e['msg']}" for e in exc.errors()
        )
        return f"invalid arguments for {name}: {problems}"
    return None


def _decision(
    tools: Sequence[BaseTool], name: Any, args: Any, method: Method, raw: str | None
) -> RouteDecision:
    if name is not None and not isinstance(name, str):
        return RouteDecision(method=method, error="tool must be a name or null", raw=raw)
    # Small models write "" or null for arguments they mean to leave out.
    args = (
        {k: v for k, v in (args or {}).items() if v is not None and v != ""}
        if isinstance(args, dict)
        else args
    )
    if isinstance(args, dict) and args.get("period") and (args.get("start") or args.get("end")):
        # They often name a period beside the dates they worked out ("last Friday": last_week
        # and the Friday); the dates are the more specific of the two.
        args = {k: v for k, v in args.items() if k != "period"}
    error = check_call(tools, name, args)
    if error is not None:
        return RouteDecision(method=method, error=error, raw=raw)
    return RouteDecision(tool=name, args=args if name else {}, method=method, raw=raw)


def parse_reply(tools: Sequence[BaseTool], text: str, method: Method) -> RouteDecision:
    """A routing reply (JSON, possibly wrapped in prose or a code fence) as a decision."""
    match = _JSON_OBJECT.search(text)
    if match is None:
        return RouteDecision(method=method, error="the reply held no JSON object", raw=text)
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError as exc:
        return RouteDecision(method=method, error=f"the reply is not valid JSON: {exc}", raw=text)
    if not isinstance(data, dict) or "tool" not in data:
        return RouteDecision(method=method, error='the JSON needs a "tool" key', raw=text)
    return _decision(tools, data.get("tool"), data.get("args", {}), method, text)


# --- routing ---------------------------------------------------------------------------


def conversation(history: Sequence[BaseMessage], turns: int) -> list[BaseMessage]:
    """Questions and final answers of the last ``turns`` turns, without tool traffic (which
    would cost prompt tokens and confuse a small model)."""
    kept: list[BaseMessage] = [
        m
        for m in history
        if isinstance(m, HumanMessage) or (isinstance(m, AIMessage) and not m.tool_calls)
    ]
    return kept[-2 * turns :] if turns > 0 else []


def _is_llama_cpp(model: BaseChatModel) -> bool:
    return model._llm_type == "luna-llama-cpp"


def _is_native(model: BaseChatModel) -> bool:
    from langchain_ollama import ChatOllama

    return isinstance(model, ChatOllama)


def route(
    chat_model: BaseChatModel,
    message: str,
    *,
    tools: Sequence[BaseTool],
    history: Sequence[BaseMessage] = (),
    prompt: LoadedPrompt | None = None,
    feedback: str | None = None,
    use_rules: bool = True,
    timeout_s: float | None = None,
    now: datetime | None = None,
    timezone: str | None = None,
    country: str | None = None,
) -> RouteDecision:
    """Choose the tool for ``message``: by rule where the intent is obvious, else by one model
    call. ``feedback`` (the previous attempt's error) makes the model try again knowing why.
    Dates are the site's (``timezone``, default ``LUNA_TIMEZONE``; holidays of ``country``)."""
    timezone = timezone or site_timezone()
    if use_rules and feedback is None:
        calls = rule_calls(
            message,
            history,
            available=[t.name for t in tools],
            now=now,
            tz=timezone,
            country=country,
        )
        if calls is not None:
            first = calls[0] if calls else None
            return RouteDecision(
                tool=first.tool if first else None,
                args=first.args if first else {},
                method="rule",
            )
    prompt = prompt or shipped_route_prompt()
    today = (now or datetime.now(ZoneInfo(timezone))).astimezone(ZoneInfo(timezone))
    messages = prompt.render(
        history=conversation(history, HISTORY_TURNS),
        tools=tool_catalogue(tools),
        today=f"{today:%A %Y-%m-%d}",
        question=message,
        feedback=f"\nYour previous reply was unusable: {feedback}. Reply again."
        if feedback
        else "",
    )
    params = dict(prompt.spec.params)
    if _is_native(chat_model):
        # The prompt's params are llama.cpp's names; Luna's ChatOllama maps them to options.
        reply = chat_model.bind_tools(list(tools)).invoke(messages, **params)
        assert isinstance(reply, AIMessage)
        if reply.invalid_tool_calls:
            bad = reply.invalid_tool_calls[0]
            return RouteDecision(
                method="native",
                error=f"malformed tool call {bad.get('name')}: {bad.get('error')}",
                raw=str(bad.get("args")),
            )
        if not reply.tool_calls:
            text = str(reply.content)
            if _JSON_OBJECT.search(text) is None:
                return RouteDecision(method="native", raw=text)  # an answer without a tool
            # The routing prompt asks for {"tool": …, "args": …}; a model may write that as
            # text instead of a tool call.
            written = parse_reply(tools, text, "native")
            return _checked(written, tools, message, history, today.date(), country)
        call = reply.tool_calls[0]
        decision = _decision(tools, call["name"], call["args"], "native", json.dumps(call["args"]))
        return _checked(decision, tools, message, history, today.date(), country)
    params.update(json_schema_format(chat_model, decision_schema(tools)))
    if _is_llama_cpp(chat_model) and timeout_s is not None:
        params["timeout_s"] = timeout_s
    reply = chat_model.invoke(messages, **params)
    decision = parse_reply(tools, str(reply.content), "structured")
    return _checked(decision, tools, message, history, today.date(), country)


def _checked(
    decision: RouteDecision,
    tools: Sequence[BaseTool],
    message: str,
    history: Sequence[BaseMessage],
    today: date,
    country: str | None,
) -> RouteDecision:
    """The model's choice with what code knows better: the period, and the meter the message
    names (or none it did not)."""
    decision = with_period_from_code(decision, tools, message, today, country)
    decision = with_named_meter(decision, message)
    return without_guessed_meter(decision, message, history)


_SERIES_OF_TARGET = {"consumption": "consumption", "pv": "production", "price": "price"}


def with_period_from_code(
    decision: RouteDecision,
    tools: Sequence[BaseTool],
    message: str,
    today: date,
    country: str | None = None,
) -> RouteDecision:
    """The model's choice with the period the message names resolved by code: dates are never
    the model's ("vorgestern" is two days back, not yesterday). A forecast of a period that has
    passed ("am Donnerstag", "last week") becomes a read of the stored series, since
    what is past is measured, never predicted."""
    if decision.tool not in ("query_timeseries", "forecast"):
        return decision
    period, days = message_period(message, today, country)
    if period is None and days is None:
        return decision
    args = dict(decision.args)
    if decision.tool == "forecast":
        if not never_forecast(message, today, country):
            return decision
        series = _SERIES_OF_TARGET[str(args.get("target", "consumption"))]
        meter = args.get("meter_id") if series != "price" else None
        args = {"series": series, **({"meter_id": meter} if meter else {})}
    args |= period_args(period, days)
    if args.get("series") == "price":
        args["resolution"] = price_resolution(args.get("period"), None)
    args = {k: v for k, v in args.items() if v is not None}
    error = check_call(tools, "query_timeseries", args)
    if error is not None:
        return decision
    return decision.model_copy(update={"tool": "query_timeseries", "args": args})


def with_named_meter(decision: RouteDecision, message: str) -> RouteDecision:
    """A meter's series or forecast for the one meter the message names, whichever the model
    wrote ("and M-003?" after a question about M-001: the model copies M-001 from the thread,
    and its figure must never be answered as M-003's)."""
    named = {m.upper() for m in METER.findall(message)}
    args = decision.args
    metered = (decision.tool == "query_timeseries" and args.get("series") != "price") or (
        decision.tool == "forecast" and args.get("target") != "price"
    )
    if len(named) != 1 or not metered:
        return decision
    (meter,) = named
    if args.get("meter_id") == meter:
        return decision
    return decision.model_copy(update={"args": {**args, "meter_id": meter}})


def without_guessed_meter(
    decision: RouteDecision, message: str, history: Sequence[BaseMessage]
) -> RouteDecision:
    """A time-series call without the meter the model filled in although neither the message
    nor the conversation names one ("How many kWh did we use?" is all the user's meters, not
    the first in the catalogue's example)."""
    meter = decision.args.get("meter_id") if decision.tool == "query_timeseries" else None
    said = [message, *(str(m.content) for m in history[-2 * HISTORY_TURNS :])]
    if meter is None or any(METER.search(text) for text in said):
        return decision
    args = {k: v for k, v in decision.args.items() if k != "meter_id"}
    return decision.model_copy(update={"args": args})
