"""Job queue benchmark: how soon a worker picks up a job, and how N forecast-refresh jobs drain
with one worker process and with two.

    .venv/bin/python benchmarks/bench_job_queue.py [--jobs 200] [--meters 8] [--days 21]
        [--pickups 10]

Seeds a throwaway database (LUNA_BENCH_DATABASE_URL, default the PostgreSQL server on
127.0.0.1:5432) with ``--meters`` simulated meters, then:

- **pickup**: one ``luna worker`` process waits on an empty queue; a job is queued (a refresh
  of one target) ``--pickups`` times, one after the other; the figure is the time from queueing
  (procrastinate's ``deferred`` event) to the worker starting it (``started``): p50 and max.
- **drain**: ``--jobs`` forecast-refresh jobs (the seeded targets round-robin, queued without
  the per-target queueing lock so that every one runs) are drained by ``luna worker
  --until-empty``, once with one worker process and once with two; wall time from the workers'
  start to the last one's exit, jobs per second, and the ratio. Issue 17's target: 1,000 jobs,
  two workers ≥ 2× faster; on a 2-core machine each refresh is CPU-bound, so two processes can
  at best use both cores. A third drain runs one process with the forecast queue's own limit
  at 2 (``LUNA_JOBS_QUEUE_CONCURRENCY``: two jobs at once on threads in one process), to
  compare threads with processes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _db import throwaway_database

from luna.config import Settings
from luna.forecasting.stored import due_targets
from luna.jobs.control import enqueue
from luna.jobs.forecast import FORECAST_REFRESH
from luna.jobs.queue import build_job_app
from luna.simulators.backfill import backfill, day_window
from luna.simulators.simulate_smart_meter import default_fleet
from luna.store.factory import Stores
from luna.store.sql.forecasts import ForecastTarget

_EVENT_GAP = text(
    "SELECT EXTRACT(EPOCH FROM s.at - d.at) FROM procrastinate_events d"
    " JOIN procrastinate_events s ON s.job_id = d.job_id AND s.type = 'started'"
    " WHERE d.job_id = :id AND d.type = 'deferred'"
)


def _arguments(target: ForecastTarget) -> dict[str, str | None]:
    return {"kind": target.kind, "meter_id": target.meter_id, "zone": target.zone}


def _worker(env: dict[str, str], home: Path, *extra: str) -> subprocess.Popen[bytes]:
    """``luna worker`` on the forecast queue."""
    return subprocess.Popen(
        [sys.executable, "-m", "luna.cli.main", "worker", "--queue", "forecast", *extra],
        cwd=home,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def bench_pickup(
    stores: Stores, settings: Settings, env: dict[str, str], home: Path, n: int
) -> None:
    target = due_targets(stores.engine)[0]
    app = build_job_app(settings)
    worker = _worker(env, home)
    gaps = []
    try:
        with app.open():
            time.sleep(5)  # the worker is up and listening
            for _ in range(n):
                job_id = enqueue(app, FORECAST_REFRESH, _arguments(target))
                deadline = time.monotonic() + 60
                gap = None
                while gap is None and time.monotonic() < deadline:
                    with stores.engine.connect() as conn:
                        gap = conn.scalar(_EVENT_GAP, {"id": job_id})
                    time.sleep(0.02)
                assert gap is not None, f"job {job_id} was not picked up within 60 s"
                gaps.append(float(gap))
                time.sleep(2)  # let it finish: the next one finds the worker idle
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    print(
        f"pickup (queued -> started, idle worker, n={n}): p50 {statistics.median(gaps):.3f} s, "
        f"max {max(gaps):.3f} s"
    )


def drain(
    stores: Stores,
    settings: Settings,
    env: dict[str, str],
    home: Path,
    jobs: int,
    workers: int,
    per_queue: int = 1,
) -> float:
    """Seconds for ``workers`` processes, each running ``per_queue`` forecast jobs at once, to
    drain ``jobs`` queued refreshes."""
    with stores.engine.begin() as conn:
        conn.execute(text("DELETE FROM procrastinate_jobs"))
    targets = due_targets(stores.engine, everything=True)
    app = build_job_app(settings)
    with app.open():
        for i in range(jobs):
            enqueue(app, FORECAST_REFRESH, _arguments(targets[i % len(targets)]))
    began = time.perf_counter()
    if per_queue > 1:
        env = {**env, "LUNA_JOBS_QUEUE_CONCURRENCY": json.dumps({"forecast": per_queue})}
    processes = [_worker(env, home, "--until-empty") for _ in range(workers)]
    for process in processes:
        process.wait()
    seconds = time.perf_counter() - began
    with stores.engine.connect() as conn:
        done = conn.scalar(
            text("SELECT count(*) FROM procrastinate_jobs WHERE status = 'succeeded'")
        )
    print(
        f"drain {jobs} forecast refreshes, {workers} worker process(es) x {per_queue} at once: "
        f"{seconds:.1f} s "
        f"({jobs / seconds:.1f} jobs/s), {done} succeeded"
    )
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--meters", type=int, default=8)
    parser.add_argument("--days", type=int, default=21)
    parser.add_argument("--pickups", type=int, default=10)
    args = parser.parse_args()
    with throwaway_database() as url, tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        settings = Settings(database_url=url, home=home, _env_file=None)  # type: ignore[call-arg]
        env = {
            **os.environ,
            "LUNA_DATABASE_URL": url,
            "LUNA_HOME": str(home),
            "LUNA_LOG_LEVEL": "WARNING",
        }
        stores = Stores(settings)
        try:
            start, end = day_window(args.days)
            backfill(stores.engine, default_fleet(args.meters, 42), start, end, seed=42)
            print(f"seeded {args.meters} meters x {args.days} days; {os.cpu_count()} CPUs")
            bench_pickup(stores, settings, env, home, args.pickups)
            one = drain(stores, settings, env, home, args.jobs, 1)
            two = drain(stores, settings, env, home, args.jobs, 2)
            threads = drain(stores, settings, env, home, args.jobs, 1, per_queue=2)
            print(f"two workers vs one: {one / two:.2f}x faster")
            print(f"one worker, forecast queue 2 at once, vs one: {one / threads:.2f}x faster")
        finally:
            stores.close()


if __name__ == "__main__":
    main()
