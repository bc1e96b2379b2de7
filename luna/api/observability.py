"""Wires observability into the app: request middleware, log buffer, LangChain run telemetry."""

from __future__ import annotations

from fastapi import FastAPI

from luna.config import Settings
from luna.observability import runs
from luna.observability.logging import install_log_buffer
from luna.observability.middleware import ObservabilityMiddleware
from luna.observability.recent import RecentRequests


def install_observability(app: FastAPI, settings: Settings) -> None:
    """Request ids, HTTP metrics and per-request log lines for every request; the recent log
    records for ``/admin/logs``; metrics and log lines for every model, tool and graph run."""
    app.state.log_buffer = install_log_buffer(settings.log_buffer_size, settings.log_level)
    app.state.recent_requests = RecentRequests()
    app.add_middleware(ObservabilityMiddleware, recent=app.state.recent_requests)
    runs.install()
