"""Writing usage events: every event carries the user's pseudonymous key.

Payloads never hold a user id or name; analytics group by ``user_key``. The ``user_id`` column
is set only so a user's events go with them (deletion, retention).
"""

from __future__ import annotations

from typing import Any

from luna.config import Settings
from luna.core.pseudonym import settings_user_key
from luna.store.sql.models import Event, EventType


def new_event(
    settings: Settings, type: EventType, user_id: int | None, payload: dict[str, Any]
) -> Event:
    """An unsaved event of ``type`` for ``user_id`` (None: the system) with its user key."""
    key = settings_user_key(settings, user_id) if user_id is not None else None
    return Event(type=type, user_id=user_id, user_key=key, payload=payload)
