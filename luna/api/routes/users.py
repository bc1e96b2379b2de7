"""User administration (admin only): accounts, and the login lockouts an admin can lift."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from luna.api.deps import AdminUser, SessionDep, SettingsDep, StoresDep
from luna.api.errors import ErrorBody
from luna.core.pseudonym import settings_user_key
from luna.core.security import MIN_PASSWORD_LENGTH
from luna.store.sql.database import session_scope
from luna.store.sql.events import new_event
from luna.store.sql.login_throttle import throttled_accounts, unlock_account
from luna.store.sql.models import EventType, Role, User, column_length
from luna.store.sql.users import UserExistsError, create_user

router = APIRouter(prefix="/users", tags=["users"])


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    full_name: str | None
    role: Role
    is_active: bool
    created_at: datetime


class UserCreate(BaseModel):
    username: str = Field(
        min_length=2, max_length=column_length(User.username), pattern=r"^[A-Za-z0-9_.\-]+$"
    )
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)
    role: Role = Role.CUSTOMER
    full_name: str | None = Field(default=None, max_length=column_length(User.full_name))


@router.get("", response_model=list[UserOut])
def list_users(session: SessionDep, _admin: AdminUser) -> list[UserOut]:
    users = session.scalars(select(User).order_by(User.id))
    return [UserOut.model_validate(u) for u in users]


@router.post("", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def add_user(body: UserCreate, session: SessionDep, _admin: AdminUser) -> UserOut:
    try:
        user = create_user(session, body.username, body.password, body.role, body.full_name)
    except UserExistsError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    return UserOut.model_validate(user)


class LoginLockOut(BaseModel):
    """An account with a streak of wrong passwords: in backoff, locked, or just counting."""

    user_id: int
    username: str
    failures: int
    last_failure_at: datetime | None
    blocked_until: datetime | None
    locked_until: datetime | None
    locked: bool


@router.get("/lockouts", response_model=list[LoginLockOut])
def list_lockouts(session: SessionDep, _admin: AdminUser) -> list[LoginLockOut]:
    """Accounts with recent wrong passwords, most recent first (names tried that belong to
    no user are not shown: they may be passwords typed into the name field)."""
    now = datetime.now(UTC)
    return [
        LoginLockOut(
            user_id=user.id,
            username=user.username,
            failures=row.failures,
            last_failure_at=row.last_failure_at,
            blocked_until=row.blocked_until,
            locked_until=row.locked_until,
            locked=row.locked_until is not None and row.locked_until > now,
        )
        for user, row in throttled_accounts(session, now)
    ]


class UnlockOut(BaseModel):
    user_id: int
    username: str
    was_throttled: bool


@router.post(
    "/{user_id}/unlock",
    response_model=UnlockOut,
    responses={404: {"model": ErrorBody, "description": "no such user"}},
)
def unlock_user(
    user_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    stores: StoresDep,
    settings: SettingsDep,
    admin: AdminUser,
) -> UnlockOut:
    """Lift the account's lockout and backoff at once (the client address's backoff, if any,
    runs out on its own). Audited as an ``unlock`` event; committed before the answer."""
    with session_scope(stores.sessions) as session:
        user = session.get(User, user_id)
        if user is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no user with id {user_id}")
        was_throttled = unlock_account(session, user.username)
        payload = {"by": settings_user_key(settings, admin.id), "was_throttled": was_throttled}
        session.add(new_event(settings, EventType.UNLOCK, user.id, payload))
        return UnlockOut(user_id=user.id, username=user.username, was_throttled=was_throttled)
