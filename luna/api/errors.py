"""JSON error bodies for every failure: clients always get ``{"error": ..., "detail": ...}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


def error_body(error: str, detail: Any) -> dict[str, Any]:
    return {"error": error, "detail": jsonable_encoder(detail)}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    names = {
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        409: "conflict",
        413: "too_large",
        422: "validation_error",
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


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(OperationalError, _database_unavailable)
