"""Per-request observability as one pure ASGI middleware: request id, metrics, one log line.

Pure ASGI rather than ``BaseHTTPMiddleware`` so that streamed (SSE) responses pass through
untouched and the request id bound here is the context the route, its worker threads and
its graph runs inherit. Durations run until the last byte of a streamed response.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from luna.observability.logging import REQUEST_ID_HEADER, new_request_id, request_id_bound
from luna.observability.metrics import HTTP_DURATION, HTTP_IN_PROGRESS, HTTP_REQUESTS
from luna.observability.recent import RecentRequests

log = logging.getLogger("luna.http")

# An incoming id is kept only if it is short and plain (it ends up in logs and headers).
_VALID_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
UNMATCHED = "<unmatched>"
# Polled by machines every few seconds: counted, but logged at DEBUG only.
QUIET_ROUTES = frozenset({"/metrics", "/health", "/ready"})


def route_template(scope: Scope) -> str:
    """The route's path template (``/items/{item_id}``), never the raw path (bounded labels)."""
    route = scope.get("route")
    if route is None:  # not set by the router (an error before routing): find it
        for candidate in getattr(scope.get("app"), "routes", []):
            if candidate.matches(scope)[0] is Match.FULL:
                route = candidate
                break
    path = getattr(route, "path", None)
    if not path:
        return UNMATCHED
    return f"{path}/{{path}}" if isinstance(route, Mount) else str(path)


class ObservabilityMiddleware:
    """Binds the request id (``X-Request-ID`` in, or a new one; echoed out), records the HTTP
    metrics and the recent-request window, and logs one line per request."""

    def __init__(self, app: ASGIApp, recent: RecentRequests) -> None:
        self.app = app
        self.recent = recent

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(REQUEST_ID_HEADER)
        request_id = incoming if incoming and _VALID_ID.match(incoming) else new_request_id()
        status = 500  # what the client gets if the app raises before responding
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        HTTP_IN_PROGRESS.inc()
        with request_id_bound(request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                HTTP_IN_PROGRESS.dec()
                self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in _METHODS else "OTHER"
        route = route_template(scope) if status != 404 or scope.get("route") else UNMATCHED
        HTTP_REQUESTS.labels(method, route, str(status)).inc()
        HTTP_DURATION.labels(method, route, str(status)).observe(seconds)
        self.recent.add(method, route, status, seconds)
        fields: dict[str, Any] = {
            "method": method,
            "path": scope["path"],
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1e3, 1),
        }
        level = logging.DEBUG if route in QUIET_ROUTES else logging.INFO
        if status >= 500:
            level = logging.ERROR
        log.log(level, "%s %s %s", method, scope["path"], status, extra=fields)
