"""The in-memory windows behind the admin views: bounded, newest first, exact quantiles."""

from __future__ import annotations

import logging

from luna.observability.logging import LogBuffer, request_id_bound
from luna.observability.recent import RecentRequests


def _record(message: str, level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord("luna.test", level, __file__, 1, message, None, None)


def test_the_log_buffer_keeps_only_the_newest_records():
    buffer = LogBuffer(capacity=3)
    for n in range(5):
        buffer.emit(_record(f"line {n}"))
    page = buffer.search()
    assert page.total == 3
    assert [e.message for e in page.entries] == ["line 4", "line 3", "line 2"]


def test_the_log_buffer_takes_the_request_id_of_the_context():
    buffer = LogBuffer(capacity=10)
    with request_id_bound("abc"):
        buffer.emit(_record("inside"))
    buffer.emit(_record("outside"))
    assert [e.message for e in buffer.search(request_id="abc").entries] == ["inside"]


def test_recent_requests_forget_requests_older_than_the_window():
    recent = RecentRequests(window_s=60, started=0.0)
    recent.add("GET", "/a", 200, 0.5, now=10.0)
    recent.add("GET", "/a", 500, 0.1, now=100.0)
    (stats,) = recent.summary(now=120.0)
    assert stats.requests == 1
    assert stats.errors == 1
    assert stats.rate_per_s == round(1 / 60, 4)


def test_recent_request_quantiles_are_nearest_rank():
    recent = RecentRequests(window_s=300, started=0.0)
    for ms in range(1, 101):  # 1 … 100 ms
        recent.add("POST", "/rag/ask", 200, ms / 1000, now=500.0)
    recent.add("GET", "/health", 200, 0.001, now=500.0)
    first, second = recent.summary(now=500.0)
    assert (first.route, first.requests) == ("/rag/ask", 100)
    assert (first.p50_ms, first.p95_ms, first.p99_ms, first.max_ms) == (50, 95, 99, 100)
    assert second.route == "/health"
