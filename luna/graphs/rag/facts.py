"""SQL facts for questions about the user's own data ("my consumption", "price today").

Deterministic: keyword detection decides whether to look, parameterised queries on the data
layer produce the numbers, and each fact carries the query and rows it came from, so the answer
can cite data the same way it cites documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from luna.store.sql.models import Meter
from luna.store.sql.series import (
    PriceAgg,
    ReadingAgg,
    Resolution,
    aggregate_prices,
    aggregate_readings,
)

_OWN_DATA = re.compile(
    r"\b(mein\w*|my|unser\w*|our|i|ich|wir)\b.*\b(verbrauch\w*|consum\w*|produ\w*|erzeug\w*|"
    r"pv|kosten|cost\w*|zähler\w*|meter\w*)\b",
    re.IGNORECASE | re.DOTALL,
)
_PRICE = re.compile(r"\b(preis\w*|price\w*|börse\w*|day-ahead|spot)\b", re.IGNORECASE)
_NOW = re.compile(
    r"\b(heute|jetzt|aktuell\w*|morgen|today|now|current\w*|tomorrow)\b", re.IGNORECASE
)


def wants_own_data(question: str) -> bool:
    return bool(_OWN_DATA.search(question))


def wants_current_prices(question: str) -> bool:
    return bool(_PRICE.search(question) and _NOW.search(question))


@dataclass(frozen=True)
class FactScope:
    user_id: int | None
    tz: str
    timescale: bool
    zone: str


def _ct(eur_mwh: float) -> str:
    return f"{eur_mwh / 10:.2f} ct/kWh"


def _consumption_facts(session: Session, scope: FactScope, now: datetime) -> list[dict[str, Any]]:
    meters = list(
        session.scalars(
            select(Meter.meter_id).where(Meter.owner_id == scope.user_id).order_by(Meter.meter_id)
        )
    )
    if not meters:
        return []
    local_now = now.astimezone(ZoneInfo(scope.tz))
    month_start = local_now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    facts = []
    for label, start in (("this month", month_start), ("the last 7 days", now - timedelta(days=7))):
        buckets = aggregate_readings(
            session.connection(),
            meters,
            start.astimezone(UTC),
            now,
            Resolution.DAY,
            ReadingAgg.SUM,
            scope.tz,
            scope.timescale,
        )
        used = sum(b.consumption_kwh for b in buckets)
        made = sum(b.production_kwh for b in buckets)
        facts.append(
            {
                "label": f"Your consumption {label} (meters {', '.join(meters)})",
                "value": f"{used:.1f} kWh consumed, {made:.1f} kWh PV produced",
                "query": f"daily sums of smart_meter_readings, {start:%Y-%m-%d %H:%M} to now",
                "rows": len(buckets),
            }
        )
    return facts


def _price_facts(session: Session, scope: FactScope, now: datetime) -> list[dict[str, Any]]:
    local = ZoneInfo(scope.tz)
    day = now.astimezone(local).replace(hour=0, minute=0, second=0, microsecond=0)
    buckets = aggregate_prices(
        session.connection(),
        scope.zone,
        60,
        day.astimezone(UTC),
        (day + timedelta(days=2)).astimezone(UTC),
        Resolution.HOUR,
        PriceAgg.AVG,
        scope.tz,
        scope.timescale,
    )
    if not buckets:
        return []
    cheapest = min(buckets, key=lambda b: b.price_eur_mwh)
    dearest = max(buckets, key=lambda b: b.price_eur_mwh)
    current = next((b for b in reversed(buckets) if b.ts <= now), buckets[0])
    when = "%a %d.%m. %H:%M"
    return [
        {
            "label": f"Day-ahead prices {scope.zone}, today and tomorrow (energy only, net)",
            "value": (
                f"now {_ct(current.price_eur_mwh)}; cheapest hour "
                f"{cheapest.ts.astimezone(local):{when}} at {_ct(cheapest.price_eur_mwh)}; "
                f"most expensive {dearest.ts.astimezone(local):{when}} at "
                f"{_ct(dearest.price_eur_mwh)}"
            ),
            "query": f"hourly market_prices {scope.zone} from {day:%Y-%m-%d} for two days",
            "rows": len(buckets),
        }
    ]


def gather_facts(
    session: Session, question: str, scope: FactScope, now: datetime | None = None
) -> list[dict[str, Any]]:
    now = now or datetime.now(UTC)
    facts: list[dict[str, Any]] = []
    if scope.user_id is not None and wants_own_data(question):
        facts.extend(_consumption_facts(session, scope, now))
    if wants_current_prices(question):
        facts.extend(_price_facts(session, scope, now))
    return facts
