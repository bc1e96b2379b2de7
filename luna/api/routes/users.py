"""User administration (admin only)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from luna.api.deps import AdminUser, SessionDep
from luna.core.security import MIN_PASSWORD_LENGTH
from luna.store.sql.models import Role, User
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
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)
    role: Role = Role.CUSTOMER
    full_name: str | None = Field(default=None, max_length=200)


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
