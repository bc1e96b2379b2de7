"""Requests of the last minutes per route, for the admin dashboard's rates and latencies.

Prometheus computes rates and quantiles over any window from the histograms; the dashboard
of a single site without Prometheus needs them too, so the request middleware also keeps the
recent requests' durations here (bounded in time and count) and summarises them exactly.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class RouteStats:
    method: str
    route: str
    requests: int
    errors: int  # status 5xx
    rate_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


def quantile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank quantile of an ascending, non-empty list."""
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


class RecentRequests:
    """Durations of the requests of the last ``window_s`` seconds (at most ``max_samples``)."""

    def __init__(
        self, window_s: float = 300.0, max_samples: int = 50_000, started: float | None = None
    ) -> None:
        self.window_s = window_s
        self._started = time.monotonic() if started is None else started
        self._samples: deque[tuple[float, str, str, int, float]] = deque(maxlen=max_samples)
        self._lock = threading.Lock()

    def add(
        self, method: str, route: str, status: int, seconds: float, now: float | None = None
    ) -> None:
        with self._lock:
            self._samples.append(
                (time.monotonic() if now is None else now, method, route, status, seconds)
            )

    def summary(self, now: float | None = None) -> list[RouteStats]:
        """Per method and route, busiest first."""
        now = time.monotonic() if now is None else now
        cutoff = now - self.window_s
        with self._lock:
            while self._samples and self._samples[0][0] < cutoff:
                self._samples.popleft()
            samples = list(self._samples)
        by_route: dict[tuple[str, str], list[tuple[int, float]]] = {}
        for _, method, route, status, seconds in samples:
            by_route.setdefault((method, route), []).append((status, seconds))
        # A process younger than the window has seen requests for less time than that.
        span = max(1e-3, min(self.window_s, now - self._started))
        stats = []
        for (method, route), rows in by_route.items():
            ms = sorted(seconds * 1e3 for _, seconds in rows)
            stats.append(
                RouteStats(
                    method=method,
                    route=route,
                    requests=len(rows),
                    errors=sum(1 for status, _ in rows if status >= 500),
                    rate_per_s=round(len(rows) / span, 4),
                    p50_ms=round(quantile(ms, 0.50), 2),
                    p95_ms=round(quantile(ms, 0.95), 2),
                    p99_ms=round(quantile(ms, 0.99), 2),
                    max_ms=round(ms[-1], 2),
                )
            )
        stats.sort(key=lambda s: (-s.requests, s.route, s.method))
        return stats
