"""Simulator benchmark: a fleet backfill (meters x one year x 96 quarter-hours) and a price year.

    .venv/bin/python benchmarks/bench_simulators.py [--meters 100] [--year 2025] [--seed 1]

A fresh process pays once for the shared parts (BDEW profiles per calendar, sun position and
clear sky per site, PV per orientation, weather); every further meter-year reuses them.
Prints the figures and the price statistics; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time

import pandas as pd

from luna.simulators.simulate_market_prices import simulate_prices
from luna.simulators.simulate_smart_meter import default_fleet, simulate_fleet, simulate_meter

TZ = "Europe/Berlin"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--meters", type=int, default=100)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    start = pd.Timestamp(year=args.year, month=1, day=1, tz=TZ)
    end = pd.Timestamp(year=args.year + 1, month=1, day=1, tz=TZ)
    fleet = default_fleet(args.meters, seed=args.seed)

    began = time.perf_counter()
    simulate_meter(fleet[0], start, end, seed=args.seed)
    first = time.perf_counter() - began

    per_meter, rows = [], 0
    began = time.perf_counter()
    frames = simulate_fleet(fleet, start, end, seed=args.seed)
    while True:
        tick = time.perf_counter()
        frame = next(frames, None)
        if frame is None:
            break
        per_meter.append(time.perf_counter() - tick)
        rows += len(frame)
    backfill = time.perf_counter() - began
    print(f"first meter-year (cold caches): {first:.3f} s")
    print(
        f"backfill {args.meters} meters x {args.year}: {backfill:.2f} s, {rows:,} rows; "
        f"per meter-year median {statistics.median(per_meter) * 1e3:.1f} ms, "
        f"max {max(per_meter) * 1e3:.1f} ms"
    )

    for resolution in (60, 15):
        began = time.perf_counter()
        frame = simulate_prices("DE-LU", start, end, resolution_minutes=resolution, seed=args.seed)
        took = time.perf_counter() - began
        price = frame["price_eur_mwh"]
        print(
            f"prices DE-LU {args.year} @ {resolution} min: {took:.3f} s; "
            f"mean {price.mean():.1f} EUR/MWh, sd {price.std():.1f}, "
            f"min {price.min():.1f}, max {price.max():.1f}, "
            f"negative {100 * (price < 0).mean():.1f} % of intervals"
        )


if __name__ == "__main__":
    main()
