"""User accounts: creation with hashed passwords, lookup and authentication."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from luna.core.security import hash_password, verify_password
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


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = get_user(session, username)
    if user is None or not user.is_active or not verify_password(password, user.password_hash):
        return None
    return user
