"""Routing suite: which tool the chat agent's router picks for a message, with which arguments.

Calls ``luna.graphs.agent.routing.route(chat_model, message, *, tools, history)``; imported
when the suite prepares, so the eval package does not depend on the agent being installed.
"""

from __future__ import annotations

import importlib
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from luna.evals.datasets import RoutingCase, dataset_path, load_jsonl
from luna.evals.metrics import argument_accuracy
from luna.evals.suites.base import CaseOutcome, EvalConfig, EvalEnv, EvalSetupError
from luna.evals.suites.select import select_cases


def _import(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise EvalSetupError(f"{module}.{name} is not available: {exc}") from exc


class RoutingSuite:
    name = "routing"
    prompt_names: tuple[str, ...] = ()

    def cases(self, config: EvalConfig) -> list[Any]:
        cases = load_jsonl(dataset_path("routing", config.dataset), RoutingCase)
        return select_cases(cases, config)

    def model_label(self, env: EvalEnv) -> str:
        return env.runtime.model_name

    def prepare(self, env: EvalEnv) -> None:
        env.state["route"] = _import("luna.graphs.agent.routing", "route")
        build_tools = _import("luna.tools", "build_tools")
        tool_context = _import("luna.tools", "ToolContext")
        rt = env.runtime
        ctx = tool_context(
            settings=rt.settings,
            sessions=rt.stores.sessions,
            retriever=rt.retriever,
            user_id=None,
            is_admin=True,
            timescale=rt.stores.timescale,
        )
        env.state["tools"] = build_tools(ctx)

    def run_case(self, env: EvalEnv, case: RoutingCase) -> CaseOutcome:
        history: list[BaseMessage] = [
            HumanMessage(m.content) if m.role == "human" else AIMessage(m.content)
            for m in case.history
        ]
        decision = env.state["route"](
            env.runtime.chat_model, case.message, tools=env.state["tools"], history=history
        )
        tool = getattr(decision, "tool", None) or "none"
        args = dict(getattr(decision, "args", None) or {})
        tool_ok = tool == case.expected_tool or tool in case.also_acceptable
        arg_score = argument_accuracy(case.expected_args, args) if tool_ok else None
        if not tool_ok and case.expected_args:
            arg_score = 0.0
        metrics: dict[str, float | None] = {
            "tool_accuracy": float(tool_ok),
            "argument_accuracy": arg_score,
        }
        detail = {
            "tool": tool,
            "args": args,
            "method": getattr(decision, "method", None),
            "model": env.runtime.model_name,
        }
        return CaseOutcome(metrics, passed=tool_ok and arg_score in (None, 1.0), detail=detail)
