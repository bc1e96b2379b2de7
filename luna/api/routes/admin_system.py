"""The admin dashboard's system view: component health, resources, the model, request stats.

Component health is the same check as ``GET /ready`` (:func:`luna.diagnostics.check_all`);
request rates and latency quantiles per route come from the request middleware's recent
window, totals since start from the Prometheus registry.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from luna import __version__
from luna.api.deps import AdminUser, RuntimeDep
from luna.config import LLMBackend
from luna.core.health import ComponentHealth
from luna.diagnostics import check_all
from luna.llm.bundled_model import BUNDLED_MODEL_NAME
from luna.llm.llama_runtime import loaded_specs
from luna.observability import resources
from luna.observability.metrics import http_request_totals
from luna.observability.recent import RecentRequests
from luna.runtime import Runtime

router = APIRouter(prefix="/admin/system", tags=["admin"])

# The dashboard polls every few seconds; probing every backend (an embedding included) that
# often would cost the CPU the model needs, so component health is reused for a few seconds.
HEALTH_TTL_S = 10.0


class ResourcesOut(BaseModel):
    process: resources.ProcessResources
    machine: resources.MachineResources


class ModelOut(BaseModel):
    backend: str
    name: str
    loaded: bool


class RouteRequests(BaseModel):
    method: str
    route: str
    requests: int
    errors: int
    rate_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    total_since_start: int


class RequestsOut(BaseModel):
    window_s: float
    routes: list[RouteRequests]


class SystemOut(BaseModel):
    status: Literal["ok", "degraded"]
    version: str
    checked_at: datetime
    components: list[ComponentHealth]
    resources: ResourcesOut
    model: ModelOut
    requests: RequestsOut


def _model(runtime: Runtime) -> ModelOut:
    """The chat model without loading it: Runtime builds it on first use (a cached property)."""
    settings = runtime.settings
    built = "chat_model" in vars(runtime)
    if settings.llm_backend is LLMBackend.LLAMA_CPP:
        configured = settings.llm_model if settings.llm_gguf_path else BUNDLED_MODEL_NAME
        loaded = bool(loaded_specs())
    else:
        configured, loaded = settings.llm_model, built
    name = runtime.model_name if built else configured
    return ModelOut(backend=settings.llm_backend.value, name=name, loaded=loaded)


def _requests(recent: RecentRequests) -> RequestsOut:
    totals = http_request_totals()
    routes = [
        RouteRequests(
            **vars(s), total_since_start=totals.get((s.method, s.route), (s.requests, 0))[0]
        )
        for s in recent.summary()
    ]
    return RequestsOut(window_s=recent.window_s, routes=routes)


async def _components(request: Request, runtime: Runtime) -> tuple[datetime, list[ComponentHealth]]:
    cached: tuple[float, datetime, list[ComponentHealth]] | None = getattr(
        request.app.state, "system_health", None
    )
    if cached is not None and time.monotonic() - cached[0] < HEALTH_TTL_S:
        return cached[1], cached[2]
    components = await run_in_threadpool(check_all, runtime.stores, runtime.settings)
    checked_at = datetime.now(UTC)
    request.app.state.system_health = (time.monotonic(), checked_at, components)
    return checked_at, components


@router.get("", response_model=SystemOut)
async def system(request: Request, runtime: RuntimeDep, _admin: AdminUser) -> SystemOut:
    """Health of every component (checked at most every 10 s), CPU/memory/disk, the model,
    request rates and latencies."""
    checked_at, components = await _components(request, runtime)
    process, machine = await run_in_threadpool(resources.measure, runtime.settings.home)
    return SystemOut(
        status="ok" if all(c.ok for c in components) else "degraded",
        version=__version__,
        checked_at=checked_at,
        components=components,
        resources=ResourcesOut(process=process, machine=machine),
        model=_model(runtime),
        requests=_requests(request.app.state.recent_requests),
    )
