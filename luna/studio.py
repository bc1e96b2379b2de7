"""The graphs for ``langgraph dev`` and LangGraph Studio (registered in ``langgraph.json``).

Luna's graphs take their stores, models and retriever from the run context
(``context_schema``: :class:`RagContext`, :class:`AgentContext`, :class:`PlaybookContext`),
which holds live objects a LangGraph server cannot build from JSON. Each factory here
therefore returns a small compiled graph over the same state whose one node runs the real
graph as a subgraph, with the context built from a process-wide :class:`Runtime` over the
default :class:`Settings` (``LUNA_*`` variables and ``.env``). The server's checkpointer
keeps the thread; Studio shows the real graph's steps with subgraphs on.

Nothing is built when a factory is called (no database, vector store or model): the runtime
and its models are made on the first run, as in the API.
"""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from langchain_core.messages import AnyMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from sqlalchemy import select

from luna.config import Settings
from luna.graphs.agent.graph import build_agent_graph
from luna.graphs.agent.state import AgentState, turn_input
from luna.graphs.playbook.data import load_meter
from luna.graphs.playbook.graph import build_playbook_graph
from luna.graphs.playbook.run import playbook_context
from luna.graphs.playbook.schema import PlaybookRequest
from luna.graphs.playbook.state import PlaybookState
from luna.graphs.rag.graph import build_rag_graph
from luna.graphs.rag.state import RagContext, RagState
from luna.runtime import Runtime
from luna.store.sql.models import Role, User

StudioGraph = CompiledStateGraph[Any, Any, Any, Any]


@cache
def studio_runtime() -> Runtime:
    """The runtime the Studio graphs run on, built on the first run (default settings)."""
    runtime = Runtime(Settings())
    runtime.register_prompts()
    return runtime


def _last_question(messages: list[AnyMessage]) -> str:
    human = [m for m in messages if isinstance(m, HumanMessage)]
    if not human:
        raise ValueError("start the thread with a human message (or give 'question')")
    return str(human[-1].content)


def _wrapped(name: str, state: type[Any], run: Any) -> StudioGraph:
    builder = StateGraph(state)
    builder.add_node(name, run)
    builder.add_edge(START, name)
    builder.add_edge(name, END)
    return cast(StudioGraph, builder.compile(name=name))


def rag(config: RunnableConfig | None = None) -> StudioGraph:
    """The RAG graph. Input: ``messages`` (the last human message is the question) or
    ``question``; ``configurable.top_k`` sets the passages (default 4)."""
    graph = build_rag_graph()

    def run(state: RagState, config: RunnableConfig) -> dict[str, Any]:
        rt = studio_runtime()
        settings = rt.settings
        messages = list(state.get("messages") or [])
        question = state.get("question")
        if (messages and isinstance(messages[-1], HumanMessage)) or not question:
            question = _last_question(messages)  # a chat turn (Studio's chat view)
        else:
            messages.append(HumanMessage(question))  # a turn given as ``question``
        context = RagContext(
            retriever=rt.retriever,
            chat_model=rt.chat_model,
            sessions=rt.stores.sessions,
            model_name=rt.model_name,
            timezone=settings.timezone,
            price_zone=settings.price_zone,
            timescale=rt.stores.timescale,
            top_k=int(config.get("configurable", {}).get("top_k", 4)),
            answer_check=settings.rag_answer_check,
            context_tokens=settings.rag_context_tokens,
        )
        turn = RagState(messages=messages, question=question, standalone_question="")
        return cast(dict[str, Any], graph.invoke(turn, config, context=context))

    return _wrapped("rag", RagState, run)


def _studio_user(rt: Runtime, config: RunnableConfig) -> User:
    """``configurable.user`` (a username), else the first admin."""
    name = config.get("configurable", {}).get("user")
    with rt.stores.sessions() as session:
        query = select(User).order_by(User.id).limit(1)
        query = query.where(User.username == name if name else User.role == Role.ADMIN)
        user = session.scalars(query).first()
        if user is None:
            raise ValueError(f"no Luna user {name or 'with the admin role'}: create one first")
        session.expunge(user)
        return user


def agent(config: RunnableConfig | None = None) -> StudioGraph:
    """The energy assistant. Input: ``messages``; ``configurable.user`` names the Luna user
    whose meters and documents the tools read (default: the first admin)."""

    def run(state: AgentState, config: RunnableConfig) -> dict[str, Any]:
        from luna.agents.energy_assistant import build_energy_assistant

        rt = studio_runtime()
        context = build_energy_assistant(rt, _studio_user(rt, config)).context
        messages = list(state.get("messages") or [])
        question = _last_question(messages)
        turn = turn_input(question, messages[-1]) | AgentState(messages=messages)
        graph = build_agent_graph(context.tools)  # the tools are the user's: per run
        return cast(dict[str, Any], graph.invoke(turn, config, context=context))

    return _wrapped("energy_assistant", AgentState, run)


def playbook(config: RunnableConfig | None = None) -> StudioGraph:
    """The playbook graph. Input: ``request`` (a :class:`PlaybookRequest`, e.g.
    ``{"meter_id": "M-001", "kind": "battery"}``); the meter is read without a user check."""
    graph = build_playbook_graph()

    def run(state: PlaybookState, config: RunnableConfig) -> dict[str, Any]:
        rt = studio_runtime()
        request = PlaybookRequest.model_validate(state["request"])
        with rt.stores.sessions() as session:
            meter = load_meter(session, request.meter_id, None)
        turn = PlaybookState(request=request, meter=meter)
        result = graph.invoke(turn, config, context=playbook_context(rt))
        return cast(dict[str, Any], result)

    return _wrapped("playbook", PlaybookState, run)
