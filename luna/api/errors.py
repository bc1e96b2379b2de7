"""JSON error bodies for every failure: clients always get ``{"error": ..., "detail": ...}``.

Known failures have handlers; anything else is caught by :class:`UnexpectedErrors`, so even a
bug answers with a JSON 500 carrying the request id, never a plain-text body or a dropped
connection.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from luna.observability.logging import current_request_id

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    """The JSON body of every error the API answers, documented on every operation."""

    error: str = Field(
        description="What kind of error: validation_error, unauthorized, forbidden, not_found, "
        "conflict, too_large, unsupported_media_type, too_many_requests, internal_error, "
        "database_unavailable, …",
        examples=["validation_error"],
    )
    detail: Any = Field(
        description="What was wrong: for validation errors a list of {field, message, type}; "
        "for an upload whose every file failed, the per-file results; else a sentence."
    )
    request_id: str | None = Field(
        default=None, description="Set on a 500: quote it, the server's log carries it."
    )


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorBody, "description": "The request was refused (see `error`)."},
    "5XX": {"model": ErrorBody, "description": "The server or a backend failed (see `error`)."},
}
"""Every operation's documented error responses; FastAPI's own 422 schema (``detail`` only)
would not match what :func:`_validation_error` sends."""


def error_body(error: str, detail: Any) -> dict[str, Any]:
    return {"error": error, "detail": jsonable_encoder(detail)}


def error_response(
    status_code: int, error: str, detail: Any, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The error body as a response, for middleware that answers before any route runs."""
    return JSONResponse(error_body(error, detail), status_code=status_code, headers=headers)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    names = {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "too_large",
        415: "unsupported_media_type",
        422: "validation_error",
        429: "too_many_requests",
        503: "service_unavailable",
    }
    return JSONResponse(
        error_body(names.get(exc.status_code, "http_error"), exc.detail),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [
        {
            "field": ".".join(str(p) for p in err.get("loc", ())),
            "message": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in exc.errors()
    ]
    return JSONResponse(
        error_body("validation_error", fields), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
    )


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    # A constraint the request did not satisfy (duplicate key, check constraint): the client's
    # data conflicts with what is stored. The transaction was rolled back.
    orig = getattr(exc, "orig", None)
    diag = getattr(orig, "diag", None)
    detail = {
        "constraint": getattr(diag, "constraint_name", None),
        "message": str(getattr(diag, "message_primary", None) or orig or exc),
    }
    return JSONResponse(error_body("conflict", detail), status_code=status.HTTP_409_CONFLICT)


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    # A value the column cannot hold (a string over its ``String(n)``, a number out of range)
    # that the request models let through: the client's input, so a 422, not a 500. The
    # transaction was rolled back. PostgreSQL does not name the column; its message does say
    # what was wrong ("value too long for type character varying(64)").
    orig = getattr(exc, "orig", None)
    diag = getattr(orig, "diag", None)
    detail = [
        {
            "field": getattr(diag, "column_name", None) or "body",
            "message": str(getattr(diag, "message_primary", None) or orig or exc),
            "type": "data_error",
        }
    ]
    return JSONResponse(
        error_body("validation_error", detail), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
    )


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.error("database unavailable: %s", exc)
    return JSONResponse(
        error_body("database_unavailable", "the database is unreachable; try again shortly"),
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
    )


def field_error(field: str, message: str, status_code: int = 422) -> HTTPException:
    """A 4xx whose body names the offending field like a validation error does."""
    return HTTPException(
        status_code, detail=[{"field": field, "message": message, "type": "value_error"}]
    )


class TrackedSend:
    """An ASGI ``send`` that remembers whether the response has started: until then a
    middleware may still answer with an error of its own instead."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


class UnexpectedErrors:
    """Pure ASGI middleware: an exception no handler took becomes a logged JSON 500 with the
    request id (``{"error": "internal_error", "detail": ..., "request_id": ...}``).

    Starlette's own last resort answers in plain text and re-raises, and it sits outside the
    request-id middleware; this one sits inside it, so the log record and the body carry the
    id the client can quote. An exception after the response has started (a broken stream)
    cannot become a 500 any more: it is re-raised for the server to close the connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tracked = TrackedSend(send)
        try:
            await self.app(scope, receive, tracked)
        except Exception:
            if tracked.started:
                raise
            log.exception("unhandled error in %s %s", scope["method"], scope["path"])
            request_id = current_request_id()
            body = error_body("internal_error", f"unexpected error; quote request id {request_id}")
            response = JSONResponse(
                {**body, "request_id": request_id},
                status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
            )
            await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """JSON bodies for HTTP, validation, constraint, value and database errors; the catch-all
    around every route and every middleware added before it (see :func:`luna.api.app.create_app`).
    """
    app.add_middleware(UnexpectedErrors)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(OperationalError, _database_unavailable)
