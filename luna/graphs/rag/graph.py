"""The RAG graph, top to bottom: condense → retrieve → facts → generate."""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from luna.graphs.rag.nodes import condense, facts, generate, retrieve
from luna.graphs.rag.state import RagContext, RagState


def build_rag_graph(
    checkpointer: BaseCheckpointSaver[str] | None = None,
) -> CompiledStateGraph[RagState, RagContext, RagState, RagState]:
    builder = StateGraph(RagState, context_schema=RagContext)
    builder.add_node("condense", condense)
    builder.add_node("retrieve", retrieve)
    builder.add_node("facts", facts)
    builder.add_node("generate", generate)
    builder.add_edge(START, "condense")
    builder.add_edge("condense", "retrieve")
    builder.add_edge("retrieve", "facts")
    builder.add_edge("facts", "generate")
    builder.add_edge("generate", END)
    return builder.compile(checkpointer=checkpointer, name="rag")
