"""Access tokens for an authenticated user: the API's bearer and the web UI's cookie."""

from __future__ import annotations

from pydantic import BaseModel

from luna.config import Settings
from luna.core.security import create_access_token
from luna.store.sql.models import User


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int


def issue_token(user: User, settings: Settings) -> Token:
    """A token carrying the user's token version, so a logout or password change revokes it."""
    token = create_access_token(
        user.username,
        user.role.value,
        settings.token_secret(),
        settings.access_token_minutes,
        user.token_version,
    )
    return Token(access_token=token, expires_in=settings.access_token_minutes * 60)
