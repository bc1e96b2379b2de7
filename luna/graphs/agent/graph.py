"""The energy assistant graph, top to bottom: plan → tools → plan … → compose.

``plan`` issues at most ``max_tool_rounds`` tool calls per turn (rule-routed calls queue up,
the model is asked once) and may loop to itself once to retry an unusable routing reply;
``tools`` is LangGraph's ``ToolNode`` over the request's tools; ``compose`` answers with
citations. The tools are bound to the asking user, so the graph is compiled per request
(milliseconds); the checkpointer keeps the thread.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.tools import BaseTool
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode

from luna.graphs.agent.nodes import compose, plan, route_after_plan
from luna.graphs.agent.state import AgentContext, AgentState


def tool_error_message(error: Exception) -> str:
    """Any exception a tool raises becomes a result the answer can report."""
    return f"the tool failed ({type(error).__name__}: {str(error)[:300]}); answer without it"


def build_agent_graph(
    tools: Sequence[BaseTool],
    checkpointer: BaseCheckpointSaver[str] | None = None,
) -> CompiledStateGraph[AgentState, AgentContext, AgentState, AgentState]:
    builder = StateGraph(AgentState, context_schema=AgentContext)
    builder.add_node("plan", plan)
    builder.add_node("tools", ToolNode(list(tools), handle_tool_errors=tool_error_message))
    builder.add_node("compose", compose)
    builder.add_edge(START, "plan")
    builder.add_conditional_edges(
        "plan", route_after_plan, {"tools": "tools", "plan": "plan", "compose": "compose"}
    )
    builder.add_edge("tools", "plan")
    builder.add_edge("compose", END)
    return builder.compile(checkpointer=checkpointer, name="energy_assistant")
