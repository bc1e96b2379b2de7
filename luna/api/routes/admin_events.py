"""Recent usage events for the admin dashboard: searchable, paginated, users only by their key.

The admin sees what happened (asks, answers, feedback, errors) and the payload, but never who:
a user appears only as the pseudonymous ``user_key`` stored with the event, never by id or name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, String, cast, func, select

from luna.api.deps import AdminUser, SessionDep
from luna.api.errors import field_error
from luna.core.time_bounds import BoundedAwareDatetime
from luna.store.sql.models import Event, EventType

router = APIRouter(prefix="/admin/events", tags=["admin"])

MAX_LIMIT = 200


class EventOut(BaseModel):
    id: int
    ts: datetime
    type: EventType
    user_key: str | None
    payload: dict[str, Any]


class EventPage(BaseModel):
    total: int
    limit: int
    offset: int
    events: list[EventOut]


def _like_pattern(text: str) -> str:
    """A case-insensitive substring pattern with LIKE's wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@router.get("", response_model=EventPage)
def list_events(
    session: SessionDep,
    _admin: AdminUser,
    type: Annotated[
        list[EventType] | None, Query(description="Event types; repeat for several.")
    ] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Text anywhere in the payload (case-insensitive)."),
    ] = None,
    since: Annotated[BoundedAwareDatetime | None, Query(description="Events at or after.")] = None,
    until: Annotated[BoundedAwareDatetime | None, Query(description="Events before.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> EventPage:
    """Newest first. ``total`` counts every match, so the client can page through them."""
    if since is not None and until is not None and since >= until:
        raise field_error("until", "must be later than since")
    conditions: list[ColumnElement[bool]] = []
    if type:
        conditions.append(Event.type.in_(type))
    if q and q.strip():
        conditions.append(cast(Event.payload, String).ilike(_like_pattern(q.strip()), escape="\\"))
    if since is not None:
        conditions.append(Event.ts >= since)
    if until is not None:
        conditions.append(Event.ts < until)
    total = session.scalar(select(func.count()).select_from(Event).where(*conditions)) or 0
    rows = session.scalars(
        select(Event)
        .where(*conditions)
        .order_by(Event.ts.desc(), Event.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return EventPage(
        total=total,
        limit=limit,
        offset=offset,
        events=[
            EventOut(id=e.id, ts=e.ts, type=e.type, user_key=e.user_key, payload=e.payload)
            for e in rows
        ],
    )
