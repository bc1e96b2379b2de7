"""``POST /rag/ask``: grounded answers with citations, streamed as Server-Sent Events."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from functools import partial
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from langchain_core.messages import AIMessageChunk, HumanMessage
from pydantic import BaseModel, Field

from luna.api.deps import CurrentUser, RuntimeDep
from luna.api.recording import record_ask, store_answer
from luna.api.sse import Emit, FollowUp, threaded_event_stream
from luna.graphs.rag.graph import build_rag_graph
from luna.graphs.rag.state import RagContext
from luna.retrieval.retriever import RetrievalFilter
from luna.runtime import Runtime
from luna.store.sql.models import User

router = APIRouter(prefix="/rag", tags=["rag"])
log = logging.getLogger(__name__)


class AskFilters(BaseModel):
    item_ids: list[uuid.UUID] | None = None
    sources: list[str] | None = Field(default=None, max_length=50)
    labels: dict[str, str] | None = None


class AskRequest(BaseModel):
    question: str = Field(min_length=2, max_length=2000)
    filters: AskFilters | None = None
    top_k: int = Field(default=4, ge=1, le=10)
    conversation_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_\-]{1,64}$")
    stream: bool = True


class Citation(BaseModel):
    n: int
    item_id: uuid.UUID
    chunk_id: int
    title: str
    page: int | None
    section: str | None
    quote: str


class Fact(BaseModel):
    label: str
    value: str
    query: str
    rows: int


class AskResponse(BaseModel):
    conversation_id: str
    answer: str
    refused: bool
    citations: list[Citation]
    facts: list[Fact]
    prompt: str
    model: str
    latency_ms: float
    answer_id: str | None = Field(description="Id of the stored answer, for POST /feedback")


def _graph(request: Request) -> Any:
    graph = getattr(request.app.state, "rag_graph", None)
    if graph is None:
        runtime: Runtime = request.app.state.runtime
        graph = build_rag_graph(runtime.checkpointer)
        request.app.state.rag_graph = graph
    return graph


def _context(runtime: Runtime, user: User, body: AskRequest) -> RagContext:
    filters = None
    if body.filters is not None:
        filters = RetrievalFilter(
            item_ids=body.filters.item_ids,
            sources=body.filters.sources,
            labels=body.filters.labels,
        )
    return RagContext(
        retriever=runtime.retriever,
        chat_model=runtime.chat_model,
        sessions=runtime.stores.sessions,
        model_name=runtime.model_name,
        timezone=runtime.settings.timezone,
        price_zone=runtime.settings.price_zone,
        timescale=runtime.stores.timescale,
        user_id=user.id,
        top_k=body.top_k,
        filters=filters,
        answer_check=runtime.settings.rag_answer_check,
        context_tokens=runtime.settings.rag_context_tokens,
    )


def _store_answer(
    runtime: Runtime, user: User, body: AskRequest, result: dict[str, Any], ms: float
) -> str:
    return store_answer(
        runtime,
        user,
        channel="rag",
        conversation_id=result["conversation_id"],
        question=body.question,
        answer=result["answer"],
        citations=result["citations"],
        prompt=result["prompt"],
        model=result["model"],
        latency_ms=ms,
    )


def _record(
    runtime: Runtime, user: User, body: AskRequest, result: dict[str, Any], ms: float
) -> None:
    payload = {
        "question": body.question,
        "conversation_id": result.get("conversation_id"),
        "prompt": result.get("prompt"),
        "model": runtime.model_name,
        "latency_ms": round(ms, 1),
        "refused": result.get("refused"),
        "chunks": [c["chunk_id"] for c in result.get("citations", [])],
        "error": result.get("error"),
    }
    record_ask(runtime, user, body.question, payload, result.get("answer_id"))


def _run(
    graph: Any, body: AskRequest, user: User, ctx: RagContext, conversation: str, emit: Any
) -> dict[str, Any]:
    """Run the graph (in a worker thread), calling ``emit(event, data)`` as things happen."""
    config = {"configurable": {"thread_id": f"{user.id}:{conversation}"}}
    state: dict[str, Any] = {}
    inputs = {"messages": [HumanMessage(body.question)], "question": body.question}
    for mode, chunk in graph.stream(
        inputs, config, context=ctx, stream_mode=["updates", "messages"]
    ):
        if mode == "messages":
            message, meta = chunk
            from_answer = meta.get("langgraph_node") == "generate"
            if from_answer and isinstance(message, AIMessageChunk) and message.content:
                emit("token", {"text": message.content})
        else:
            for node, update in chunk.items():
                state.update(update or {})
                if node == "retrieve":
                    emit(
                        "sources",
                        {
                            "sources": [
                                {
                                    k: s[k]
                                    for k in (
                                        "n",
                                        "item_id",
                                        "chunk_id",
                                        "title",
                                        "page",
                                        "section",
                                        "score",
                                    )
                                }
                                for s in update["sources"]
                            ]
                        },
                    )
                elif node == "facts" and update.get("facts"):
                    emit("facts", {"facts": update["facts"]})
                elif node in ("refuse", "calculate") and update.get("answer"):
                    emit("token", {"text": update["answer"]})  # written without streaming
                elif node == "generate" and update.get("streamed") is False:
                    emit("token", {"text": update["answer"]})  # held back until checked
    return {
        "conversation_id": conversation,
        "answer": state.get("answer", ""),
        "refused": state.get("refused", False),
        "citations": state.get("citations", []),
        "facts": state.get("facts", []),
        "prompt": state.get("prompt", ""),
        "model": ctx.model_name,
    }


@router.post(
    "/ask", response_model=AskResponse, responses={200: {"content": {"text/event-stream": {}}}}
)
async def ask(
    body: AskRequest,
    request: Request,
    runtime: RuntimeDep,
    user: CurrentUser,
    background: BackgroundTasks,
) -> Any:
    """Answer from the knowledge base (and the user's data); ``stream`` sends SSE events
    ``sources``, ``facts``, ``token`` ..., then ``done`` (or ``error``)."""
    graph = await asyncio.to_thread(_graph, request)
    ctx = await asyncio.to_thread(_context, runtime, user, body)
    conversation = body.conversation_id or uuid.uuid4().hex
    started = time.perf_counter()

    if not body.stream:
        result = await asyncio.to_thread(
            _run, graph, body, user, ctx, conversation, lambda *_: None
        )
        ms = (time.perf_counter() - started) * 1e3
        result["answer_id"] = await asyncio.to_thread(
            _store_answer, runtime, user, body, result, ms
        )
        background.add_task(_record, runtime, user, body, result, ms)  # after the response
        return AskResponse(**result, latency_ms=round(ms, 1))

    def worker(emit: Emit) -> FollowUp:
        result: dict[str, Any] = {"conversation_id": conversation}
        try:
            result = _run(graph, body, user, ctx, conversation, emit)
            ms = (time.perf_counter() - started) * 1e3
            result["answer_id"] = _store_answer(runtime, user, body, result, ms)
            emit("done", {**result, "latency_ms": round(ms, 1)})
        except Exception as exc:  # reported to the client as an error event, never a dead stream
            log.exception("rag ask failed")
            result["error"] = f"{type(exc).__name__}: {exc}"
            emit("error", {"error": result["error"], "conversation_id": conversation})
        ms = (time.perf_counter() - started) * 1e3
        return partial(_record, runtime, user, body, result, ms)  # after the stream has closed

    return threaded_event_stream(worker, name="rag-ask")
