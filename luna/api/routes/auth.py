"""Token login (OAuth2 password flow, JWT bearer tokens), logout, password change, the user.

Logins are throttled and audited (:mod:`luna.api.login_guard`). Tokens carry the user's token
version; logout and a password change raise it, so every token issued before stops working.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, ConfigDict, Field

from luna.api.deps import CurrentUser, SettingsDep, StoresDep
from luna.api.errors import ErrorBody, field_error
from luna.api.login_guard import check_password
from luna.api.routes.users import UserOut
from luna.core.security import ACCESS_COOKIE, MIN_PASSWORD_LENGTH
from luna.services.tokens import Token, issue_token
from luna.store.sql.database import session_scope
from luna.store.sql.users import get_user, revoke_tokens, set_password

router = APIRouter(prefix="/auth", tags=["auth"])

THROTTLED: dict[int | str, dict[str, Any]] = {
    status.HTTP_429_TOO_MANY_REQUESTS: {
        "model": ErrorBody,
        "description": "Too many wrong passwords for the account or from the client address: "
        "no password is checked until Retry-After seconds have passed (or an admin unlocks).",
    }
}


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)


@router.post("/token", response_model=Token, responses=THROTTLED)
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    stores: StoresDep,
    settings: SettingsDep,
) -> Token:
    user = check_password(stores, settings, request, form.username, form.password, "api")
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="wrong username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return issue_token(user, settings)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(user: CurrentUser, stores: StoresDep) -> Response:
    """Revoke every token of the user, this one included (all sessions end), and drop the
    web UI's cookie. Committed before the answer, so the next request already sees it."""
    with session_scope(stores.sessions) as session:
        revoke_tokens(session, user.id)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(ACCESS_COOKIE, path="/")
    return response


@router.post("/password", response_model=Token, responses=THROTTLED)
def change_password(
    body: PasswordChange,
    user: CurrentUser,
    request: Request,
    stores: StoresDep,
    settings: SettingsDep,
) -> Token:
    """Change one's own password. The current one is checked like a login (throttled,
    audited); every token issued before is revoked, and the answer carries a new one."""
    if body.new_password == body.current_password:
        raise field_error("body.new_password", "must differ from the current password")
    checked = check_password(
        stores, settings, request, user.username, body.current_password, "password_change"
    )
    if checked is None:
        raise field_error("body.current_password", "wrong password", status.HTTP_403_FORBIDDEN)
    with session_scope(stores.sessions) as session:
        set_password(session, user.id, body.new_password)
        updated = get_user(session, user.username)
        assert updated is not None
        session.refresh(updated)
        return issue_token(updated, settings)


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)
