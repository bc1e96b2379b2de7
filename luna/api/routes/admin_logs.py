"""Recent structured application logs for the admin dashboard: searchable and paginated.

Served from the process's in-memory ring buffer (``LUNA_LOG_BUFFER_SIZE`` records), newest
first; every record carries the request id that ties an API request to its graph runs and
tool calls. Long-term logs are the JSON lines ``luna serve`` writes to stdout.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from luna.api.deps import AdminUser
from luna.observability.logging import LogBuffer

router = APIRouter(prefix="/admin/logs", tags=["admin"])

MAX_LIMIT = 500
Level = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class LogRecordOut(BaseModel):
    seq: int
    ts: datetime
    level: str
    logger: str
    message: str
    request_id: str | None
    extra: dict[str, Any]
    exc_info: str | None


class LogPage(BaseModel):
    total: int
    limit: int
    offset: int
    capacity: int
    records: list[LogRecordOut]


@router.get("", response_model=LogPage)
def list_logs(
    request: Request,
    _admin: AdminUser,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Text in the message or logger name (any case)."),
    ] = None,
    level: Annotated[Level | None, Query(description="This level and above.")] = None,
    request_id: Annotated[
        str | None, Query(max_length=128, description="Only records of this request.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> LogPage:
    """Recent log records, newest first."""
    buffer: LogBuffer = request.app.state.log_buffer
    page = buffer.search(
        q=q or None,
        level=logging.getLevelNamesMapping()[level] if level else logging.NOTSET,
        request_id=request_id or None,
        limit=limit,
        offset=offset,
    )
    return LogPage(
        total=page.total,
        limit=limit,
        offset=offset,
        capacity=buffer.capacity,
        records=[
            LogRecordOut(
                seq=e.seq,
                ts=e.ts,
                level=e.level,
                logger=e.logger,
                message=e.message,
                request_id=e.request_id,
                extra=e.extra,
                exc_info=e.exc_info,
            )
            for e in page.entries
        ],
    )
