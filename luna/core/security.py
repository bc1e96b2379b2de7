"""Password hashing (Argon2 via pwdlib) and signed access tokens (JWT, HS256)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import jwt
from pwdlib import PasswordHash
from pwdlib.exceptions import UnknownHashError

_hasher = PasswordHash.recommended()

ALGORITHM = "HS256"
MIN_PASSWORD_LENGTH = 8
# The web UI keeps the same access token in this HttpOnly, SameSite=Strict cookie.
ACCESS_COOKIE = "luna_token"
# The claim carrying the user's token version (luna.store.sql.models.User.token_version).
VERSION_CLAIM = "ver"


class InvalidTokenError(ValueError):
    """The token is malformed, badly signed or expired."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """Whether ``password`` matches; a hash no hasher knows (``"!"``: an account that cannot
    log in) is False after the same work as a real check."""
    try:
        return _hasher.verify(password, password_hash)
    except UnknownHashError:
        _hasher.verify(password, dummy_password_hash())
        return False


@cache
def dummy_password_hash() -> str:
    """A hash of a random password, checked when there is no real one to check (unknown user,
    disabled account), so that a login costs the same either way and its time does not tell
    which names exist."""
    return _hasher.hash(secrets.token_urlsafe(32))


def create_access_token(
    subject: str, role: str, secret: str, minutes: int, version: int = 0
) -> str:
    """A signed token; ``version`` is the user's token version, so raising the user's version
    revokes it."""
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": subject,
        "role": role,
        VERSION_CLAIM: version,
        "iat": now,
        "exp": now + timedelta(minutes=minutes),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def token_version(claims: dict[str, Any]) -> int | None:
    """The token version a token carries (0 for tokens issued before versions existed);
    None if the claim is malformed."""
    value = claims.get(VERSION_CLAIM, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def decode_access_token(token: str, secret: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]}
        )
    except jwt.PyJWTError as exc:
        raise InvalidTokenError(str(exc)) from exc
    return claims
