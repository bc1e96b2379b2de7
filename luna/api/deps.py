"""Request dependencies: settings, stores, a database session, the authenticated user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from luna.config import Settings
from luna.core.security import (
    ACCESS_COOKIE,
    InvalidTokenError,
    decode_access_token,
    token_version,
)
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.store.sql.models import Role, User
from luna.store.sql.users import get_user

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


# Dependencies that only read app state are ``async``: FastAPI runs a plain ``def`` dependency
# in its thread pool, a hand-off to a worker thread and back for every request, for nothing.


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_stores(request: Request) -> Stores:
    runtime: Runtime = request.app.state.runtime
    return runtime.stores


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(stores: Annotated[Stores, Depends(get_stores)]) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on error."""
    with stores.sessions() as session, session.begin():
        yield session


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
StoresDep = Annotated[Stores, Depends(get_stores)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
# Scope "function": the transaction ends when the route has returned (and its response body is
# serialised), before anything is sent. A failed commit is then an error response, not a 200
# for data that was never stored, and a streamed response (a chat answer, tens of seconds)
# holds no connection idle in transaction, which a database restart would break mid-stream.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


async def request_token(
    request: HTTPConnection, bearer: Annotated[str | None, Depends(oauth2_scheme)]
) -> str | None:
    """The bearer token; without a bearer header, the web UI's session cookie (None: neither)."""
    return bearer or request.cookies.get(ACCESS_COOKIE)


async def connection_token(connection: HTTPConnection) -> str | None:
    """:func:`request_token` outside dependency injection (middleware: no body read yet)."""
    return await request_token(connection, await oauth2_scheme(connection))


def token_claims(token: str | None, settings: Settings) -> dict[str, Any]:
    """The claims of a valid access token; 401 if it is missing, malformed, forged or expired.

    The one check of a token's signature and lifetime: routes (through
    :func:`get_current_user`), the upload gate in :mod:`luna.api.limits` and ``/ready``."""
    if not token:
        raise _unauthorized("not authenticated: send 'Authorization: Bearer <token>'")
    try:
        return decode_access_token(token, settings.token_secret())
    except InvalidTokenError as exc:
        raise _unauthorized(f"invalid token: {exc}") from exc


TokenDep = Annotated[str | None, Depends(request_token)]


def token_user(session: Session, claims: dict[str, Any]) -> User | None:
    """The user valid claims name, if still active and the token not revoked: its version
    must equal the user's, which logout and a password change raise. The one check of a
    token against the database (the API and the web pages)."""
    user = get_user(session, str(claims["sub"]))
    if user is None or not user.is_active:
        return None
    return user if token_version(claims) == user.token_version else None


_REVOKED = "token revoked, or the user no longer exists or is disabled"


def get_current_user(token: TokenDep, settings: SettingsDep, stores: StoresDep) -> User:
    """The user of the bearer token or the session cookie, if still present, active, and the
    token not revoked (logout, password change).

    Read in a session of its own, closed at once (the user comes back detached, its columns
    loaded): a route that runs long, an upload's ingest or a streamed answer, then holds no
    connection idle in transaction, which a database restart meanwhile would break."""
    claims = token_claims(token, settings)
    with stores.sessions() as session:
        user = token_user(session, claims)
    if user is None:
        raise _unauthorized(_REVOKED)
    return user


def require_current_token(connection: HTTPConnection, claims: dict[str, Any]) -> None:
    """:func:`token_user` for middleware, which has no request session (the upload gate of
    :mod:`luna.api.limits`): 401 unless the token's user is active and the token current."""
    stores: Stores = connection.app.state.runtime.stores
    with stores.sessions() as session:
        if token_user(session, claims) is None:
            raise _unauthorized(_REVOKED)


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_session_user(token: TokenDep, settings: SettingsDep, session: SessionDep) -> User:
    """:func:`get_current_user`, checked in the route's own transaction: one connection per
    request instead of two, for the short reads that the dashboards poll (``/data/*``). Not
    for routes that run long (uploads, streamed answers): those hold no connection meanwhile."""
    user = token_user(session, token_claims(token, settings))
    if user is None:
        raise _unauthorized(_REVOKED)
    return user


SessionUser = Annotated[User, Depends(get_session_user)]


async def require_admin(user: CurrentUser) -> User:
    if user.role is not Role.ADMIN:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="admin role required")
    return user


AdminUser = Annotated[User, Depends(require_admin)]
