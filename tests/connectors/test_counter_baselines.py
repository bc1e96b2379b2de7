"""Counter baselines survive a connector restart: a Modbus connector against a real pymodbus
server is stopped (cleanly, or "crashed" after its last commit), the counters move on while it
is down, and a new connector instance writes the interval across the restart once, from the
stored baseline: a plain advance, a uint32 rollover and a meter reset (the scenario of
:mod:`tests.connectors.counter_restart`, which the OPC-UA connector passes too)."""

from __future__ import annotations

import struct
import uuid
from collections.abc import Iterator

import pytest

from luna.connectors.modbus import ModbusConnector, ModbusMeter
from luna.store.factory import Stores
from tests.connectors.counter_restart import (
    AFTER,
    BEFORE,
    METER_IDS,
    STOPS,
    Clock,
    add_meters,
    at,
    check_first_run,
    check_written_once,
    wait_for,
)
from tests.connectors.modbus_server import ModbusTestServer

A_1, R_1, Z_1 = METER_IDS
METERS = [
    ModbusMeter.model_validate(
        {"meter_id": A_1, "import_energy": {"address": 100, "type": "float32", "unit": "kWh"}}
    ),
    ModbusMeter.model_validate(  # 0.01 kWh steps in a uint32: wraps at 2^32
        {
            "meter_id": R_1,
            "import_energy": {"address": 110, "type": "uint32", "scale": 0.01, "unit": "kWh"},
        }
    ),
    ModbusMeter.model_validate(
        {"meter_id": Z_1, "import_energy": {"address": 120, "type": "float32", "unit": "kWh"}}
    ),
]


def f32(value: float) -> list[int]:
    hi, lo = struct.unpack(">HH", struct.pack(">f", value))
    return [hi, lo]


def polled(connector: ModbusConnector) -> bool:
    """The poller's first poll has read every meter (then it waits: the test polls next, never
    at the same time on the same client)."""
    return connector.stats.received >= len(METERS)


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


@pytest.mark.parametrize("stop", STOPS)
def test_the_interval_across_a_restart_is_written_once_from_the_stored_baseline(
    server: ModbusTestServer, clean_db: Stores, stop: str
):
    add_meters(clean_db)
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
    check_first_run(clean_db, instance, stop)

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
    check_written_once(clean_db, stop, (first, second), "modbus")
