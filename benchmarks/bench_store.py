"""Data-layer benchmark: readings upsert throughput and a daily-aggregate query.

    .venv/bin/python benchmarks/bench_store.py [--rows 1000000] [--batch 50000]

Runs against a throwaway database on LUNA_BENCH_DATABASE_URL (default: the PostgreSQL server
on 127.0.0.1:5432) and drops it afterwards. Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
from _db import throwaway_database
from sqlalchemy import create_engine, text

from luna.store.sql.timeseries import READINGS, upsert_rows

SERVER = os.environ.get(
    "LUNA_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
START = datetime(2025, 1, 1, tzinfo=UTC)
STEP = timedelta(minutes=15)


def readings(meters: int, steps: int, seed: int = 0) -> Iterator[tuple[object, ...]]:
    for m in range(meters):
        meter_id = f"M-{m + 1:03d}"
        values = np.random.default_rng([seed, m]).gamma(2.0, 0.06, size=steps)
        for i in range(steps):
            yield (meter_id, START + i * STEP, 15, float(values[i]), 0.0)


def batched(rows: Iterator[tuple[object, ...]], size: int) -> Iterator[list[tuple[object, ...]]]:
    batch: list[tuple[object, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=50_000)
    parser.add_argument("--meters", type=int, default=10)
    args = parser.parse_args()

    with throwaway_database() as url:
        engine = create_engine(url)
        with engine.begin() as conn:
            for m in range(args.meters):
                conn.execute(
                    text("INSERT INTO meters (meter_id) VALUES (:m)"), {"m": f"M-{m + 1:03d}"}
                )
        steps = args.rows // args.meters
        start = time.perf_counter()
        written = 0
        for batch in batched(readings(args.meters, steps), args.batch):
            with engine.begin() as conn:
                written += upsert_rows(conn, READINGS, batch)
        insert_s = time.perf_counter() - start
        print(
            f"upsert (new rows):      {written:>9,} rows in {insert_s:6.1f} s = "
            f"{written / insert_s:>9,.0f} rows/s  (batches of {args.batch:,})"
        )

        start = time.perf_counter()
        unchanged = 0
        for batch in batched(readings(args.meters, min(steps, 35_040)), args.batch):
            with engine.begin() as conn:
                unchanged += upsert_rows(conn, READINGS, batch)
        again_rows = args.meters * min(steps, 35_040)
        again_s = time.perf_counter() - start
        print(
            f"upsert (re-sent rows):  {again_rows:>9,} rows in {again_s:6.1f} s = "
            f"{again_rows / again_s:>9,.0f} rows/s  ({unchanged} changed)"
        )

        with engine.begin() as conn:
            conn.execute(text("ANALYZE smart_meter_readings"))
        year_end = START + timedelta(days=365)
        query = text(
            "SELECT meter_id, date_trunc('day', ts, 'Europe/Berlin') AS day, "
            "sum(consumption_kwh), max(consumption_kwh) FROM smart_meter_readings "
            "WHERE ts >= :a AND ts < :b GROUP BY 1, 2 ORDER BY 1, 2"
        )
        timings = []
        for _ in range(7):
            t = time.perf_counter()
            with engine.connect() as conn:
                n = len(conn.execute(query, {"a": START, "b": year_end}).all())
            timings.append((time.perf_counter() - t) * 1e3)
        covered = min(steps, 35_040) * args.meters
        print(
            f"daily aggregate, 1 year x 15 min x {args.meters} meters ({covered:,} rows -> "
            f"{n:,} days): p50 {statistics.median(timings):.0f} ms, max {max(timings):.0f} ms"
        )
        one = text(
            "SELECT date_trunc('day', ts, 'Europe/Berlin') AS day, sum(consumption_kwh) "
            "FROM smart_meter_readings WHERE meter_id = 'M-001' AND ts >= :a AND ts < :b "
            "GROUP BY 1 ORDER BY 1"
        )
        timings = []
        for _ in range(7):
            t = time.perf_counter()
            with engine.connect() as conn:
                conn.execute(one, {"a": START, "b": year_end}).all()
            timings.append((time.perf_counter() - t) * 1e3)
        print(f"daily aggregate, 1 year, one meter: p50 {statistics.median(timings):.1f} ms")
        engine.dispose()


if __name__ == "__main__":
    main()
