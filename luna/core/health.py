"""Health reporting shared by ``/ready`` and ``luna doctor``: one named result per component."""

from __future__ import annotations

import time
from collections.abc import Callable

from pydantic import BaseModel


class ComponentHealth(BaseModel):
    name: str
    ok: bool
    detail: str
    latency_ms: float


def probe(name: str, check: Callable[[], str]) -> ComponentHealth:
    """Run ``check`` (which returns a detail string or raises) and time it; never raises."""
    start = time.perf_counter()
    try:
        detail = check()
        ok = True
    except Exception as exc:  # a health probe reports every failure, whatever its type
        detail = f"{type(exc).__name__}: {exc}"
        ok = False
    return ComponentHealth(
        name=name, ok=ok, detail=detail, latency_ms=round((time.perf_counter() - start) * 1e3, 1)
    )
