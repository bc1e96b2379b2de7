"""Fingerprints of stored readings and prices over time spans: what a cache of figures derived
from them is keyed on.

A fingerprint is the number of rows in a span and a checksum over their timestamps and values
(the XOR of a 64-bit hash per row, seeded with the row's time), computed by the database from
the rows themselves. Any write that changes a span (a new reading, a late one filling a gap, a
corrected value, a deletion), by this process or any other, changes its fingerprint; a span
nobody wrote to keeps it. The database reads the span's rows but sends back one row per span,
so checking a cached figure costs a fraction of recomputing it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class Fingerprint:
    rows: int
    checksum: int


EMPTY = Fingerprint(0, 0)

# One hash per row, seeded with the row's time, so equal values at other times (a value moved
# to another interval) hash differently; XOR makes the checksum independent of row order.
_READING_HASH = (
    "hashfloat8extended(r.consumption_kwh, extract(epoch FROM r.ts)::bigint)"
    " # hashfloat8extended(r.production_kwh, -1 - extract(epoch FROM r.ts)::bigint)"
    " # hashint8extended(r.interval_minutes, extract(epoch FROM r.ts)::bigint)"
)
_PRICE_HASH = "hashfloat8extended(p.price_eur_mwh, extract(epoch FROM p.ts)::bigint)"

# Spans arrive as two arrays of bounds, so the statement text is the same for any number.
_READING_FINGERPRINTS = text(
    f"""
    SELECT s.i, r.meter_id, count(*) AS n, bit_xor({_READING_HASH}) AS checksum
    FROM unnest(CAST(:starts AS timestamptz[]), CAST(:ends AS timestamptz[]))
         WITH ORDINALITY AS s(lo, hi, i)
    JOIN smart_meter_readings r
      ON r.meter_id = ANY(:meters) AND r.ts >= s.lo AND r.ts < s.hi
    GROUP BY s.i, r.meter_id
    """  # noqa: S608 (constant expressions only; every value is bound)
)
# A price applies to the readings of its whole period, so a span also covers the period that
# its start falls in (``date_bin``: the same bucketing as the readings-with-prices join).
_PRICE_FINGERPRINTS = text(
    f"""
    SELECT s.i, count(*) AS n, bit_xor({_PRICE_HASH}) AS checksum
    FROM unnest(CAST(:starts AS timestamptz[]), CAST(:ends AS timestamptz[]))
         WITH ORDINALITY AS s(lo, hi, i)
    JOIN market_prices p
      ON p.zone = :zone AND p.resolution_minutes = :res
     AND p.ts >= date_bin(make_interval(mins => :res), s.lo, TIMESTAMPTZ '2000-01-01 00:00+00')
     AND p.ts < s.hi
    GROUP BY s.i
    """  # noqa: S608 (constant expressions only; every value is bound)
)


def _bounds(spans: Sequence[Span]) -> dict[str, list[datetime]]:
    return {"starts": [lo for lo, _ in spans], "ends": [hi for _, hi in spans]}


def reading_fingerprints(
    conn: Connection, meter_ids: Sequence[str], spans: Sequence[Span]
) -> dict[tuple[str, int], Fingerprint]:
    """Per meter and span (its index in ``spans``): a span without readings is absent."""
    if not meter_ids or not spans:
        return {}
    rows = conn.execute(_READING_FINGERPRINTS, {"meters": list(meter_ids), **_bounds(spans)})
    return {(r.meter_id, int(r.i) - 1): Fingerprint(int(r.n), int(r.checksum)) for r in rows}


def price_fingerprints(
    conn: Connection, zone: str, resolution_minutes: int, spans: Sequence[Span]
) -> dict[int, Fingerprint]:
    """Per span (its index in ``spans``), of the zone's prices at one resolution."""
    if not spans:
        return {}
    rows = conn.execute(
        _PRICE_FINGERPRINTS, {"zone": zone, "res": resolution_minutes, **_bounds(spans)}
    )
    return {int(r.i) - 1: Fingerprint(int(r.n), int(r.checksum)) for r in rows}
