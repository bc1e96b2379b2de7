"""The playbook graph, top to bottom: gather → analyse → retrieve → compose → validate.

validate sends a rejected draft back to compose once (with the reason), then to the template
fallback; numbers always come from analyse, never from the model.
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from luna.graphs.playbook.nodes import (
    after_validate,
    analyse,
    compose,
    fallback,
    gather,
    retrieve,
    validate,
)
from luna.graphs.playbook.state import PlaybookContext, PlaybookState


def build_playbook_graph() -> CompiledStateGraph[
    PlaybookState, PlaybookContext, PlaybookState, PlaybookState
]:
    builder = StateGraph(PlaybookState, context_schema=PlaybookContext)
    builder.add_node("gather", gather)
    builder.add_node("analyse", analyse)
    builder.add_node("retrieve", retrieve)
    builder.add_node("compose", compose)
    builder.add_node("validate", validate)
    builder.add_node("fallback", fallback)
    builder.add_edge(START, "gather")
    builder.add_edge("gather", "analyse")
    builder.add_edge("analyse", "retrieve")
    builder.add_edge("retrieve", "compose")
    builder.add_edge("compose", "validate")
    builder.add_conditional_edges(
        "validate", after_validate, {"done": END, "retry": "compose", "fallback": "fallback"}
    )
    builder.add_edge("fallback", END)
    return builder.compile(name="playbook")
