"""The points of ``GET /data/smart_meter``, kept per meter set and local day until a write
changes that day, so a request aggregates only what was written since.

A range is split at local midnights into day spans (the first and last clipped to the range).
Quarter-hour, hourly and daily buckets never cross a local midnight, so the plain aggregation
of a span yields exactly the buckets the whole range has there, DST days included. Each span's
points are kept as encoded JSON under the change stamps of the UTC days it overlaps
(:mod:`luna.store.sql.reading_versions`), which the database's triggers renew on every write by
any process. A request reads those stamps (one query) and aggregates only the spans whose
stamps moved: after a write, the days that share the written UTC day (a local day overlaps
two); a closed day nobody touched, never again. A range asked for again with nothing written
under it is a single lookup under one stamp over all its days. Monthly buckets span many days
and are aggregated per request.

The stamps are read before the readings: a write that commits in between is then in the rows
but not in the key, so the next request, seeing the new stamp, aggregates that day again and
never serves older rows under a newer stamp.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pydantic_core
from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from luna.core.lru import LruCache
from luna.store.sql.reading_versions import day_stamps, range_stamp
from luna.store.sql.series import ReadingAgg, ReadingBucket, Resolution, aggregate_readings

CACHE_BYTES = 64 * 1024 * 1024  # per process and database: a year of hourly points is 0.9 MB
DAY_NESTED = frozenset({Resolution.MIN15, Resolution.HOUR, Resolution.DAY})

Span = tuple[datetime, datetime]


ENTRY_OVERHEAD = 256  # bytes an entry costs beyond its value (its key): empty days count too


def _weight(value: bytes) -> int:
    return len(value) + ENTRY_OVERHEAD


# One cache per database engine: days and stamps of one database say nothing about another's.
_caches: weakref.WeakKeyDictionary[Engine, LruCache[bytes]] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _cache(engine: Engine) -> LruCache[bytes]:
    with _caches_lock:
        cache = _caches.get(engine)
        if cache is None:
            cache = _caches[engine] = LruCache(CACHE_BYTES, _weight)
        return cache


def day_spans(start: datetime, end: datetime, tz: str) -> list[Span]:
    """``[start, end)`` cut at each local midnight (the first instant of a local date, also
    where DST skips midnight)."""
    local = ZoneInfo(tz)
    spans: list[Span] = []
    lo, day = start, start.astimezone(local).date()
    while lo < end:
        day += timedelta(days=1)
        hi = min(datetime.combine(day, time(), local).astimezone(UTC), end)
        if hi > lo:
            spans.append((lo, hi))
            lo = hi
    return spans


def encode_points(buckets: Sequence[ReadingBucket], tz: str) -> bytes:
    """Buckets as the JSON array of the series' points, local timestamps, energies to 6
    decimals: plain dicts through pydantic-core, serialised as the point model would be."""
    local = ZoneInfo(tz)
    return pydantic_core.to_json(
        [
            {
                "ts": b.ts.astimezone(local),
                "consumption_kwh": round(b.consumption_kwh, 6),
                "production_kwh": round(b.production_kwh, 6),
                "intervals": b.intervals,
            }
            for b in buckets
        ]
    )


@dataclass(frozen=True)
class _Series:
    """What a series' points depend on besides the range and the data: part of every key."""

    meter_ids: tuple[str, ...]
    resolution: Resolution
    agg: ReadingAgg
    tz: str
    timescale: bool

    def aggregate(self, conn: Connection, lo: datetime, hi: datetime) -> list[ReadingBucket]:
        return aggregate_readings(
            conn, self.meter_ids, lo, hi, self.resolution, self.agg, self.tz, self.timescale
        )


def reading_points_json(
    conn: Connection,
    meter_ids: Sequence[str],
    start: datetime,
    end: datetime,
    resolution: Resolution,
    agg: ReadingAgg,
    tz: str,
    timescale: bool,
) -> bytes:
    """The JSON array of :func:`~luna.store.sql.series.aggregate_readings`' buckets over
    ``[start, end)``, from the cache for every local day whose readings nobody wrote to since.

    A range asked for again with nothing written under it is one lookup, checked by one
    stamp over the whole range; else the days are put together, aggregating the changed ones.
    """
    series = _Series(tuple(meter_ids), resolution, agg, tz, timescale)
    if resolution not in DAY_NESTED:
        return encode_points(series.aggregate(conn, start, end), tz)
    if end <= start:
        return b"[]"
    first, last = _utc_date(start), _utc_date(end - _TICK)
    cache = _cache(conn.engine)
    whole = (series, start, end, range_stamp(conn, meter_ids, first, last))
    body = cache.get(whole)
    if body is None:
        body = _by_day(conn, cache, series, start, end, day_stamps(conn, meter_ids, first, last))
        cache.put(whole, body)
    return body


_TICK = timedelta(microseconds=1)


def _utc_date(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _by_day(
    conn: Connection,
    cache: LruCache[bytes],
    series: _Series,
    start: datetime,
    end: datetime,
    stamps: dict[date, int],
) -> bytes:
    """The range's points, day by day: cached days as they are, the others aggregated (one
    query per run of consecutive days) and cached under their days' ``stamps``."""
    spans = day_spans(start, end, series.tz)
    keys = []
    for lo, hi in spans:
        day, until = _utc_date(lo), _utc_date(hi - _TICK)
        stamp = [stamps.get(day)]
        while day < until:  # a local day overlaps two UTC days (or more, far from UTC)
            day += timedelta(days=1)
            stamp.append(stamps.get(day))
        keys.append((series, lo, hi, tuple(stamp)))
    parts = [cache.get(key) for key in keys]
    missing = [i for i, part in enumerate(parts) if part is None]
    if missing:
        starts = [lo for lo, _ in spans]
        found: dict[int, list[ReadingBucket]] = {i: [] for i in missing}
        for run_first, run_last in _runs(missing):
            rows = series.aggregate(conn, spans[run_first][0], spans[run_last][1])
            for bucket in rows:  # in one span each; the first span's may start before the range
                found[max(bisect.bisect_right(starts, bucket.ts) - 1, run_first)].append(bucket)
        for i, buckets in found.items():
            part = encode_points(buckets, series.tz)[1:-1]  # the points without the brackets
            cache.put(keys[i], part)
            parts[i] = part
    return b"[" + b",".join(part for part in parts if part) + b"]"


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """Sorted indices as (first, last) runs of consecutive ones: one query per run."""
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def clear_cache() -> None:
    """Forget every cached day (tests that measure the uncached path)."""
    with _caches_lock:
        for cache in _caches.values():
            cache.clear()
