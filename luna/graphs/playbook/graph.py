"""The playbook graph, top to bottom: gather → analyse → retrieve → compose → remark.

Numbers and words come from the engines (analyse, compose); the model only adds the optional
remark, which is checked and dropped when it fails. Each node reports its stage on LangGraph's
custom stream, so callers can show progress.
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from luna.graphs.playbook.nodes import analyse, compose, gather, remark, retrieve
from luna.graphs.playbook.state import PlaybookContext, PlaybookState


def build_playbook_graph() -> CompiledStateGraph[
    PlaybookState, PlaybookContext, PlaybookState, PlaybookState
]:
    builder = StateGraph(PlaybookState, context_schema=PlaybookContext)
    builder.add_node("gather", gather)
    builder.add_node("analyse", analyse)
    builder.add_node("retrieve", retrieve)
    builder.add_node("compose", compose)
    builder.add_node("remark", remark)
    builder.add_edge(START, "gather")
    builder.add_edge("gather", "analyse")
    builder.add_edge("analyse", "retrieve")
    builder.add_edge("retrieve", "compose")
    builder.add_edge("compose", "remark")
    builder.add_edge("remark", END)
    return builder.compile(name="playbook")
