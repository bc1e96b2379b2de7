"""Which meters a user may see: their own, or every meter for an admin."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from luna.store.sql.models import Meter, Role, User


def visible_meters(session: Session, user: User) -> list[Meter]:
    query = select(Meter).order_by(Meter.meter_id)
    if user.role is not Role.ADMIN:
        query = query.where(Meter.owner_id == user.id)
    return list(session.scalars(query))


def visible_meter_ids(session: Session, user: User) -> list[str]:
    """The ids of :func:`visible_meters`, without loading the meters (the series' hot path)."""
    query = select(Meter.meter_id).order_by(Meter.meter_id)
    if user.role is not Role.ADMIN:
        query = query.where(Meter.owner_id == user.id)
    return list(session.scalars(query))


def visible_meter(session: Session, user: User, meter_id: str) -> Meter | None:
    """The meter if this user may see it; None for another customer's meter as for a missing
    one, so callers answer both alike and a meter's existence does not leak."""
    meter = session.get(Meter, meter_id)
    if meter is None or (user.role is not Role.ADMIN and meter.owner_id != user.id):
        return None
    return meter
