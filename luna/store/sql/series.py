"""Time-series read queries: readings and prices aggregated into local-time buckets in SQL.

Buckets are computed by the database: ``time_bucket`` where TimescaleDB is installed, else
``date_bin``/``date_trunc`` with the site's time zone (PostgreSQL ≥ 14). Which one is decided
once per process (:func:`bucket_sql`); both yield the same buckets, so days and months are local
days and months and a DST day holds 92 or 100 quarter-hours.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection

from luna.domain.kpis import IntervalEnergy


class Resolution(enum.StrEnum):
    MIN15 = "15min"
    HOUR = "hour"
    DAY = "day"
    MONTH = "month"

    @property
    def approx(self) -> timedelta:
        return {
            Resolution.MIN15: timedelta(minutes=15),
            Resolution.HOUR: timedelta(hours=1),
            Resolution.DAY: timedelta(days=1),
            Resolution.MONTH: timedelta(days=28),
        }[self]


class ReadingAgg(enum.StrEnum):
    SUM = "sum"
    AVG = "avg"
    MAX = "max"


class PriceAgg(enum.StrEnum):
    AVG = "avg"
    MIN = "min"
    MAX = "max"


_PLAIN = {
    Resolution.MIN15: "date_bin(INTERVAL '15 minutes', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00')",
    Resolution.HOUR: "date_trunc('hour', ts, :tz)",
    Resolution.DAY: "date_trunc('day', ts, :tz)",
    Resolution.MONTH: "date_trunc('month', ts, :tz)",
}
_TIMESCALE = {
    Resolution.MIN15: "time_bucket(INTERVAL '15 minutes', ts)",
    Resolution.HOUR: "time_bucket(INTERVAL '1 hour', ts, :tz)",
    Resolution.DAY: "time_bucket(INTERVAL '1 day', ts, :tz)",
    Resolution.MONTH: "time_bucket(INTERVAL '1 month', ts, :tz)",
}


def bucket_sql(resolution: Resolution, timescale: bool) -> str:
    """The SQL expression that maps ``ts`` to the start of its bucket."""
    return (_TIMESCALE if timescale else _PLAIN)[resolution]


@dataclass(frozen=True)
class ReadingBucket:
    ts: datetime
    consumption_kwh: float
    production_kwh: float
    intervals: int


@dataclass(frozen=True)
class PriceBucket:
    ts: datetime
    price_eur_mwh: float
    intervals: int


_ONE_METER_INTERVALS = """
    SELECT ts, consumption_kwh AS c, production_kwh AS p FROM smart_meter_readings
    WHERE meter_id = ANY(:meters) AND ts >= :start AND ts < :end
"""
_METERS_PER_INTERVAL = """
    SELECT ts, sum(consumption_kwh) AS c, sum(production_kwh) AS p FROM smart_meter_readings
    WHERE meter_id = ANY(:meters) AND ts >= :start AND ts < :end
    GROUP BY ts
"""


def aggregate_readings(
    conn: Connection,
    meter_ids: Sequence[str],
    start: datetime,
    end: datetime,
    resolution: Resolution,
    agg: ReadingAgg,
    tz: str,
    timescale: bool,
) -> list[ReadingBucket]:
    """Readings of the given meters in ``[start, end)``, one row per bucket (meters summed).

    ``sum`` adds the energy of every interval in the bucket; ``avg`` and ``max`` are taken over
    the per-interval totals of the meters, so they describe the interval energy (kWh per step).
    """
    bucket = bucket_sql(resolution, timescale)
    fn = agg.value
    # One meter has one row per interval already; several are added up per interval first
    # (PostgreSQL inlines the plain CTE, so one meter's rows are aggregated only once).
    per_interval = _ONE_METER_INTERVALS if len(set(meter_ids)) == 1 else _METERS_PER_INTERVAL
    # Fixed identifiers only (from the enums above); every value is a bound parameter.
    query = text(
        f"""
        WITH per_interval AS ({per_interval})
        SELECT {bucket} AS bucket, {fn}(c) AS c, {fn}(p) AS p, count(*) AS n
        FROM per_interval GROUP BY bucket ORDER BY bucket
        """  # noqa: S608
    )
    rows = conn.execute(
        query, {"meters": list(meter_ids), "start": start, "end": end, "tz": tz}
    ).all()
    return [ReadingBucket(ts, float(c), float(p), int(n)) for ts, c, p, n in rows]


def aggregate_prices(
    conn: Connection,
    zone: str,
    source_resolution_minutes: int,
    start: datetime,
    end: datetime,
    resolution: Resolution,
    agg: PriceAgg,
    tz: str,
    timescale: bool,
) -> list[PriceBucket]:
    bucket = bucket_sql(resolution, timescale)
    query = text(
        f"""
        SELECT {bucket} AS bucket, {agg.value}(price_eur_mwh) AS price, count(*) AS n
        FROM market_prices
        WHERE zone = :zone AND resolution_minutes = :res AND ts >= :start AND ts < :end
        GROUP BY bucket ORDER BY bucket
        """  # noqa: S608
    )
    rows = conn.execute(
        query,
        {"zone": zone, "res": source_resolution_minutes, "start": start, "end": end, "tz": tz},
    ).all()
    return [PriceBucket(ts, float(price), int(n)) for ts, price, n in rows]


# A loose index scan: one probe of the primary key (zone, resolution_minutes, ts) per
# resolution, where DISTINCT would read every price of the zone.
_PRICE_RESOLUTIONS = text(
    """
    WITH RECURSIVE res(m) AS (
        SELECT min(resolution_minutes) FROM market_prices WHERE zone = :zone
        UNION ALL
        SELECT (SELECT min(resolution_minutes) FROM market_prices
                WHERE zone = :zone AND resolution_minutes > res.m)
        FROM res WHERE res.m IS NOT NULL
    )
    SELECT m FROM res WHERE m IS NOT NULL ORDER BY m
    """
)


def price_resolutions(conn: Connection, zone: str) -> list[int]:
    """Resolutions (minutes) for which the zone has prices, finest first."""
    return [int(r[0]) for r in conn.execute(_PRICE_RESOLUTIONS, {"zone": zone})]


def costing_resolution(available: list[int]) -> int | None:
    """The price resolution energy is costed at: quarter hours where stored, else the finest
    stored, None without prices (the overview's KPIs and the chat's costs agree on it)."""
    return 15 if 15 in available else (min(available) if available else None)


# Per meter, an index probe at each end of its readings (the primary key is (meter_id, ts)),
# where a GROUP BY over the meters would read every reading they have.
_READING_SPANS = text(
    """
    SELECT m.meter_id,
           (SELECT min(ts) FROM smart_meter_readings r WHERE r.meter_id = m.meter_id) AS first,
           (SELECT max(ts) FROM smart_meter_readings r
            WHERE r.meter_id = m.meter_id
              AND r.ts < COALESCE(CAST(:before AS timestamptz), 'infinity')) AS last
    FROM unnest(CAST(:meters AS text[])) AS m(meter_id)
    """
)


def reading_spans(
    conn: Connection, meter_ids: Sequence[str], before: datetime | None = None
) -> dict[str, tuple[datetime | None, datetime | None]]:
    """Each meter's first reading and its last one before ``before`` (default: any)."""
    rows = conn.execute(_READING_SPANS, {"meters": list(meter_ids), "before": before})
    return {r.meter_id: (r.first, r.last) for r in rows}


def readings_with_prices(
    conn: Connection,
    meter_ids: Sequence[str],
    zone: str,
    price_resolution_minutes: int | None,
    start: datetime,
    end: datetime,
) -> list[IntervalEnergy]:
    """Each meter's raw intervals in ``[start, end)`` with the spot price of the interval's
    price period (``price_resolution_minutes``: the zone's stored resolution; None: no prices)."""
    query = text(
        """
        SELECT r.meter_id, r.ts, r.interval_minutes, r.consumption_kwh, r.production_kwh,
               p.price_eur_mwh AS spot
        FROM smart_meter_readings r
        LEFT JOIN market_prices p
          ON p.zone = :zone AND p.resolution_minutes = :res
         AND p.ts = date_bin(make_interval(mins => :res), r.ts, TIMESTAMPTZ '2000-01-01 00:00+00')
        WHERE r.meter_id = ANY(:meters) AND r.ts >= :start AND r.ts < :end
        ORDER BY r.ts, r.meter_id
        """
    )
    rows = conn.execute(
        query,
        {
            "meters": list(meter_ids),
            "zone": zone,
            "res": price_resolution_minutes or 60,
            "start": start,
            "end": end,
        },
    ).all()
    return [
        IntervalEnergy(
            meter_id=r.meter_id,
            ts=r.ts,
            interval_minutes=int(r.interval_minutes),
            consumption_kwh=float(r.consumption_kwh),
            production_kwh=float(r.production_kwh),
            spot_eur_mwh=float(r.spot) if r.spot is not None and price_resolution_minutes else None,
        )
        for r in rows
    ]
