"""The RAG graph, top to bottom: condense → retrieve → facts → screen → check → generate, or
refuse when the answerability check finds that the passages and facts do not answer the
question, or calculate when the answer is a figure that needs arithmetic or months a
monthly table picks (then generate only if code found no verified answer). ``screen`` turns
the retrieved passages (untrusted data, of several dates) into the context the model may
read."""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from luna.graphs.rag.nodes import (
    calculate,
    check,
    condense,
    facts,
    generate,
    refuse,
    retrieve,
    route_after_calculate,
    route_after_check,
    screen,
)
from luna.graphs.rag.state import RagContext, RagState


def build_rag_graph(
    checkpointer: BaseCheckpointSaver[str] | None = None,
) -> CompiledStateGraph[RagState, RagContext, RagState, RagState]:
    builder = StateGraph(RagState, context_schema=RagContext)
    builder.add_node("condense", condense)
    builder.add_node("retrieve", retrieve)
    builder.add_node("facts", facts)
    builder.add_node("screen", screen)
    builder.add_node("check", check)
    builder.add_node("calculate", calculate)
    builder.add_node("generate", generate)
    builder.add_node("refuse", refuse)
    builder.add_edge(START, "condense")
    builder.add_edge("condense", "retrieve")
    builder.add_edge("retrieve", "facts")
    builder.add_edge("facts", "screen")
    builder.add_edge("screen", "check")
    builder.add_conditional_edges("check", route_after_check, ["generate", "calculate", "refuse"])
    builder.add_conditional_edges("calculate", route_after_calculate, ["generate", END])
    builder.add_edge("generate", END)
    builder.add_edge("refuse", END)
    return builder.compile(checkpointer=checkpointer, name="rag")
