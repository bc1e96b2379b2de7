"""Structured JSON logs that carry the request id, and a ring buffer of recent records.

The request id lives in a context variable: the HTTP middleware binds it per request, worker
threads that copy the context (``asyncio.to_thread``, LangGraph's executors, the SSE worker)
see it, and every log record gets it as ``record.request_id``. ``luna serve`` writes one JSON
object per line to stdout (:func:`logging_config`); the API keeps the last records in a
:class:`LogBuffer` for ``GET /admin/logs``.
"""

from __future__ import annotations

import logging
import threading
import traceback
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
_request_id: ContextVar[str | None] = ContextVar("luna_request_id", default=None)
# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
}


def current_request_id() -> str | None:
    """The id of the request this code runs for (None outside a request)."""
    return _request_id.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def request_id_bound(request_id: str) -> Iterator[str]:
    """Run a block (a request, a background job) under ``request_id``."""
    token = _request_id.set(request_id)
    try:
        yield request_id
    finally:
        _request_id.reset(token)


# --- every record carries the request id ---------------------------------------------------

_factory_lock = threading.Lock()
_factory_installed = False


def install_request_id_records() -> None:
    """Give every LogRecord created from now on a ``request_id`` attribute (idempotent)."""
    global _factory_installed
    with _factory_lock:
        if _factory_installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            record.request_id = _request_id.get()
            return record

        logging.setLogRecordFactory(factory)
        _factory_installed = True


def _request_id_of(record: logging.LogRecord) -> str | None:
    value = getattr(record, "request_id", None)
    return str(value) if value is not None else current_request_id()


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """What a call added with ``extra=``: the record's non-standard attributes."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS}


class JsonFormatter(_JsonFormatter):
    """One JSON object per record: ``ts``, ``level``, ``logger``, ``message``, ``request_id``,
    any ``extra`` fields, and ``exc_info`` with the traceback."""

    def __init__(self) -> None:
        super().__init__(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "ts", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        log_data["request_id"] = _request_id_of(record)


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """``logging.config.dictConfig`` for the server: JSON lines on stdout, uvicorn included.

    uvicorn applies it in every server process (``--reload`` too); its access log is off
    because the request middleware logs one line per request with the request id.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "luna.observability.logging.JsonFormatter"}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            }
        },
        "root": {"level": level, "handlers": ["stdout"]},
        "loggers": {
            name: {"level": level, "handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


# --- recent records in memory --------------------------------------------------------------


@dataclass(frozen=True)
class LogEntry:
    seq: int
    ts: datetime
    level: str
    levelno: int
    logger: str
    message: str
    request_id: str | None
    extra: dict[str, Any]
    exc_info: str | None


@dataclass(frozen=True)
class LogPage:
    total: int
    entries: list[LogEntry]


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return str(value)


class LogBuffer(logging.Handler):
    """The last ``capacity`` records as structured entries, searchable newest first."""

    def __init__(self, capacity: int, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self._entries: deque[LogEntry] = deque(maxlen=capacity)
        self._seq = 0

    @property
    def capacity(self) -> int:
        return self._entries.maxlen or 0

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            exc = None
            if record.exc_info and record.exc_info[0] is not None:
                exc = "".join(traceback.format_exception(*record.exc_info))
            extra = {k: _json_safe(v) for k, v in extra_fields(record).items()}
            with self.lock or threading.Lock():
                self._seq += 1
                self._entries.append(
                    LogEntry(
                        seq=self._seq,
                        ts=datetime.fromtimestamp(record.created, UTC),
                        level=record.levelname,
                        levelno=record.levelno,
                        logger=record.name,
                        message=message,
                        request_id=_request_id_of(record),
                        extra=extra,
                        exc_info=exc,
                    )
                )
        except Exception:  # a log handler must never break the code that logs
            self.handleError(record)

    def search(
        self,
        *,
        q: str | None = None,
        level: int = logging.NOTSET,
        request_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> LogPage:
        """Entries at ``level`` or above whose message or logger contains ``q`` (any case)."""
        with self.lock or threading.Lock():
            entries = list(self._entries)
        needle = q.lower() if q else None
        matched = [
            e
            for e in reversed(entries)
            if e.levelno >= level
            and (request_id is None or e.request_id == request_id)
            and (needle is None or needle in e.message.lower() or needle in e.logger.lower())
        ]
        return LogPage(total=len(matched), entries=matched[offset : offset + limit])


_buffer: LogBuffer | None = None


def install_log_buffer(capacity: int, level: str = "INFO") -> LogBuffer:
    """The process's log buffer on the root logger, installed once; Luna's own loggers log
    at ``level`` at least, so their INFO lines reach it even where the root logger is quieter.
    """
    global _buffer
    install_request_id_records()
    with _factory_lock:
        if _buffer is None:
            _buffer = LogBuffer(capacity)
            logging.getLogger().addHandler(_buffer)
        luna, wanted = logging.getLogger("luna"), logging.getLevelNamesMapping()[level]
        if luna.level == logging.NOTSET or luna.level > wanted:
            luna.setLevel(wanted)
        return _buffer
