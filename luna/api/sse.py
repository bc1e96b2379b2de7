"""Server-Sent Events from blocking work: the graphs run in a worker thread, events stream out.

The graphs and the local model are synchronous and slow; running them in a thread keeps the
event loop free, and a queue hands every event to the response as soon as it is emitted.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

from sse_starlette import EventSourceResponse, ServerSentEvent

log = logging.getLogger(__name__)

# Worker threads still running (answer streams and their follow-ups): shutdown waits for them,
# so bookkeeping is never cut off halfway and never lands after the stores are closed.
_workers: set[threading.Thread] = set()
_workers_lock = threading.Lock()

Emit = Callable[[str, dict[str, Any]], None]
FollowUp = Callable[[], None]


def threaded_event_stream(
    work: Callable[[Emit], FollowUp | None], *, name: str
) -> EventSourceResponse:
    """Run ``work(emit)`` in a thread; each ``emit(event, data)`` becomes one SSE event.

    The stream ends when ``work`` returns or raises; ``work`` reports its own failures as an
    ``error`` event, so a client never sees a stream that just stops. What ``work`` returns is
    run after the stream has closed (bookkeeping such as events and topic labels), so the
    client never waits for it.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, dict[str, Any]] | None] = asyncio.Queue()

    def emit(event: str, data: dict[str, Any]) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, (event, data))

    def run() -> None:
        follow_up: FollowUp | None = None
        try:
            follow_up = work(emit)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, None)
        if follow_up is not None:
            try:
                follow_up()
            except Exception:  # bookkeeping must never take the worker thread down silently
                log.exception("follow-up of %s failed", name)

    # The worker runs in the request's context: its logs, graph runs and tool calls carry the
    # request id the middleware bound.
    context = contextvars.copy_context()

    def tracked() -> None:
        try:
            context.run(run)
        finally:
            with _workers_lock:
                _workers.discard(threading.current_thread())

    thread = threading.Thread(target=tracked, name=name, daemon=True)
    with _workers_lock:
        _workers.add(thread)
    thread.start()

    async def events() -> AsyncIterator[ServerSentEvent]:
        while (item := await queue.get()) is not None:
            event, data = item
            yield ServerSentEvent(
                data=json.dumps(data, ensure_ascii=False, default=str), event=event
            )

    return EventSourceResponse(events(), ping=10)


def wait_for_workers(timeout: float) -> int:
    """Wait up to ``timeout`` seconds for running stream workers; returns how many still run."""
    with _workers_lock:
        running = list(_workers)
    for thread in running:
        thread.join(max(0.0, timeout))
    with _workers_lock:
        return len(_workers)
