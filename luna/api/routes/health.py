"""Liveness (``/health``) and readiness of every backend by name (``/ready``).

``/ready`` is public (load balancers, orchestrators), but its detail names the model file,
the PostgreSQL version and the vector count: only an admin or a caller on this machine gets
it; anyone else gets the verdict alone (and the status code: 200 or 503).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from luna import __version__
from luna.api.deps import SettingsDep, StoresDep, TokenDep, token_claims
from luna.api.request_origin import is_local_client
from luna.config import Settings
from luna.core.health import ComponentHealth
from luna.diagnostics import check_all
from luna.store.sql.models import Role

router = APIRouter(tags=["health"])


class Liveness(BaseModel):
    status: str
    version: str


class Readiness(BaseModel):
    ready: bool
    components: list[ComponentHealth] | None = Field(
        default=None, description="Each backend's state: for admins and local callers only."
    )


def _may_see_detail(request: Request, token: str | None, settings: Settings) -> bool:
    # The admin role is read from the signed token, not the users table: /ready must answer
    # while the database is down, and then most of all.
    if is_local_client(request):
        return True
    try:
        claims = token_claims(token, settings)
    except HTTPException:
        return False
    return claims.get("role") == Role.ADMIN.value


@router.get("/health", response_model=Liveness)
def health() -> Liveness:
    return Liveness(status="ok", version=__version__)


@router.get(
    "/ready",
    response_model=Readiness,
    response_model_exclude_none=True,
    responses={503: {"model": Readiness, "description": "a backend is not ready"}},
)
async def ready(
    request: Request,
    stores: StoresDep,
    settings: SettingsDep,
    token: TokenDep,
    response: Response,
) -> Readiness:
    components = await run_in_threadpool(check_all, stores, settings)
    ok = all(c.ok for c in components)
    if not ok:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    if not _may_see_detail(request, token, settings):
        return Readiness(ready=ok)
    return Readiness(ready=ok, components=components)
