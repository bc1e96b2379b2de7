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
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pandas as pd
import psutil

sys.path.insert(0, str(Path(__file__).parent))

from _db import throwaway_database
from _server import TIMEZONE, free_port, login, seed, start_server

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
