"""``/chat``: conversations with the energy assistant, streamed as Server-Sent Events.

``POST /chat`` runs one turn in a worker thread and streams ``tool_call``, ``tool_result``,
``sources``, ``token`` … ``done`` (or ``error``); ``stream=false`` returns the turn as JSON.
Threads belong to one user: another user's thread id answers 404, exactly like a missing one.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import datetime
from functools import partial
from typing import Any

from fastapi import APIRouter, BackgroundTasks, HTTPException, Path, Response, status
from langchain_core.messages import AIMessage, HumanMessage
from pydantic import BaseModel, Field
from sqlalchemy import select

from luna.agents.energy_assistant import (
    build_energy_assistant,
    run_turn,
    thread_key,
    thread_messages,
)
from luna.api.deps import CurrentUser, RuntimeDep
from luna.api.recording import record_ask, store_answer
from luna.api.sse import Emit, FollowUp, threaded_event_stream
from luna.runtime import Runtime
from luna.store.sql.database import session_scope
from luna.store.sql.models import ChatThread, User

router = APIRouter(prefix="/chat", tags=["chat"])
log = logging.getLogger(__name__)

THREAD_ID = r"^[A-Za-z0-9_\-]{1,64}$"
ThreadId = Path(pattern=THREAD_ID, description="Thread id (letters, digits, _ and -)")


class ChatRequest(BaseModel):
    message: str = Field(min_length=1, max_length=2000)
    thread_id: str | None = Field(
        default=None, pattern=THREAD_ID, description="Continue this thread; empty: a new one"
    )
    stream: bool = True


class TurnOut(BaseModel):
    thread_id: str
    answer: str
    citations: list[dict[str, Any]]
    tools: list[str]
    route_method: str | None
    prompts: list[str]
    model: str
    error: str | None
    degraded: bool
    latency_ms: float
    answer_id: str | None = Field(description="Id of the stored answer, for POST /feedback")


class ThreadOut(BaseModel):
    id: str
    title: str
    created_at: datetime
    updated_at: datetime


class MessageOut(BaseModel):
    role: str = Field(description="user or assistant")
    content: str
    citations: list[dict[str, Any]] = Field(default_factory=list)
    tools: list[str] = Field(default_factory=list)


class ThreadDetail(ThreadOut):
    messages: list[MessageOut]


def _blank(message: str) -> None:
    if not message.strip():
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=[
                {"field": "body.message", "message": "message is blank", "type": "value_error"}
            ],
        )


def _own_thread(runtime: Runtime, user: User, thread_id: str) -> ChatThread:
    """The user's thread; 404 for a missing one and for another user's alike."""
    with runtime.stores.sessions() as session:
        thread = session.get(ChatThread, thread_id)
        if thread is None or thread.user_id != user.id:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown thread '{thread_id}'")
        return thread


def _open_thread(runtime: Runtime, user: User, body: ChatRequest) -> str:
    if body.thread_id is not None:
        return _own_thread(runtime, user, body.thread_id).id
    thread_id = uuid.uuid4().hex
    title = " ".join(body.message.split())[:80]
    with session_scope(runtime.stores.sessions) as session:
        session.add(ChatThread(id=thread_id, user_id=user.id, title=title))
    return thread_id


def _record(
    runtime: Runtime,
    user: User,
    thread_id: str,
    body: ChatRequest,
    result: dict[str, Any],
    ms: float,
) -> None:
    """One ``ask`` (and ``answer``) event per turn, and the thread's ``updated_at``."""
    with session_scope(runtime.stores.sessions) as session:
        thread = session.get(ChatThread, thread_id)
        if thread is not None:
            thread.updated_at = datetime.now(thread.created_at.tzinfo)
    payload = {
        "channel": "chat",
        "question": body.message,
        "thread_id": thread_id,
        "latency_ms": round(ms, 1),
        "tools": result.get("tools", []),
        "route_method": result.get("route_method"),
        "prompts": result.get("prompts", []),
        "model": result.get("model"),
        "citations": [c.get("ref") for c in result.get("citations", [])],
        "degraded": result.get("degraded", False),
        "error": result.get("error"),
    }
    record_ask(
        runtime, user, body.message, payload, result.get("answer_id"), result.get("tools", [])
    )


def _store_answer(
    runtime: Runtime,
    user: User,
    thread_id: str,
    body: ChatRequest,
    result: dict[str, Any],
    ms: float,
) -> str:
    """The turn's ``answers`` row; its prompt is the one that wrote the answer (the last)."""
    return store_answer(
        runtime,
        user,
        channel="chat",
        conversation_id=thread_id,
        question=body.message,
        answer=result.get("answer") or "",
        citations=result.get("citations", []),
        prompt=(result.get("prompts") or [None])[-1],
        model=result.get("model"),
        latency_ms=ms,
    )


@router.post("", response_model=TurnOut, responses={200: {"content": {"text/event-stream": {}}}})
async def chat(
    body: ChatRequest, runtime: RuntimeDep, user: CurrentUser, background: BackgroundTasks
) -> Any:
    """One turn with the energy assistant; ``stream`` sends SSE events ``tool_call``,
    ``tool_result``, ``sources``, ``token`` …, then ``done`` (or ``error``)."""
    _blank(body.message)
    thread_id = await asyncio.to_thread(_open_thread, runtime, user, body)
    assistant = await asyncio.to_thread(build_energy_assistant, runtime, user)
    thread = thread_key(user.id, thread_id)
    started = time.perf_counter()

    if not body.stream:
        try:
            result = await asyncio.to_thread(run_turn, assistant, thread, body.message, _ignore)
        except Exception as exc:
            log.exception("chat turn failed")
            ms = (time.perf_counter() - started) * 1e3
            failed = {
                "error": f"{type(exc).__name__}: {exc}",
                "model": assistant.context.model_name,
            }
            await asyncio.to_thread(_record, runtime, user, thread_id, body, failed, ms)
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"the turn failed: {failed['error']}"
            ) from exc
        ms = (time.perf_counter() - started) * 1e3
        result["answer_id"] = await asyncio.to_thread(
            _store_answer, runtime, user, thread_id, body, result, ms
        )
        background.add_task(_record, runtime, user, thread_id, body, result, ms)
        return TurnOut(thread_id=thread_id, **_turn_fields(result), latency_ms=round(ms, 1))

    def worker(emit: Emit) -> FollowUp:
        result: dict[str, Any] = {"model": assistant.context.model_name}
        try:
            emit("thread", {"thread_id": thread_id})
            result = run_turn(assistant, thread, body.message, emit)
            ms = (time.perf_counter() - started) * 1e3
            result["answer_id"] = _store_answer(runtime, user, thread_id, body, result, ms)
            emit(
                "done", {"thread_id": thread_id, **_turn_fields(result), "latency_ms": round(ms, 1)}
            )
        except Exception as exc:  # reported as an error event, never a dead stream
            log.exception("chat turn failed")
            result["error"] = f"{type(exc).__name__}: {exc}"
            emit("error", {"error": result["error"], "thread_id": thread_id})
        ms = (time.perf_counter() - started) * 1e3
        return partial(_record, runtime, user, thread_id, body, result, ms)  # after the stream

    return threaded_event_stream(worker, name="chat-turn")


def _ignore(event: str, data: dict[str, Any]) -> None:
    """The event sink of a non-streamed turn."""


def _turn_fields(result: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "answer",
        "citations",
        "tools",
        "route_method",
        "prompts",
        "model",
        "error",
        "degraded",
        "answer_id",
    )
    return {k: result.get(k) for k in keys}


@router.get("/threads", response_model=list[ThreadOut])
def list_threads(runtime: RuntimeDep, user: CurrentUser) -> list[ThreadOut]:
    """The user's threads, most recently active first."""
    with runtime.stores.sessions() as session:
        rows = session.scalars(
            select(ChatThread)
            .where(ChatThread.user_id == user.id)
            .order_by(ChatThread.updated_at.desc(), ChatThread.created_at.desc())
        )
        return [ThreadOut.model_validate(r, from_attributes=True) for r in rows]


@router.get("/threads/{thread_id}", response_model=ThreadDetail)
def get_thread(runtime: RuntimeDep, user: CurrentUser, thread_id: str = ThreadId) -> ThreadDetail:
    """A thread's questions and answers, each answer with its sources and the tools it used."""
    thread = _own_thread(runtime, user, thread_id)
    stored = thread_messages(runtime.checkpointer, thread_key(user.id, thread_id)) or []
    messages = []
    for m in stored:
        if isinstance(m, HumanMessage):
            messages.append(MessageOut(role="user", content=str(m.content)))
        elif isinstance(m, AIMessage) and not m.tool_calls:
            meta = m.response_metadata or {}
            messages.append(
                MessageOut(
                    role="assistant",
                    content=str(m.content),
                    citations=list(meta.get("citations", [])),
                    tools=list(meta.get("tools", [])),
                )
            )
    base = ThreadOut.model_validate(thread, from_attributes=True)
    return ThreadDetail(**base.model_dump(), messages=messages)


@router.delete("/threads/{thread_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_thread(runtime: RuntimeDep, user: CurrentUser, thread_id: str = ThreadId) -> Response:
    """Delete a thread and its stored conversation."""
    _own_thread(runtime, user, thread_id)
    runtime.checkpointer.delete_thread(thread_key(user.id, thread_id))
    with session_scope(runtime.stores.sessions) as session:
        thread = session.get(ChatThread, thread_id)
        if thread is not None:
            session.delete(thread)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
