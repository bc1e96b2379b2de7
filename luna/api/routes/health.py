"""Liveness (``/health``) and readiness of every backend by name (``/ready``)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from luna import __version__
from luna.api.deps import SettingsDep, StoresDep
from luna.core.health import ComponentHealth
from luna.diagnostics import check_all

router = APIRouter(tags=["health"])


class Liveness(BaseModel):
    status: str
    version: str


class Readiness(BaseModel):
    ready: bool
    components: list[ComponentHealth]


@router.get("/health", response_model=Liveness)
def health() -> Liveness:
    return Liveness(status="ok", version=__version__)


@router.get(
    "/ready",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "a backend is not ready"}},
)
async def ready(stores: StoresDep, settings: SettingsDep, response: Response) -> Readiness:
    components = await run_in_threadpool(check_all, stores, settings)
    ok = all(c.ok for c in components)
    if not ok:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return Readiness(ready=ok, components=components)
