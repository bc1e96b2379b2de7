"""Password hashing (Argon2 via pwdlib) and signed access tokens (JWT, HS256)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from pwdlib import PasswordHash

_hasher = PasswordHash.recommended()

ALGORITHM = "HS256"
MIN_PASSWORD_LENGTH = 8
# The web UI keeps the same access token in this HttpOnly, SameSite=Strict cookie.
ACCESS_COOKIE = "luna_token"


class InvalidTokenError(ValueError):
    """The token is malformed, badly signed or expired."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _hasher.verify(password, password_hash)


def create_access_token(subject: str, role: str, secret: str, minutes: int) -> str:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": subject,
        "role": role,
        "iat": now,
        "exp": now + timedelta(minutes=minutes),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_access_token(token: str, secret: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]}
        )
    except jwt.PyJWTError as exc:
        raise InvalidTokenError(str(exc)) from exc
    return claims
