"""Backfill: simulated meters, readings and day-ahead prices written into PostgreSQL.

Idempotent: meters are upserted, readings and prices go through the time-series upsert, so
running the same backfill twice writes nothing the second time. Each meter's series is one
transaction, so an interrupted backfill leaves whole meters, never half a meter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert

from luna.config import site_price_zone, site_timezone
from luna.simulators.simulate_market_prices import simulate_prices
from luna.simulators.simulate_smart_meter import MeterSpec, simulate_meter
from luna.store.sql.models import Meter
from luna.store.sql.timeseries import PRICES, READINGS, upsert_rows


@dataclass
class BackfillReport:
    meters: int = 0
    readings: int = 0
    readings_written: int = 0
    prices: int = 0
    prices_written: int = 0


def day_window(
    days: int, *, end: datetime | None = None, timezone: str | None = None
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``days`` whole local days (``timezone``, default the site's) ending at the local
    midnight at or before ``end`` (now)."""
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    tz = timezone or site_timezone()
    stop = pd.Timestamp(end) if end is not None else pd.Timestamp.now(tz=tz)
    if stop.tzinfo is None:
        raise ValueError("end must be timezone-aware")
    stop = stop.tz_convert(tz).normalize()
    start = (stop - pd.DateOffset(days=days)).normalize()
    return start.tz_convert("UTC"), stop.tz_convert("UTC")


def upsert_meters(engine: Engine, specs: Iterable[MeterSpec], zone: str) -> int:
    rows = [
        {
            "meter_id": s.meter_id,
            "label": f"{s.profile} {s.meter_id}",
            "profile": s.profile,
            "annual_kwh": s.annual_kwh,
            "pv_kwp": s.pv_kwp,
            "zone": zone,
            "attributes": s.model_dump(mode="json"),
        }
        for s in specs
    ]
    if not rows:
        return 0
    statement = insert(Meter).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=[Meter.meter_id],
        set_={c: statement.excluded[c] for c in ("profile", "annual_kwh", "pv_kwp", "attributes")},
    )
    with engine.begin() as conn:
        conn.execute(statement)
    return len(rows)


def backfill(
    engine: Engine,
    specs: list[MeterSpec],
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    seed: int,
    zone: str | None = None,
    interval_minutes: int = 15,
    price_end: pd.Timestamp | None = None,
    on_meter: Callable[[str, int], None] | None = None,
) -> BackfillReport:
    """Write meters, their readings in ``[start, end)`` and prices up to ``price_end``.

    ``price_end`` defaults to ``end`` plus one day: day-ahead prices are known for tomorrow;
    ``zone`` to the site's (``LUNA_PRICE_ZONE``).
    """
    zone = zone or site_price_zone()
    report = BackfillReport(meters=upsert_meters(engine, specs, zone))
    for spec in specs:
        frame = simulate_meter(spec, start, end, interval_minutes=interval_minutes, seed=seed)
        rows = frame[list(READINGS.columns)].itertuples(index=False, name=None)
        with engine.begin() as conn:
            report.readings_written += upsert_rows(conn, READINGS, rows)
        report.readings += len(frame)
        if on_meter is not None:
            on_meter(spec.meter_id, len(frame))
    until = price_end if price_end is not None else end + pd.Timedelta(days=1)
    for resolution in (60, 15):
        prices = simulate_prices(zone, start, until, resolution_minutes=resolution, seed=seed)
        ordered = prices[list(PRICES.columns)]
        with engine.begin() as conn:
            report.prices_written += upsert_rows(
                conn, PRICES, ordered.itertuples(index=False, name=None)
            )
        report.prices += len(prices)
    return report
