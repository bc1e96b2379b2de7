"""Counter baselines survive a connector restart: a Modbus connector against a real pymodbus
server is stopped (cleanly, or "crashed" after its last commit), the counters move on while it
is down, and a new connector instance writes the interval across the restart once, from the
stored baseline: a plain advance, a uint32 rollover and a meter reset."""

from __future__ import annotations

import struct
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from luna.connectors.counter_baselines import load_states
from luna.connectors.modbus import ModbusConnector, ModbusMeter
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Meter, SmartMeterReading
from tests.connectors.modbus_server import ModbusTestServer

SIZE = 2**32
METERS = [
    ModbusMeter.model_validate(
        {"meter_id": "A-1", "import_energy": {"address": 100, "type": "float32", "unit": "kWh"}}
    ),
    ModbusMeter.model_validate(  # 0.01 kWh steps in a uint32: wraps at 2^32
        {
            "meter_id": "R-1",
            "import_energy": {"address": 110, "type": "uint32", "scale": 0.01, "unit": "kWh"},
        }
    ),
    ModbusMeter.model_validate(
        {"meter_id": "Z-1", "import_energy": {"address": 120, "type": "float32", "unit": "kWh"}}
    ),
]
# 0.1 kWh a minute on every meter; the connector is down from 10:40 to 11:05
BEFORE = {  # time → (A-1 kWh, R-1 raw, Z-1 kWh)
    "10:05": (1000.0, SIZE - 450, 500.0),
    "10:20": (1001.5, SIZE - 300, 501.5),
    "10:35": (1003.0, SIZE - 150, 503.0),
    "10:40": (1003.5, SIZE - 100, 503.5),
}
AFTER = {  # R-1 rolled over, Z-1 was reset (replaced) while the connector was down
    "11:05": (1006.0, 150, 1.0),
    "11:20": (1007.5, 300, 2.5),
}


def at(hhmm: str) -> datetime:
    h, m = hhmm.split(":")
    return datetime(2026, 6, 1, int(h), int(m), tzinfo=UTC)


def f32(value: float) -> list[int]:
    hi, lo = struct.unpack(">HH", struct.pack(">f", value))
    return [hi, lo]


class Clock:
    """The connector's time source, set by the test (the poller's first poll reads it)."""

    def __init__(self, hhmm: str) -> None:
        self.now = at(hhmm)

    def __call__(self) -> datetime:
        return self.now


def polled(connector: ModbusConnector) -> bool:
    """The poller's first poll has read every meter (then it waits: the test polls next, never
    at the same time on the same client)."""
    return connector.stats.received >= len(METERS)


def wait_for(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


@pytest.fixture
def server() -> Iterator[ModbusTestServer]:
    s = ModbusTestServer()
    s.start()
    yield s
    s.stop()


def set_counters(server: ModbusTestServer, a: float, r: int, z: float) -> None:
    server.set(100, f32(a))
    server.set(110, [r >> 16, r & 0xFFFF])
    server.set(120, f32(z))


def connector(stores: Stores, server: ModbusTestServer, instance: str, clock: Clock):
    return ModbusConnector(
        stores.engine,
        host="127.0.0.1",
        port=server.port,
        meters=METERS,
        timezone="UTC",
        poll_s=3600,  # the poller polls once at start; the test takes the later samples
        instance=instance,
        clock=clock,
    )


def readings(stores: Stores) -> dict[tuple[str, str], float]:
    with stores.sessions() as s:
        rows = s.execute(
            select(
                SmartMeterReading.meter_id, SmartMeterReading.ts, SmartMeterReading.consumption_kwh
            )
        ).all()
    return {(m, ts.astimezone(UTC).strftime("%H:%M")): kwh for m, ts, kwh in rows}


@pytest.mark.parametrize("stop", ["clean", "crash"])
def test_the_interval_across_a_restart_is_written_once_from_the_stored_baseline(
    server: ModbusTestServer, clean_db: Stores, stop: str
):
    with session_scope(clean_db.sessions) as s:
        s.add_all([Meter(meter_id=m.meter_id) for m in METERS])
    instance = f"modbus-{uuid.uuid4().hex[:8]}"

    # the first run: 10:05 … 10:40
    first = connector(clean_db, server, instance, Clock("10:05"))
    set_counters(server, *BEFORE["10:05"])
    if stop == "clean":
        first.start()
        wait_for(lambda: polled(first))
    else:
        first.poll_once(at("10:05"))
    for hhmm in ("10:20", "10:35"):
        set_counters(server, *BEFORE[hhmm])
        first.poll_once(at(hhmm))
    if stop == "clean":
        set_counters(server, *BEFORE["10:40"])
        first.poll_once(at("10:40"))
        first.stop()  # the last readings and every meter's state as of 10:40
    else:
        first.flush()  # what the writer commits: 10:15 with the 10:35 state in one transaction
        set_counters(server, *BEFORE["10:40"])
        first.poll_once(at("10:40"))  # closes no interval: nothing stored; then the crash
        first._close()
    with clean_db.engine.connect() as conn:
        stored = {s.meter_id: s for s in load_states(conn, instance, ["A-1", "R-1", "Z-1"])}
    assert stored["A-1"].at == at("10:40" if stop == "clean" else "10:35")
    assert readings(clean_db).keys() == {("A-1", "10:15"), ("R-1", "10:15"), ("Z-1", "10:15")}

    # down until 11:05; a new connector instance goes on from the stored baselines
    set_counters(server, *AFTER["11:05"])
    second = connector(clean_db, server, instance, Clock("11:05"))
    second.start()
    try:
        wait_for(lambda: polled(second))
        set_counters(server, *AFTER["11:20"])
        second.poll_once(at("11:20"))
    finally:
        second.stop()
    assert second.poll_errors == 0
    assert second.rollovers == 1  # SIZE - 100 before the restart, 150 after
    assert second.counter_resets == 1  # Z-1

    got = readings(clean_db)
    # every interval 1.5 kWh, the two across the restart included
    a = {hhmm: got[("A-1", hhmm)] for hhmm in ("10:15", "10:30", "10:45", "11:00")}
    assert a == pytest.approx({"10:15": 1.5, "10:30": 1.5, "10:45": 1.5, "11:00": 1.5})
    # the counter difference over the intervals written: counter(11:15) − counter(10:15)
    assert sum(a.values()) == pytest.approx(1007.0 - 1001.0)
    # the same energy through the wrap of the uint32 register
    r = [got[("R-1", hhmm)] for hhmm in ("10:15", "10:30", "10:45", "11:00")]
    assert r == pytest.approx([1.5, 1.5, 1.5, 1.5])
    # Z-1: the reset step adds nothing (as without a restart); the 10:30 interval keeps what
    # was stored of it (up to 10:40 cleanly stopped, up to 10:35 after the crash)
    z = [got[("Z-1", hhmm)] for hhmm in ("10:15", "10:30", "10:45", "11:00")]
    assert z == pytest.approx([1.5, 1.0 if stop == "clean" else 0.5, 0.0, 1.0])
    assert ("A-1", "10:00") not in got  # began before the very first sample: never written

    # written once: no interval was written by both runs
    assert len(got) == 12
    assert first.stats.written + second.stats.written == 12
    written = REGISTRY.get_sample_value(
        "luna_connector_readings_written_total", {"connector": instance, "kind": "modbus"}
    )
    assert written == 12
