"""Redis Streams round trip on the machine's real Redis server and PostgreSQL: a consumer group,
acknowledgement only after the commit, recovery of a killed consumer's pending entries with no
loss and no duplicates, and malformed entries counted, dead-lettered and skipped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, func, select

from luna.connectors.base import Health, MeterPoint, PointMap
from luna.connectors.redis_streams import RedisStreamConnector
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Meter, SmartMeterReading

T0 = datetime(2026, 6, 1, tzinfo=UTC)
METERS = ["M-001", "M-002", "M-003", "M-004"]
ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def stored(stores: Stores) -> int:
    with stores.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(SmartMeterReading)) or 0)


def total_kwh(stores: Stores) -> float:
    with stores.sessions() as s:
        return float(s.scalar(select(func.sum(SmartMeterReading.consumption_kwh))) or 0.0)


def value(i: int) -> float:
    return round(0.1 + (i % 997) / 1000, 3)


def append(r: redis.Redis, stream: str, n: int, start: int = 0) -> float:
    """n readings round-robin over METERS, as JSON ``data`` entries; returns their kWh total."""
    total = 0.0
    pipe = r.pipeline(transaction=False)
    for i in range(start, start + n):
        meter, slot = METERS[i % len(METERS)], i // len(METERS)
        reading = {
            "meter_id": meter,
            "ts": (T0 + timedelta(minutes=15 * slot)).isoformat(),
            "consumption_kwh": value(i),
        }
        pipe.xadd(stream, {"data": json.dumps(reading)})
        total += value(i)
        if len(pipe) >= 1000:
            pipe.execute()
    pipe.execute()
    return total


def add_meters(stores: Stores, *ids: str) -> None:
    with session_scope(stores.sessions) as s:
        s.add_all([Meter(meter_id=m) for m in ids])


def pending(r: redis.Redis, stream: str, group: str, consumer: str | None = None) -> int:
    if consumer is None:
        return int(r.xpending(stream, group)["pending"])
    rows = r.xpending_range(stream, group, min="-", max="+", count=100_000, consumername=consumer)
    return len(rows)


@pytest.mark.parametrize("restart", ["same-consumer", "other-consumer"])
def test_a_killed_consumers_pending_entries_are_recovered_without_loss_or_duplicates(
    redis_url: str, stream: str, clean_db: Stores, restart: str
):
    add_meters(clean_db, *METERS)
    r = redis.Redis.from_url(redis_url)
    n = 20_000
    expected_kwh = append(r, stream, n)
    group = "luna-test"
    db_url = clean_db.engine.url.render_as_string(hide_password=False)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.connectors.redis_consumer_process",
            db_url,
            redis_url,
            stream,
            group,
            "consumer-a",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        wait_for(lambda: stored(clean_db) >= 1_000, timeout=60)
        proc.send_signal(signal.SIGKILL)  # no clean shutdown: no flush, no acknowledgement
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    written_before = stored(clean_db)
    orphaned = pending(r, stream, group, "consumer-a")
    assert written_before < n, "the consumer finished before it was killed: raise n"
    assert orphaned > 0  # read by the dead consumer, never acknowledged

    name = "consumer-a" if restart == "same-consumer" else "consumer-b"
    second = RedisStreamConnector(
        clean_db.engine,
        url=redis_url,
        stream=stream,
        group=group,
        consumer=name,
        timezone="Europe/Berlin",
        claim_idle_ms=200,
        claim_every_s=0.5,
    )
    second.start()
    try:
        wait_for(lambda: stored(clean_db) == n and pending(r, stream, group) == 0, timeout=60)
        if restart == "other-consumer":
            assert second.claimed >= orphaned
        assert second.status()["health"] == Health.OK
    finally:
        second.stop()
    assert stored(clean_db) == n  # none lost; the primary key and the upsert: none twice
    assert total_kwh(clean_db) == pytest.approx(expected_kwh)
    assert second.stats.rejected == 0
    assert r.xlen(f"{stream}:dead") == 0
    r.close()


def test_malformed_entries_are_counted_dead_lettered_acknowledged_and_skipped(
    redis_url: str, stream: str, clean_db: Stores
):
    add_meters(clean_db, "M-001", "M-002", "WH-1")
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    good = {"ts": T0.isoformat(), "consumption_kwh": 0.5}
    r.xadd(stream, {"data": json.dumps({**good, "meter_id": "M-001"})})
    bad = [
        {"data": "{not json"},
        {"data": json.dumps([1, 2])},
        {"data": json.dumps({**good, "meter_id": "M-001", "consumption_kwh": -3})},
        {"data": json.dumps({**good, "meter_id": "M-001", "ts": "2026-06-01T00:07:00Z"})},
        {"data": json.dumps(good)},  # no meter
        {"meter_id": "M-001", "ts": T0.isoformat(), "consumption_kwh": "lots"},
        {"data": json.dumps({**good, "meter_id": "M-999"})},  # unknown meter (in the writer)
    ]
    for fields in bad:
        r.xadd(stream, fields)
    # flat fields, and an external point mapped to a meter that reports Wh
    r.xadd(stream, {"meter_id": "M-002", "ts": T0.isoformat(), "consumption_kwh": "0.25"})
    r.xadd(stream, {"meter_id": "ext-7", "ts": T0.isoformat(), "consumption_kwh": "1500"})
    connector = RedisStreamConnector(
        clean_db.engine,
        url=redis_url,
        stream=stream,
        group="luna-test",
        consumer="c1",
        timezone="Europe/Berlin",
        points=PointMap(points={"ext-7": MeterPoint(meter_id="WH-1", unit="Wh")}),
    )
    connector.start()
    try:
        wait_for(lambda: connector.stats.written == 3 and connector.stats.rejected == len(bad))
        wait_for(lambda: pending(r, stream, "luna-test") == 0)
        r.xadd(stream, {"data": json.dumps({**good, "meter_id": "M-002", "consumption_kwh": 0.75})})
        wait_for(lambda: connector.stats.written == 4)  # the feed goes on
        status = connector.status()
    finally:
        connector.stop()
    assert status["source"] == "redis"
    assert status["running"]
    assert status["connected"]
    assert status["received"] == len(bad) + 4
    assert status["dead_lettered"] == len(bad)
    assert status["pending"] == 0
    assert status["last_value"]["meter_id"] == "M-002"
    with clean_db.sessions() as s:
        rows = s.execute(select(SmartMeterReading.meter_id, SmartMeterReading.consumption_kwh))
        values = {meter: kwh for meter, kwh in rows}
    assert values == {"M-001": 0.5, "M-002": 0.75, "WH-1": pytest.approx(1.5)}
    dead = r.xrange(f"{stream}:dead")
    assert len(dead) == len(bad)
    assert all(fields["error"] and fields["stream"] == stream for _, fields in dead)
    assert dead[0][1]["data"] == "{not json"
    assert "unknown meter" in dead[-1][1]["error"]
    r.close()


def test_nothing_is_acknowledged_while_the_database_is_down(
    redis_url: str, stream: str, clean_db: Stores, pg_server_url: str
):
    add_meters(clean_db, *METERS)
    r = redis.Redis.from_url(redis_url)
    append(r, stream, 200)
    no_db = create_engine(
        clean_db.engine.url.set(database="luna_no_such_database"), pool_pre_ping=False
    )
    down = RedisStreamConnector(
        no_db, url=redis_url, stream=stream, group="g", consumer="c1", timezone="Europe/Berlin"
    )
    down.start()
    try:
        wait_for(lambda: down.health is Health.DEGRADED)
        wait_for(lambda: pending(r, stream, "g") == 200)  # read, held, not acknowledged
        assert down.stats.written == 0
        assert "database" in (down.stats.last_error or "")
    finally:
        down.stop()
        no_db.dispose()
    assert pending(r, stream, "g") == 200
    up = RedisStreamConnector(
        clean_db.engine,
        url=redis_url,
        stream=stream,
        group="g",
        consumer="c1",
        timezone="Europe/Berlin",
    )
    up.start()
    try:
        wait_for(lambda: stored(clean_db) == 200 and pending(r, stream, "g") == 0)
    finally:
        up.stop()
    r.close()
