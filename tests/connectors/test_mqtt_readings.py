"""MQTT round trip on a real Mosquitto broker: readings arrive in PostgreSQL, malformed ones are
counted and skipped, and a broker restart or a connector outage loses no QoS-1 message.

The test runs its own Mosquitto (the Debian binary the machine's broker uses) on a free port,
with persistence, so that it can restart the broker without disturbing the machine's one.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func, select

from luna.connectors.mosquitto_process import MosquittoProcess
from luna.connectors.mqtt_readings import MqttReadingConnector
from luna.domain.topics import reading_topic
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Meter, SmartMeterReading

T0 = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoProcess]:
    b = MosquittoProcess(tmp_path)
    b.start()
    yield b
    b.stop()


def publish(port: int, messages: list[tuple[str, bytes]]) -> None:
    """Publish with QoS 1 and wait for every PUBACK: these messages are acknowledged."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}")
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        infos = [client.publish(topic, payload, qos=1) for topic, payload in messages]
        for info in infos:
            info.wait_for_publish(timeout=10)
            assert info.is_published()
    finally:
        client.disconnect()
        client.loop_stop()


def readings(meter: str, start: int, n: int) -> list[tuple[str, bytes]]:
    return [
        (
            reading_topic(meter),
            json.dumps(
                {
                    "ts": (T0 + timedelta(minutes=15 * i)).isoformat(),
                    "consumption_kwh": 0.1 + i / 1000,
                    "production_kwh": 0.0,
                }
            ).encode(),
        )
        for i in range(start, start + n)
    ]


def wait_for(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def stored(stores: Stores) -> int:
    with stores.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(SmartMeterReading)) or 0)


def test_readings_arrive_and_survive_broker_restart_and_connector_outage(
    broker: MosquittoProcess, clean_db: Stores
):
    with session_scope(clean_db.sessions) as s:
        s.add_all([Meter(meter_id="M-001"), Meter(meter_id="M-002")])
    client_id = f"luna-test-{uuid.uuid4().hex[:8]}"

    def connector() -> MqttReadingConnector:
        c = MqttReadingConnector(
            clean_db.engine,
            host="127.0.0.1",
            port=broker.port,
            timezone="Europe/Berlin",
            client_id=client_id,
            batch_size=50,
            flush_interval_s=0.2,
        )
        c.start()
        wait_for(lambda: c.stats.connected)
        return c

    first = connector()
    malformed = [
        (reading_topic("M-001"), b"{not json"),
        (
            reading_topic("M-001"),
            json.dumps({"ts": T0.isoformat(), "consumption_kwh": -3}).encode(),
        ),
        (
            reading_topic("M-001"),
            json.dumps({"ts": "2026-06-01T00:07:00Z", "consumption_kwh": 1}).encode(),
        ),
        (reading_topic("M-999"), json.dumps({"ts": T0.isoformat(), "consumption_kwh": 1}).encode()),
        ("luna/meters/M-001/other/reading", b"{}"),
    ]
    publish(broker.port, readings("M-001", 0, 30) + malformed + readings("M-002", 0, 10))
    wait_for(lambda: stored(clean_db) == 40)
    wait_for(lambda: first.stats.rejected == 4)  # the odd topic is not subscribed at all
    wait_for(lambda: first.stats.written == 40)  # counted after the commit the rows show

    broker.stop()
    wait_for(lambda: not first.stats.connected)
    broker.start()
    wait_for(lambda: first.stats.connected, timeout=30)
    assert first.stats.reconnects >= 1
    publish(broker.port, readings("M-001", 30, 20))
    wait_for(lambda: stored(clean_db) == 60)

    first.stop()  # the persistent session keeps queueing for this client id
    publish(broker.port, readings("M-002", 10, 25))
    broker.stop()  # ... even across a broker restart
    broker.start()
    second = connector()
    try:
        wait_for(lambda: stored(clean_db) == 85, timeout=30)
    finally:
        second.stop()
    with clean_db.sessions() as s:
        last = s.scalar(
            select(SmartMeterReading.consumption_kwh)
            .where(SmartMeterReading.meter_id == "M-002")
            .order_by(SmartMeterReading.ts.desc())
        )
    assert last == pytest.approx(0.1 + 34 / 1000)
