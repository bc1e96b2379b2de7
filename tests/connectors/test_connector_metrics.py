"""Every connector's Prometheus metrics come from the shared base: a Redis Streams connector on
the machine's real Redis and PostgreSQL, good entries, a malformed one, one of an unknown meter
and a database that holds the writer, read back from prometheus_client's registry."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import redis
from prometheus_client import REGISTRY, generate_latest

from luna.connectors.base import Health
from luna.connectors.redis_streams import RedisStreamConnector
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Meter

T0 = datetime(2026, 6, 1, tzinfo=UTC)


def wait_for(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def metric(name: str, instance: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, {"connector": instance, "kind": "redis", **labels})


def reading(meter: str, slot: int, kwh: float) -> dict[str, str]:
    ts = (T0 + timedelta(minutes=15 * slot)).isoformat()
    return {"data": json.dumps({"meter_id": meter, "ts": ts, "consumption_kwh": kwh})}


def test_redis_connector_exports_received_written_rejected_queue_and_last_write(
    redis_url: str, stream: str, clean_db: Stores
):
    with session_scope(clean_db.sessions) as s:
        s.add(Meter(meter_id="M-001"))
    r = redis.Redis.from_url(redis_url)
    instance = f"redis-{uuid.uuid4().hex[:8]}"  # its own series in the process-wide registry
    connector = RedisStreamConnector(
        clean_db.engine,
        url=redis_url,
        stream=stream,
        group="luna-metrics",
        consumer="c1",
        timezone="UTC",
        queue_size=2,
        block_ms=100,
        flush_interval_s=0.05,
        instance=instance,
    )
    # bound at construction: scraped before the first message, every series is there at zero
    assert metric("luna_connector_messages_received_total", instance) == 0
    assert metric("luna_connector_messages_rejected_total", instance, reason="malformed") == 0
    assert metric("luna_connector_queue_capacity", instance) == 2
    assert metric("luna_connector_last_write_timestamp_seconds", instance) == 0

    for slot in range(3):
        r.xadd(stream, reading("M-001", slot, 0.25))
    r.xadd(stream, {"data": "{not json"})
    r.xadd(stream, reading("M-999", 0, 1.0))  # no such meter: rejected by the writer
    before = time.time()
    connector.start()
    try:
        wait_for(lambda: connector.stats.written == 3 and connector.stats.rejected == 2)

        # the database holds the writer: the queue fills to its capacity and intake blocks
        with connector._write_lock:
            for slot in range(3, 8):
                r.xadd(stream, reading("M-001", slot, 0.5))
            wait_for(lambda: metric("luna_connector_queue_depth", instance) == 2)
            wait_for(lambda: connector.health is Health.BACKPRESSURE)
        wait_for(lambda: connector.stats.written == 8)
        wait_for(lambda: metric("luna_connector_queue_depth", instance) == 0)
    finally:
        connector.stop()
        r.close()

    assert metric("luna_connector_messages_received_total", instance) == 10
    assert metric("luna_connector_readings_written_total", instance) == 8
    assert metric("luna_connector_messages_rejected_total", instance, reason="malformed") == 1
    assert metric("luna_connector_messages_rejected_total", instance, reason="unknown_meter") == 1
    last_write = metric("luna_connector_last_write_timestamp_seconds", instance)
    assert last_write is not None
    assert before <= last_write <= time.time()
    status = connector.status()
    assert (status["received"], status["written"], status["rejected"]) == (10, 8, 2)
    assert status["instance"] == instance
    assert status["last_write_at"] is not None
    # and what GET /metrics renders
    text = generate_latest(REGISTRY).decode()
    assert (
        f'luna_connector_readings_written_total{{connector="{instance}",kind="redis"}} 8.0' in text
    )
