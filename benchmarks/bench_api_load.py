"""The data API under load: concurrent customers against ``/data/kpis`` and the ``/data/*`` reads.

    .venv/bin/python benchmarks/bench_api_load.py [--meters 8] [--customers 4] [--days 62] \
        [--clients 20] [--seconds 15] [--only kpis,meters,...]

Seeds a throwaway database (LUNA_BENCH_DATABASE_URL, default the PostgreSQL server on
127.0.0.1:5432) with simulated meters, 15-minute readings through the current quarter hour and
day-ahead prices through tomorrow; gives each customer ``meters / customers`` meters; starts
``luna serve`` in a process of its own (as deployed: the load client must not share the
server's interpreter) and runs ``--clients`` concurrent clients, spread over the customers,
against one endpoint at a time for ``--seconds`` each, after a short warm-up. Prints req/s,
p50 and p95 per endpoint, and the server process's CPU time per request (less sensitive than
latency to whatever else the machine runs); asserts nothing but HTTP 200. The client runs on
the same machine and takes its share of the cores, as in the issue's measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pandas as pd
import psutil
from sqlalchemy import create_engine, text, update

sys.path.insert(0, str(Path(__file__).parent))

from _db import throwaway_database

from luna.simulators.backfill import backfill, day_window
from luna.simulators.simulate_smart_meter import default_fleet
from luna.store.sql.database import make_session_factory, session_scope
from luna.store.sql.models import Meter, Role
from luna.store.sql.users import create_user

TIMEZONE = "Europe/Berlin"
PASSWORD = "bench-password-123"
WARM_UP_S = 2.0


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    params: dict[str, str]


def endpoints(today: pd.Timestamp) -> list[Endpoint]:
    """What the pages ask for: the overview's KPIs and today's profile, the consumption page's
    month (hourly) and year (daily), the prices page's week, the meter list."""
    day = today.strftime("%Y-%m-%d")
    tomorrow = (today + pd.Timedelta(days=1)).strftime("%Y-%m-%d")

    def back(days: int) -> str:
        return (today + pd.Timedelta(days=1 - days)).strftime("%Y-%m-%dT00:00")

    return [
        Endpoint("kpis", "/data/kpis", {}),
        Endpoint(
            "smart_meter 15min (today)",
            "/data/smart_meter",
            {"start": f"{day}T00:00", "end": f"{tomorrow}T00:00", "resolution": "15min"},
        ),
        Endpoint(
            "smart_meter hour (30 d)",
            "/data/smart_meter",
            {"start": back(30), "end": f"{tomorrow}T00:00", "resolution": "hour"},
        ),
        Endpoint(
            "smart_meter day (365 d)",
            "/data/smart_meter",
            {"start": back(365), "end": f"{tomorrow}T00:00", "resolution": "day"},
        ),
        Endpoint(
            "market_prices hour (7 d)",
            "/data/market_prices",
            {"start": back(7), "end": f"{tomorrow}T00:00", "resolution": "hour"},
        ),
        Endpoint("meters", "/data/meters", {}),
    ]


def seed(url: str, meters: int, customers: int, days: int) -> list[str]:
    """Meters, readings through now, prices through tomorrow; customers ``kunde1`` ... each own
    an equal share of the meters. Returns the customers' names."""
    engine = create_engine(url)
    start, _ = day_window(days)
    end = pd.Timestamp.now(tz="UTC").floor("15min")
    price_end = day_window(1, end=end + pd.Timedelta(days=2))[1]
    t = time.perf_counter()
    report = backfill(engine, default_fleet(meters, 42), start, end, seed=42, price_end=price_end)
    print(
        f"seeded {meters} meters x {days} days: {report.readings:,} readings + "
        f"{report.prices:,} prices in {time.perf_counter() - t:.1f} s"
    )
    names = [f"kunde{i + 1}" for i in range(customers)]
    with session_scope(make_session_factory(engine)) as s:
        for i, name in enumerate(names):
            user = create_user(s, name, PASSWORD, Role.CUSTOMER)
            s.flush()
            owned = [f"M-{m + 1:03d}" for m in range(meters) if m % customers == i]
            s.execute(update(Meter).where(Meter.meter_id.in_(owned)).values(owner_id=user.id))
    # Steady state, as autovacuum would leave it: statistics and a current visibility map.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return names


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(url: str, home: Path, port: int) -> subprocess.Popen[bytes]:
    """``luna serve`` on the embedded default but for the database; its JSON log to a file."""
    env = {
        **os.environ,
        "LUNA_DATABASE_URL": url,
        "LUNA_HOME": str(home),
        "LUNA_DATA_SOURCE": "none",
        "LUNA_TIMEZONE": TIMEZONE,
    }
    log = (home / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "luna.cli.main", "serve", "--port", str(port)],
        cwd=home,  # no .env from the working directory
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited: see {home / 'server.log'}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise RuntimeError("server did not answer /health within 120 s")


def login(base: str, name: str) -> dict[str, str]:
    response = httpx.post(f"{base}/auth/token", data={"username": name, "password": PASSWORD})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


async def load(
    base: str,
    endpoint: Endpoint,
    tokens: list[dict[str, str]],
    clients: int,
    seconds: float,
    server: psutil.Process,
) -> tuple[list[float], float]:
    """Latencies (ms) of ``clients`` closed-loop clients over ``seconds``, after a warm-up, and
    the CPU seconds the server process spent meanwhile."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    samples: list[float] = []
    cpu: list[float] = []
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        loop = asyncio.get_running_loop()
        measure_from = loop.time() + WARM_UP_S
        stop = measure_from + seconds

        async def server_cpu() -> None:
            await asyncio.sleep(measure_from - loop.time())
            cpu.append(cpu_seconds(server))
            await asyncio.sleep(stop - loop.time())
            cpu.append(cpu_seconds(server))

        async def client(i: int) -> None:
            headers = tokens[i % len(tokens)]
            while (now := loop.time()) < stop:
                response = await http.get(endpoint.path, params=endpoint.params, headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"{endpoint.path}: {response.status_code} {response.text}")
                if now >= measure_from:
                    samples.append((loop.time() - now) * 1e3)

        await asyncio.gather(server_cpu(), *(client(i) for i in range(clients)))
    return samples, cpu[1] - cpu[0]


def first_requests(base: str, endpoint: Endpoint, tokens: list[dict[str, str]]) -> list[float]:
    """Latency (ms) of each customer's first request, one at a time: nothing cached yet."""
    out = []
    for headers in tokens:
        t = time.perf_counter()
        httpx.get(f"{base}{endpoint.path}", params=endpoint.params, headers=headers, timeout=60)
        out.append((time.perf_counter() - t) * 1e3)
    return out


def report(name: str, samples: list[float], seconds: float, server_cpu_s: float) -> None:
    p95 = statistics.quantiles(samples, n=20)[18]
    print(
        f"{name:<26} {len(samples) / seconds:6.1f} req/s  p50 {statistics.median(samples):6.1f} ms"
        f"  p95 {p95:6.1f} ms  server CPU {server_cpu_s * 1e3 / len(samples):5.1f} ms/req"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--meters", type=int, default=8)
    parser.add_argument("--customers", type=int, default=4)
    parser.add_argument("--days", type=int, default=62)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--only", default="", help="comma-separated endpoint names (prefixes)")
    args = parser.parse_args()

    with throwaway_database() as url, tempfile.TemporaryDirectory() as home:
        names = seed(url, args.meters, args.customers, args.days)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(url, Path(home), port)
        try:
            tokens = [login(base, name) for name in names]
            process = psutil.Process(server.pid)
            today = pd.Timestamp.now(tz=TIMEZONE).normalize()
            wanted = [w.strip() for w in args.only.split(",") if w.strip()]
            print(
                f"{args.clients} concurrent clients over {len(names)} customers, "
                f"{args.seconds:.0f} s per endpoint (after {WARM_UP_S:.0f} s warm-up)"
            )
            for endpoint in endpoints(today):
                if wanted and not any(endpoint.name.startswith(w) for w in wanted):
                    continue
                if endpoint.name == "kpis":
                    cold = first_requests(base, endpoint, tokens)
                    print(
                        f"{'kpis, first per customer':<26} one request at a time: "
                        f"p50 {statistics.median(cold):6.1f} ms  max {max(cold):6.1f} ms"
                    )
                samples, cpu = asyncio.run(
                    load(base, endpoint, tokens, args.clients, args.seconds, process)
                )
                report(endpoint.name, samples, args.seconds, cpu)
        except Exception:
            errors = [
                line
                for line in (Path(home) / "server.log").read_text().splitlines()
                if '"ERROR"' in line or "Traceback" in line
            ]
            print("\n".join(errors[-5:]), file=sys.stderr)
            raise
        finally:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    main()
