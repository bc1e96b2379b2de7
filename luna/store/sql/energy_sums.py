"""Energy sums of meters over time spans, kept per process until the data under them changes.

The overview's KPIs add up a few spans per meter: the closed days of this and last month so far,
and the last, partial day of each compared period. Each span's
:class:`~luna.domain.kpis.EnergySums` is cached under what it rests on: the meter, the span's
bounds, the price resolution and tariff, and the fingerprints of the meter's readings and the
zone's prices in that span (:mod:`luna.store.sql.series_fingerprints`). A new, late or
corrected reading or price, written by any process, changes a fingerprint, so that span is
summed again; a span nobody wrote to (the month's closed days, yesterday) is summed once.
The cache is a bounded LRU per process; entries that no longer match simply age out.
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Sequence

from sqlalchemy.engine import Connection

from luna.core.lru import LruCache
from luna.domain.kpis import EnergySums, IntervalEnergy, energy_sums
from luna.domain.tariff import Tariff
from luna.store.sql.series import readings_with_prices
from luna.store.sql.series_fingerprints import (
    EMPTY,
    Span,
    price_fingerprints,
    reading_fingerprints,
)

CACHE_ENTRIES = 8192  # a few hundred bytes each: a few MB per process at most


_cache: LruCache[EnergySums] = LruCache(CACHE_ENTRIES)


def span_sums(
    conn: Connection,
    meter_ids: Sequence[str],
    zone: str,
    price_resolution_minutes: int | None,
    spans: Sequence[Span],
    tariff: Tariff,
) -> dict[tuple[str, Span], EnergySums]:
    """Each meter's :class:`EnergySums` in each span ``[start, end)`` (empty spans: zero),
    costed with ``tariff``, from the cache where the data under it (and the tariff) is
    unchanged, else summed from the rows."""
    spans = list(dict.fromkeys(s for s in spans if s[0] < s[1]))
    sums = {(m, s): EnergySums() for m in meter_ids for s in spans}
    keys = _keys(conn, meter_ids, zone, price_resolution_minutes, spans, tariff)
    missing: dict[str, list[Span]] = {}
    for (meter, span), key in keys.items():
        if key is None:  # no readings there: nothing to sum
            continue
        cached = _cache.get(key)
        if cached is not None:
            sums[meter, span] = cached
        else:
            missing.setdefault(meter, []).append(span)
    if not missing:
        return sums
    computed = _sum_rows(conn, missing, zone, price_resolution_minutes, tariff)
    sums.update(computed)
    # Only what the fingerprints still describe is kept: a write that committed between reading
    # them and reading the rows must not leave newer sums under the older fingerprints.
    meters = sorted(missing)
    again = _keys(
        conn,
        meters,
        zone,
        price_resolution_minutes,
        sorted({s for ss in missing.values() for s in ss}),
        tariff,
    )
    for (meter, span), value in computed.items():
        key = keys[meter, span]
        if key is not None and again.get((meter, span)) == key:
            _cache.put(key, value)
    return sums


def _keys(
    conn: Connection,
    meter_ids: Sequence[str],
    zone: str,
    res: int | None,
    spans: Sequence[Span],
    tariff: Tariff,
) -> dict[tuple[str, Span], tuple[Hashable, ...] | None]:
    """The cache key of each meter and span; None where the span holds no readings."""
    readings = reading_fingerprints(conn, meter_ids, spans)
    prices = price_fingerprints(conn, zone, res, spans) if res else {}
    keys: dict[tuple[str, Span], tuple[Hashable, ...] | None] = {}
    for i, span in enumerate(spans):
        for meter in meter_ids:
            fingerprint = readings.get((meter, i))
            keys[meter, span] = (
                None
                if fingerprint is None
                else (
                    meter,
                    span,
                    fingerprint,
                    zone,
                    res,
                    prices.get(i, EMPTY),
                    tariff,  # a frozen dataclass: equal figures, equal key
                )
            )
    return keys


def _sum_rows(
    conn: Connection,
    missing: dict[str, list[Span]],
    zone: str,
    res: int | None,
    tariff: Tariff,
) -> dict[tuple[str, Span], EnergySums]:
    """Sum the rows of the missing spans: one query per distinct range (usually one)."""
    by_range: dict[Span, list[str]] = {}
    for meter, spans in missing.items():
        lo, hi = min(s[0] for s in spans), max(s[1] for s in spans)
        by_range.setdefault((lo, hi), []).append(meter)
    out: dict[tuple[str, Span], EnergySums] = {}
    for (lo, hi), meters in by_range.items():
        per_meter: dict[str, list[IntervalEnergy]] = {m: [] for m in meters}
        for row in readings_with_prices(conn, meters, zone, res, lo, hi):  # ordered by ts
            per_meter[row.meter_id].append(row)
        for meter in meters:
            rows = per_meter[meter]
            stamps = [r.ts for r in rows]
            for start, end in missing[meter]:
                part = rows[bisect.bisect_left(stamps, start) : bisect.bisect_left(stamps, end)]
                out[meter, (start, end)] = energy_sums(
                    part, tariff.import_price_eur_kwh, tariff.export_price_eur_kwh
                )
    return out


def clear_cache() -> None:
    """Forget every cached sum (tests that measure the uncached path)."""
    _cache.clear()


def cached_entries() -> int:
    return len(_cache)
