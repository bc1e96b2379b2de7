"""Model calls, tool calls and graph runs, observed in one place: a LangChain callback handler.

Registered once per process as a LangChain configure hook (:func:`install`), the handler joins
every LangChain/LangGraph run, whatever chat model (llama.cpp, Ollama, a test's fake) or tool
is involved, so no graph node, tool or model backend carries instrumentation of its own. It
feeds the ``luna_llm_*``, ``luna_tool_*`` and ``luna_graph_*`` metrics and logs one line per
tool call and per graph run; those lines carry the request id because LangGraph runs nodes
and tools in threads that copy the caller's context.
"""

from __future__ import annotations

import logging
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.tracers.context import register_configure_hook

from luna.observability import metrics

log = logging.getLogger("luna.runs")
_MAX_OPEN_RUNS = 1000  # runs in flight at once before stale ones are looked for


@dataclass
class _ModelCall:
    model: str
    started: float
    step: str = "other"
    first_token: float | None = None
    last_token: float | None = None
    streamed: int = 0


@dataclass
class _Run:
    name: str
    started: float


def _model_name(
    metadata: dict[str, Any] | None, serialized: dict[str, Any] | None, **kw: Any
) -> str:
    name = (metadata or {}).get("ls_model_name") or kw.get("name") or (serialized or {}).get("name")
    return str(name or "unknown")[:100]


def _step(metadata: dict[str, Any] | None) -> str:
    """The graph step (LangGraph node) a model call runs in, or "other"."""
    return str((metadata or {}).get("langgraph_node") or "other")[:40]


def _usage(response: LLMResult) -> tuple[int | None, int | None]:
    """(output, input) tokens the model reported, if it did."""
    for generations in response.generations:
        for generation in generations:
            if isinstance(generation, ChatGeneration):
                usage = getattr(generation.message, "usage_metadata", None)
                if usage:
                    return usage.get("output_tokens"), usage.get("input_tokens")
    return None, None


class RunTelemetry(BaseCallbackHandler):
    """Times each run from its start to its end callback, keyed by run id."""

    def __init__(self) -> None:
        self._models: dict[UUID, _ModelCall] = {}
        self._tools: dict[UUID, _Run] = {}
        self._graphs: dict[UUID, _Run] = {}
        self._lock = threading.Lock()

    def _remember(self, table: dict[UUID, Any], run_id: UUID, run: _ModelCall | _Run) -> None:
        """Keep a started run; runs whose end never came (a killed thread) expire after a day."""
        with self._lock:
            if len(table) >= _MAX_OPEN_RUNS:
                cutoff = time.perf_counter() - 86_400
                for stale in [k for k, v in table.items() if v.started < cutoff]:
                    del table[stale]
            table[run_id] = run

    # --- chat models -------------------------------------------------------------------

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        call = _ModelCall(
            _model_name(metadata, serialized, **kwargs), time.perf_counter(), _step(metadata)
        )
        self._remember(self._models, run_id, call)

    def on_llm_start(
        self,
        serialized: dict[str, Any],
        prompts: list[str],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        call = _ModelCall(
            _model_name(metadata, serialized, **kwargs), time.perf_counter(), _step(metadata)
        )
        self._remember(self._models, run_id, call)

    def on_llm_new_token(
        self, token: str | list[str | dict[str, Any]], *, run_id: UUID, **kwargs: Any
    ) -> None:
        call = self._models.get(run_id)
        if call is None or not token:  # LangChain ends every stream with an empty chunk
            return
        now = time.perf_counter()
        if call.first_token is None:
            call.first_token = now
            metrics.LLM_TTFT.labels(call.model).observe(now - call.started)
        call.last_token = now
        call.streamed += 1

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        with self._lock:
            call = self._models.pop(run_id, None)
        if call is None:
            return
        metrics.LLM_CALLS.labels(call.model, "ok").inc()
        metrics.LLM_DURATION.labels(call.model).observe(time.perf_counter() - call.started)
        output, prompt = _usage(response)
        tokens = output if output is not None else call.streamed
        metrics.LLM_TOKENS.labels(call.model).inc(tokens)
        if prompt:
            metrics.LLM_PROMPT_TOKENS.labels(call.model).inc(prompt)
            metrics.LLM_PROMPT_TOKENS_PER_CALL.labels(call.model, call.step).observe(prompt)
        if call.first_token is not None and call.last_token is not None and call.streamed > 1:
            decoding = call.last_token - call.first_token
            if decoding > 0:
                metrics.LLM_TOKENS_PER_SECOND.labels(call.model).observe(
                    (call.streamed - 1) / decoding
                )

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        with self._lock:
            call = self._models.pop(run_id, None)
        if call is not None:
            metrics.LLM_CALLS.labels(call.model, "error").inc()
            metrics.LLM_DURATION.labels(call.model).observe(time.perf_counter() - call.started)

    # --- tools ---------------------------------------------------------------------------

    def on_tool_start(
        self, serialized: dict[str, Any], input_str: str, *, run_id: UUID, **kwargs: Any
    ) -> None:
        name = str((serialized or {}).get("name") or kwargs.get("name") or "unknown")[:100]
        self._remember(self._tools, run_id, _Run(name, time.perf_counter()))

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        # A tool that reports a failure to the model (ToolException) still ends normally.
        failed = isinstance(output, ToolMessage) and output.status == "error"
        self._tool_done(run_id, "error" if failed else "success")

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._tool_done(run_id, "error", error)

    def _tool_done(self, run_id: UUID, status: str, error: BaseException | None = None) -> None:
        with self._lock:
            run = self._tools.pop(run_id, None)
        if run is None:
            return
        seconds = time.perf_counter() - run.started
        metrics.TOOL_CALLS.labels(run.name).inc()
        metrics.TOOL_DURATION.labels(run.name).observe(seconds)
        if status == "error":
            metrics.TOOL_ERRORS.labels(run.name).inc()
        log.info(
            "tool call %s: %s",
            run.name,
            status,
            extra={
                "tool": run.name,
                "status": status,
                "duration_ms": round(seconds * 1e3, 1),
                "error": f"{type(error).__name__}: {error}" if error is not None else None,
            },
        )

    # --- graph runs (the outermost LangGraph run only) ------------------------------------

    def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if parent_run_id is not None or (metadata or {}).get("ls_integration") != "langgraph":
            return
        name = str(kwargs.get("name") or "graph")[:100]
        self._remember(self._graphs, run_id, _Run(name, time.perf_counter()))

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._graph_done(run_id, "ok")

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._graph_done(run_id, "error", error)

    def _graph_done(self, run_id: UUID, outcome: str, error: BaseException | None = None) -> None:
        with self._lock:
            run = self._graphs.pop(run_id, None)
        if run is None:
            return
        seconds = time.perf_counter() - run.started
        metrics.GRAPH_RUNS.labels(run.name, outcome).inc()
        metrics.GRAPH_DURATION.labels(run.name).observe(seconds)
        log.log(
            logging.INFO if error is None else logging.WARNING,
            "graph run %s: %s",
            run.name,
            outcome,
            extra={
                "graph": run.name,
                "outcome": outcome,
                "duration_ms": round(seconds * 1e3, 1),
                "error": f"{type(error).__name__}: {error}" if error is not None else None,
            },
        )


# The hook adds the handler this variable holds to every LangChain run. It is the variable's
# default, so every thread sees it, including threads started without a copied context.
_HANDLER = RunTelemetry()
_handler: ContextVar[RunTelemetry | None] = ContextVar("luna_run_telemetry", default=_HANDLER)
_install_lock = threading.Lock()
_installed = False


def install() -> RunTelemetry:
    """Observe every LangChain run in this process from now on (idempotent)."""
    global _installed
    with _install_lock:
        if not _installed:
            register_configure_hook(_handler, inheritable=True)
            _installed = True
    return _HANDLER
