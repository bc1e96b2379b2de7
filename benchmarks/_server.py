"""A seeded site and ``luna serve`` in a process of its own, for the benchmarks that measure the
server as deployed (``bench_api_load.py``, ``bench_overview_page.py``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pandas as pd
from sqlalchemy import create_engine, text, update

from luna.simulators.backfill import backfill, day_window
from luna.simulators.simulate_smart_meter import default_fleet
from luna.store.sql.database import make_session_factory, session_scope
from luna.store.sql.models import Meter, Role
from luna.store.sql.users import create_user

TIMEZONE = "Europe/Berlin"
PASSWORD = "bench-password-123"


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
