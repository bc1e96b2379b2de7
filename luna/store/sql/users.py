"""User accounts: creation with hashed passwords, lookup, authentication, token revocation."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from luna.core.security import dummy_password_hash, hash_password, verify_password
from luna.store.sql.models import Role, User


class UserExistsError(ValueError):
    """A user with that name already exists."""


def normalise_username(username: str) -> str:
    return username.strip().lower()


def get_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == normalise_username(username)))


def create_user(
    session: Session,
    username: str,
    password: str,
    role: Role = Role.CUSTOMER,
    full_name: str | None = None,
) -> User:
    """Create a user; the password is stored only as an Argon2 hash."""
    name = normalise_username(username)
    if get_user(session, name) is not None:
        raise UserExistsError(f"user '{name}' already exists")
    user = User(
        username=name, password_hash=hash_password(password), role=role, full_name=full_name
    )
    session.add(user)
    session.flush()
    return user


def password_matches(user: User | None, password: str) -> bool:
    """Whether ``user`` is active and ``password`` is theirs. Exactly one password hash is
    verified either way (a dummy one for no user or a disabled one), so the time a login
    takes does not tell which names exist."""
    if user is None or not user.is_active:
        verify_password(password, dummy_password_hash())
        return False
    return verify_password(password, user.password_hash)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, else None (see :func:`password_matches`)."""
    user = get_user(session, username)
    return user if password_matches(user, password) else None


def revoke_tokens(session: Session, user_id: int) -> None:
    """Raise the user's token version: every access token issued before stops working."""
    session.execute(
        update(User).where(User.id == user_id).values(token_version=User.token_version + 1)
    )


def set_password(session: Session, user_id: int, password: str) -> None:
    """Store a new password (hashed) and revoke the tokens issued under the old one."""
    session.execute(
        update(User).where(User.id == user_id).values(password_hash=hash_password(password))
    )
    revoke_tokens(session, user_id)
