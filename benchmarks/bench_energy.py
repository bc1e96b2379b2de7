"""Energy data core benchmark.

    .venv/bin/python benchmarks/bench_energy.py [--meters 100] [--days 365] [--mqtt 20000]

Prints: backfill rows/s (meters x days x 96), /data/smart_meter daily aggregation latency
p50/p95 over one year for one meter and for all meters, MQTT ingest messages/s through a
private Mosquitto (production-like queue limits), forecast fit+predict time, and the
LP solve time for a 96-step day with a battery and two deferrable loads. Uses a throwaway
database on LUNA_BENCH_DATABASE_URL (default: the PostgreSQL server on 127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import paho.mqtt.client as mqtt
import pandas as pd
from fastapi.testclient import TestClient
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))

from _db import throwaway_database

from luna.api.app import create_app
from luna.config import Settings
from luna.connectors.mosquitto_process import MosquittoProcess
from luna.connectors.mqtt_readings import MqttReadingConnector
from luna.domain.topics import reading_topic
from luna.simulators.backfill import backfill, day_window
from luna.simulators.simulate_smart_meter import default_fleet
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Role
from luna.store.sql.users import create_user


def percentiles(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=20)
    return f"p50 {statistics.median(samples):7.1f} ms  p95 {q[18]:7.1f} ms"


def timed(fn: Callable[[], object], repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1e3)
    return out


def bench_backfill(stores: Stores, meters: int, days: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    start, end = day_window(days)
    t = time.perf_counter()
    report = backfill(stores.engine, default_fleet(meters, 42), start, end, seed=42)
    seconds = time.perf_counter() - t
    print(
        f"backfill {meters} meters x {days} days: {report.readings:,} readings + "
        f"{report.prices:,} prices in {seconds:.1f} s = {report.readings / seconds:,.0f} rows/s"
    )
    with stores.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return start, end


def bench_api(stores: Stores, settings: Settings, start: pd.Timestamp, end: pd.Timestamp) -> None:
    with session_scope(stores.sessions) as s:
        create_user(s, "bench-admin", "bench-password", Role.ADMIN)
    with TestClient(create_app(settings, stores)) as client:
        token = client.post(
            "/auth/token", data={"username": "bench-admin", "password": "bench-password"}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        window = {"start": start.isoformat(), "end": end.isoformat(), "resolution": "day"}

        def one() -> None:
            r = client.get(
                "/data/smart_meter", params={**window, "meter_id": "M-001"}, headers=headers
            )
            assert r.status_code == 200, r.text

        def fleet() -> None:
            r = client.get("/data/smart_meter", params=window, headers=headers)
            assert r.status_code == 200, r.text

        print(f"/data/smart_meter daily, 1 year, one meter:  {percentiles(timed(one, 30))}")
        print(f"/data/smart_meter daily, 1 year, all meters: {percentiles(timed(fleet, 10))}")


def bench_mqtt(stores: Stores, settings: Settings, messages: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        broker = MosquittoProcess(Path(directory))
        broker.start()
        try:
            _bench_mqtt(stores, settings, broker.port, messages)
        finally:
            broker.stop()


def _bench_mqtt(stores: Stores, settings: Settings, port: int, messages: int) -> None:
    connector = MqttReadingConnector(
        stores.engine,
        host="127.0.0.1",
        port=port,
        timezone=settings.timezone,
        client_id=f"luna-bench-{uuid.uuid4().hex[:6]}",
        batch_size=1000,
        flush_interval_s=0.2,
    )
    connector.start()
    deadline = time.monotonic() + 10
    while not connector.stats.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    publisher = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-{uuid.uuid4().hex[:6]}")
    publisher.max_inflight_messages_set(1000)
    publisher.connect("127.0.0.1", port)
    publisher.loop_start()
    base = pd.Timestamp("2030-01-01", tz="UTC")
    t = time.perf_counter()
    infos = [
        publisher.publish(
            reading_topic(f"M-{i % 10 + 1:03d}"),
            json.dumps(
                {
                    "ts": (base + pd.Timedelta(minutes=15 * (i // 10))).isoformat(),
                    "consumption_kwh": 0.1,
                }
            ),
            qos=1,
        )
        for i in range(messages)
    ]
    for info in infos:
        info.wait_for_publish(timeout=60)
    while connector.stats.written < messages and time.perf_counter() - t < 120:
        time.sleep(0.02)
    seconds = time.perf_counter() - t
    publisher.disconnect()
    publisher.loop_stop()
    connector.stop()
    print(
        f"MQTT ingest (QoS 1, publish -> committed): {connector.stats.written:,} messages in "
        f"{seconds:.1f} s = {connector.stats.written / seconds:,.0f} msg/s"
    )


def bench_engines() -> None:
    try:
        import _forecast  # type: ignore[import-not-found]
    except ImportError:
        _forecast = None
    import _optimiser  # type: ignore[import-not-found]

    if _forecast is not None:
        for name, value in _forecast.run().items():
            print(f"forecast {name}: {value:.3f}")
    for name, value in _optimiser.run().items():
        print(f"optimiser {name}: {value:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--meters", type=int, default=100)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--mqtt", type=int, default=20_000)
    args = parser.parse_args()
    with throwaway_database() as url:
        settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
        stores = Stores(settings)
        try:
            start, end = bench_backfill(stores, args.meters, args.days)
            bench_api(stores, settings, start, end)
            bench_mqtt(stores, settings, args.mqtt)
        finally:
            stores.close()
    bench_engines()


if __name__ == "__main__":
    main()
