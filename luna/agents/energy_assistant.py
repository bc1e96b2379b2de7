"""The energy assistant: the agent graph with one user's tools, and one chat turn run by it.

The API, the benchmark and the tests all run turns through :func:`run_turn`, which streams
what happens (``tool_call``, ``tool_result``, ``sources``, ``token``) to a callback and returns
the whole turn. Conversation state lives in the runtime's PostgreSQL checkpointer under a
thread key that contains the user id, so one user's thread id can never open another's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph.state import CompiledStateGraph

from luna.graphs.agent.graph import build_agent_graph
from luna.graphs.agent.nodes import gather_sources
from luna.graphs.agent.state import AgentContext, AgentState, turn_input
from luna.runtime import Runtime
from luna.store.sql.models import Role, User
from luna.tools import ToolContext, build_tools
from luna.tools.context import meter_error, user_meters
from luna.tools.results import clip

Emit = Callable[[str, dict[str, Any]], None]
_SOURCE_FIELDS = (
    "n",
    "kind",
    "ref",
    "tool",
    "title",
    "item_id",
    "chunk_id",
    "page",
    "section",
    "label",
    "query",
    "summary",
    "score",
)


def thread_key(user_id: int, thread_id: str) -> str:
    """The checkpointer's thread id: per user, so thread ids never cross users."""
    return f"chat:{user_id}:{thread_id}"


@dataclass
class EnergyAssistant:
    graph: CompiledStateGraph[AgentState, AgentContext, AgentState, AgentState]
    context: AgentContext


def build_energy_assistant(
    runtime: Runtime,
    user: User,
    *,
    chat_model: BaseChatModel | None = None,
    now: Callable[[], datetime] | None = None,
) -> EnergyAssistant:
    """The assistant for ``user``: tools that read only what the user may see. ``now`` is the
    clock the tools and the routing resolve "yesterday" against (the wall clock by default;
    benchmarks and tests fix it)."""
    settings = runtime.settings
    clock = now or partial(datetime.now, UTC)
    tool_context = ToolContext(
        settings=settings,
        sessions=runtime.stores.sessions,
        retriever=None,
        retriever_factory=lambda: runtime.retriever,
        user_id=user.id,
        is_admin=user.role is Role.ADMIN,
        timescale=runtime.stores.timescale,
        now=clock,
    )
    tools = build_tools(tool_context)
    model = chat_model or runtime.chat_model
    context = AgentContext(
        chat_model=model,
        tools=tools,
        sessions=runtime.stores.sessions,
        model_name=str(getattr(model, "model_name", None) or settings.llm_model),
        timezone=settings.timezone,
        max_tool_rounds=settings.agent_max_tool_rounds,
        route_timeout_s=settings.agent_route_timeout_s,
        answer_timeout_s=settings.llm_timeout_s,
        answer_check=settings.rag_answer_check,
        now=clock,
        meter_check=partial(meter_error, tool_context),
        meters=partial(user_meters, tool_context),
        country=settings.site_country,
    )
    return EnergyAssistant(build_agent_graph(tools, runtime.checkpointer), context)


def public_source(source: dict[str, Any]) -> dict[str, Any]:
    """A source as clients see it in ``sources`` events (no passage text, no row dumps)."""
    return {k: source[k] for k in _SOURCE_FIELDS if k in source}


def run_turn(assistant: EnergyAssistant, thread: str, message: str, emit: Emit) -> dict[str, Any]:
    """Run one turn of ``thread``, calling ``emit(event, data)`` as things happen."""
    config: RunnableConfig = {"configurable": {"thread_id": thread}}
    state: dict[str, Any] = {}
    tool_messages: list[BaseMessage] = []
    streamed = False
    stream = assistant.graph.stream(
        turn_input(message, HumanMessage(message)),
        config,
        context=assistant.context,
        stream_mode=["updates", "messages"],
    )
    for mode, chunk in cast(Iterator[tuple[str, Any]], stream):
        if mode == "messages":
            piece, meta = chunk
            if (
                meta.get("langgraph_node") == "compose"
                and isinstance(piece, AIMessageChunk)
                and piece.content
            ):
                emit("token", {"text": piece.content})
                streamed = True
            continue
        for node, update in chunk.items():
            if not update:
                continue
            state.update({k: v for k, v in update.items() if k != "messages"})
            new = update.get("messages", [])
            if node == "compose" and update.get("answer") and not streamed:
                emit("token", {"text": update["answer"]})  # written without the model
            if node == "plan":
                for m in new:
                    if isinstance(m, AIMessage):
                        for call in m.tool_calls:
                            emit(
                                "tool_call",
                                {"id": call["id"], "name": call["name"], "args": call["args"]},
                            )
            elif node == "tools":
                for m in new:
                    if isinstance(m, ToolMessage):
                        tool_messages.append(m)
                        emit(
                            "tool_result",
                            {
                                "id": m.tool_call_id,
                                "name": m.name,
                                "status": m.status,
                                "summary": clip(str(m.content), 300),
                            },
                        )
                sources, _ = gather_sources(tool_messages)
                emit("sources", {"sources": [public_source(s) for s in sources]})
    return {
        "answer": state.get("answer", ""),
        "citations": state.get("citations", []),
        "tools": state.get("tools_used", []),
        "route_method": state.get("route_method"),
        "route_error": state.get("route_error"),
        "prompts": state.get("prompts", []),
        "model": assistant.context.model_name,
        "error": state.get("error"),
        "degraded": state.get("degraded", False),
    }


def thread_messages(
    checkpointer: BaseCheckpointSaver[str], thread: str
) -> list[BaseMessage] | None:
    """The stored messages of ``thread``, or None if it has no checkpoint."""
    saved = checkpointer.get_tuple({"configurable": {"thread_id": thread}})
    if saved is None:
        return None
    messages = saved.checkpoint.get("channel_values", {}).get("messages", [])
    return list(messages)
