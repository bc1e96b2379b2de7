"""What the tools of one request need from the outside: who asks, the stores, the settings.

Tools are built per request from a :class:`ToolContext` (see :func:`luna.tools.build_tools`),
never from globals, so a customer's tools can only ever read that customer's meters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from luna.config import Settings
from luna.domain.tariff import Tariff
from luna.retrieval.retriever import Retriever
from luna.store.sql.models import Meter
from luna.tools.results import ToolInputError


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ToolContext:
    """The asking user and the components the tools read; ``now`` is injectable for tests."""

    settings: Settings
    sessions: sessionmaker[Session]
    retriever: Retriever | None
    user_id: int | None
    # Builds the retriever on first use instead (it loads the embedding model and opens the
    # vector store, which turns about meters never need).
    retriever_factory: Callable[[], Retriever] | None = None
    is_admin: bool = False
    timescale: bool = False
    max_points: int = 24
    now: Callable[[], datetime] = field(default=_utc_now)

    @property
    def timezone(self) -> str:
        return self.settings.timezone

    @property
    def price_zone(self) -> str:
        """The site's bidding zone: prices of a question that names no zone."""
        return self.settings.price_zone

    @property
    def tariff(self) -> Tariff:
        return Tariff.from_settings(self.settings)


def visible_meter_ids(session: Session, ctx: ToolContext) -> list[str]:
    """Meters this user may read: their own, or all of them for an admin."""
    query = select(Meter.meter_id).order_by(Meter.meter_id)
    if not ctx.is_admin:
        query = query.where(Meter.owner_id == ctx.user_id)
    return list(session.scalars(query))


NOT_VISIBLE = "no meter '{meter}' among the meters you may read ({visible})"
_NOT_VISIBLE = re.compile(
    re.escape(NOT_VISIBLE)
    .replace(r"\{meter\}", r"(?P<meter>[^']+)")
    .replace(r"\{visible\}", r"(?P<visible>[^)]*)")
)


def resolve_meter(session: Session, ctx: ToolContext, meter_id: str | None) -> Meter:
    """The one meter a tool works on: the named one if visible, else the user's only meter.

    Another customer's meter is reported exactly like a missing one, so its existence does not
    leak; the message lists the meters the user may ask about, which lets the model recover.
    """
    visible = visible_meter_ids(session, ctx)
    if meter_id is None:
        if len(visible) == 1:
            meter_id = visible[0]
        elif not visible:
            raise ToolInputError("you have no meters; nothing to query")
        else:
            raise ToolInputError(f"name a meter_id; yours are: {_listing(visible)}")
    wanted = meter_id.strip()
    meter = session.get(Meter, wanted) or session.get(Meter, wanted.upper())
    if meter is None or meter.meter_id not in visible:
        raise ToolInputError(NOT_VISIBLE.format(meter=meter_id, visible=_listing(visible)))
    return meter


def not_visible_meter(error: str) -> tuple[str, str] | None:
    """The meter a tool error says the user may not read, and the meters they may, or None
    (so the answer can refuse by code, in the user's language)."""
    match = _NOT_VISIBLE.search(error)
    return (match.group("meter"), match.group("visible")) if match else None


def meter_error(ctx: ToolContext, meter_id: str) -> str | None:
    """Why the user may not read ``meter_id`` (as the tools say it), or None if they may."""
    with ctx.sessions() as session:
        try:
            resolve_meter(session, ctx, meter_id)
        except ToolInputError as exc:
            return str(exc)
    return None


def user_meters(ctx: ToolContext) -> list[str]:
    """The meters the user may read, sorted: what "the other meter" or "my second meter" in a
    question can refer to."""
    with ctx.sessions() as session:
        return visible_meter_ids(session, ctx)


def resolve_meter_ids(session: Session, ctx: ToolContext, meter_id: str | None) -> list[str]:
    """The named meter, or with none named every meter the user may read (summed)."""
    if meter_id is not None:
        return [resolve_meter(session, ctx, meter_id).meter_id]
    visible = visible_meter_ids(session, ctx)
    if not visible:
        raise ToolInputError("you have no meters; nothing to query")
    return visible


def _listing(ids: list[str], limit: int = 10) -> str:
    if not ids:
        return "none"
    more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
    return ", ".join(ids[:limit]) + more
