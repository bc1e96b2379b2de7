"""Request-body limits, enforced before the body is read, and no upload from strangers.

Two classes of request: a multipart body is an upload (``/ingest``): it may be large and
Starlette spools its files to disk while parsing, so it is accepted only from a caller with a
valid token (bearer or session cookie, not revoked), checked from the headers alone, before a
byte of the body is read, and only up to ``LUNA_REQUEST_MAX_UPLOAD_BYTES``. Any other body
(JSON, forms) is bounded by ``LUNA_REQUEST_MAX_JSON_BYTES``. A declared ``Content-Length``
over the limit is refused at once; the bytes actually received are counted too, for chunked
bodies and for clients whose ``Content-Length`` is wrong.

FastAPI's own ``max_body_size`` bounds a route or the app, but cannot tell uploads from JSON,
answers 413 without naming the limit, and lets the route run until it reads the body; hence
this small middleware.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, status
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from luna.api.deps import connection_token, require_current_token, token_claims
from luna.api.errors import TrackedSend, error_response
from luna.config import Settings

UPLOAD_LIMIT = "LUNA_REQUEST_MAX_UPLOAD_BYTES"
JSON_LIMIT = "LUNA_REQUEST_MAX_JSON_BYTES"


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when the body grows past its limit. An ``HTTPException``, so
    FastAPI's body parsing passes it on to the JSON error handler instead of turning it into
    a 400 "error parsing the body"."""

    def __init__(self, setting: str, limit: int) -> None:
        super().__init__(status.HTTP_413_CONTENT_TOO_LARGE, detail=too_large_detail(setting, limit))


def too_large_detail(setting: str, limit: int) -> dict[str, Any]:
    return {
        "limit": setting,
        "max_bytes": limit,
        "message": f"request body larger than {limit:,} bytes ({setting})",
    }


def _is_upload(headers: Headers) -> bool:
    media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media_type == "multipart/form-data"


def _declared_length(headers: Headers) -> int | None:
    value = headers.get("content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None  # the server rejects a malformed length; the count below still applies


class RequestLimits:
    """Pure ASGI middleware applying the limits above to every HTTP request."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if _is_upload(headers):
            setting, limit = UPLOAD_LIMIT, self.settings.request_max_upload_bytes
            try:  # authentication from the headers, before any of the body is read
                connection = HTTPConnection(scope)
                claims = token_claims(await connection_token(connection), self.settings)
                await run_in_threadpool(require_current_token, connection, claims)  # revoked?
            except HTTPException as exc:
                refusal = error_response(exc.status_code, "unauthorized", exc.detail, exc.headers)
                await refusal(scope, receive, send)
                return
        else:
            setting, limit = JSON_LIMIT, self.settings.request_max_json_bytes
        declared = _declared_length(headers)
        if declared is not None and declared > limit:
            refusal = error_response(413, "too_large", too_large_detail(setting, limit))
            await refusal(scope, receive, send)
            return

        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(setting, limit)
            return message

        tracked = TrackedSend(send)
        try:
            await self.app(scope, counting_receive, tracked)
        except BodyTooLarge as exc:
            # Read outside a route (no handler turned it into a response): answer here.
            if tracked.started:
                raise
            await error_response(exc.status_code, "too_large", exc.detail)(scope, receive, send)


def install_request_limits(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(RequestLimits, settings=settings)
