"""``POST /events``: views and clicks from the web UI, stored pseudonymously.

Only ``view`` and ``click`` are accepted here (asks, answers and feedback are recorded by the
routes that serve them), with a small, validated payload: which page, which element, how long.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field

from luna.api.deps import CurrentUser, SessionDep, SettingsDep
from luna.store.sql.events import new_event
from luna.store.sql.models import EventType

router = APIRouter(prefix="/events", tags=["events"])

PAGE = r"^/[A-Za-z0-9_\-./]{0,199}$"
ELEMENT = r"^[A-Za-z0-9_\-.:#]{1,100}$"


class UiEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["view", "click"]
    page: str = Field(pattern=PAGE, description="Path of the page, e.g. /ui/chat")
    element: str | None = Field(default=None, pattern=ELEMENT, description="Id of what was clicked")
    dwell_ms: int | None = Field(default=None, ge=0, le=24 * 3600 * 1000)


@router.post("", status_code=status.HTTP_204_NO_CONTENT)
def record_ui_event(
    body: UiEvent, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    """Record a page view or a click of the signed-in user (by their pseudonymous key)."""
    payload = body.model_dump(exclude={"type"}, exclude_none=True)
    session.add(new_event(settings, EventType(body.type), user.id, payload))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
