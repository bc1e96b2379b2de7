"""``GET /data/forecast``: served from the stored forecasts vs computed on a miss.

    .venv/bin/python benchmarks/bench_forecast_api.py [--meters 8] [--days 40] [--repeats 50] \
        [--misses 5]

Seeds a throwaway database (LUNA_BENCH_DATABASE_URL, default the PostgreSQL server on
127.0.0.1:5432) with simulated meters (the default 8 include the PV meter M-007), their
15-minute readings and day-ahead prices; a customer owns M-001 and M-007. Times the refresh of
every target (what the background job does after new readings), then, as that customer, the
dashboard's requests (consumption and PV for 36 h, price for 48 h): ``--repeats`` reads of the
stored forecasts and ``--misses`` requests with the stored forecast deleted first (computed,
stored, returned: the path before forecasts were stored). Prints p50 and p95 per request.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import delete, update

sys.path.insert(0, str(Path(__file__).parent))

from _db import throwaway_database

from luna.api.app import create_app
from luna.config import Settings
from luna.forecasting.stored import due_targets, refresh
from luna.simulators.backfill import backfill, day_window
from luna.simulators.simulate_smart_meter import default_fleet
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Meter, Role, StoredForecast
from luna.store.sql.users import create_user

REQUESTS = {
    "consumption M-001 36 h": {"kind": "consumption", "meter_id": "M-001", "hours": 36},
    "pv M-007 36 h": {"kind": "pv", "meter_id": "M-007", "hours": 36},
    "price DE-LU 48 h": {"kind": "price", "hours": 48},
}


def percentiles(samples: list[float]) -> str:
    p95 = statistics.quantiles(samples, n=20)[18] if len(samples) > 1 else samples[0]
    return f"p50 {statistics.median(samples):8.1f} ms  p95 {p95:8.1f} ms  (n={len(samples)})"


def seed(stores: Stores, meters: int, days: int) -> None:
    start, end = day_window(days)
    t = time.perf_counter()
    backfill(stores.engine, default_fleet(meters, 42), start, end, seed=42)
    print(f"seeded {meters} meters x {days} days in {time.perf_counter() - t:.1f} s")
    with session_scope(stores.sessions) as s:
        customer = create_user(s, "bench-customer", "bench-password", Role.CUSTOMER)
        s.flush()
        s.execute(
            update(Meter).where(Meter.meter_id.in_(["M-001", "M-007"])).values(owner_id=customer.id)
        )


def bench_refresh(stores: Stores, settings: Settings) -> None:
    targets = due_targets(stores.engine)
    report = refresh(stores.engine, settings, targets)
    per = report.seconds / max(len(report.refreshed), 1)
    print(
        f"refresh of every target (background job): {len(report.refreshed)} stored in "
        f"{report.seconds:.1f} s ({per:.1f} s each), {len(report.failed)} failed"
    )


def bench_api(stores: Stores, settings: Settings, repeats: int, misses: int) -> None:
    with TestClient(create_app(settings, stores)) as client:
        token = client.post(
            "/auth/token", data={"username": "bench-customer", "password": "bench-password"}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        def get(params: dict[str, object], stored: bool) -> float:
            t = time.perf_counter()
            r = client.get("/data/forecast", params=params, headers=headers)
            ms = (time.perf_counter() - t) * 1e3
            assert r.status_code == 200, r.text
            assert r.json()["stored"] is stored, r.json()
            return ms

        for name, params in REQUESTS.items():
            get(params, True)  # warm-up
            print(f"stored   {name:24s} {percentiles([get(params, True) for _ in range(repeats)])}")
        for name, params in REQUESTS.items():
            samples = []
            for _ in range(misses):
                with stores.engine.begin() as conn:
                    kind = StoredForecast.kind == params["kind"]
                    conn.execute(delete(StoredForecast).where(kind))
                samples.append(get(params, False))
            print(f"miss     {name:24s} {percentiles(samples)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--meters", type=int, default=8)
    parser.add_argument("--days", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--misses", type=int, default=5)
    args = parser.parse_args()
    with throwaway_database() as url:
        # No live feed and no background refresh: the benchmark refreshes when it means to.
        settings = Settings(  # type: ignore[call-arg]
            database_url=url, data_source="none", forecast_refresh=False, _env_file=None
        )
        stores = Stores(settings)
        try:
            seed(stores, args.meters, args.days)
            bench_refresh(stores, settings)
            bench_api(stores, settings, args.repeats, args.misses)
        finally:
            stores.close()


if __name__ == "__main__":
    main()
