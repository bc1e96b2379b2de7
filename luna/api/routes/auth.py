"""Token login (OAuth2 password flow, JWT bearer tokens) and the current user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from luna.api.deps import CurrentUser, SessionDep, SettingsDep
from luna.api.routes.users import UserOut
from luna.config import Settings
from luna.core.security import create_access_token
from luna.store.sql.models import User
from luna.store.sql.users import authenticate

router = APIRouter(prefix="/auth", tags=["auth"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int


def issue_token(user: User, settings: Settings) -> Token:
    """The access token for an authenticated user (the API's bearer and the web UI's cookie)."""
    token = create_access_token(
        user.username,
        user.role.value,
        settings.token_secret(),
        settings.access_token_minutes,
    )
    return Token(access_token=token, expires_in=settings.access_token_minutes * 60)


@router.post("/token", response_model=Token)
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    user = authenticate(session, form.username, form.password)
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="wrong username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return issue_token(user, settings)


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)
