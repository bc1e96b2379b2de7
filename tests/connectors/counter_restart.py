"""The restart scenario every counter connector (Modbus TCP, OPC-UA) must pass, shared by their
restart tests: three meters, 0.1 kWh a minute each, the connector down from 10:40 to 11:05,
stopped cleanly or "crashed" after its last commit; a plain counter (A-1), one in 0.01 kWh steps
in a uint32 that wraps while the connector is down (R-1) and one reset (replaced) meanwhile
(Z-1). A new connector instance must write the interval across the restart exactly once."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from luna.connectors.counter_baselines import load_states
from luna.connectors.counter_connector import CounterConnector
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Meter, SmartMeterReading

SIZE = 2**32
METER_IDS = ("A-1", "R-1", "Z-1")
R_SCALE = 0.01  # R-1's raw unit in kWh
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
STOPS = ("clean", "crash")


def at(hhmm: str) -> datetime:
    h, m = hhmm.split(":")
    return datetime(2026, 6, 1, int(h), int(m), tzinfo=UTC)


class Clock:
    """A connector's time source, set by the test."""

    def __init__(self, hhmm: str) -> None:
        self.now = at(hhmm)

    def __call__(self) -> datetime:
        return self.now


def wait_for(condition: Callable[[], bool], what: str = "condition", timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def add_meters(stores: Stores) -> None:
    with session_scope(stores.sessions) as s:
        s.add_all([Meter(meter_id=meter_id) for meter_id in METER_IDS])


def readings(stores: Stores) -> dict[tuple[str, str], float]:
    with stores.sessions() as s:
        rows = s.execute(
            select(
                SmartMeterReading.meter_id, SmartMeterReading.ts, SmartMeterReading.consumption_kwh
            )
        ).all()
    return {(m, ts.astimezone(UTC).strftime("%H:%M")): kwh for m, ts, kwh in rows}


def check_first_run(stores: Stores, instance: str, stop: str) -> None:
    """After the first run: the stored baseline is the last sample's (clean stop) or that of
    the last step that closed an interval (crash); only 10:15 is written."""
    with stores.engine.connect() as conn:
        stored = {s.meter_id: s for s in load_states(conn, instance, list(METER_IDS))}
    assert stored.keys() == set(METER_IDS)
    assert stored["A-1"].at == at("10:40" if stop == "clean" else "10:35")
    assert readings(stores).keys() == {(meter_id, "10:15") for meter_id in METER_IDS}


def check_written_once(
    stores: Stores, stop: str, runs: tuple[CounterConnector, CounterConnector], kind: str
) -> None:
    """After the second run (11:05 … 11:20): every interval from 10:15 to 11:00 of every meter
    written once, with the energy of the counters across the restart."""
    first, second = runs
    assert second.instance == first.instance
    assert second.rollovers == 1  # SIZE - 100 before the restart, 150 after
    assert second.counter_resets == 1  # Z-1

    got = readings(stores)
    # every interval 1.5 kWh, the two across the restart included
    a = {hhmm: got[("A-1", hhmm)] for hhmm in ("10:15", "10:30", "10:45", "11:00")}
    assert a == pytest.approx({"10:15": 1.5, "10:30": 1.5, "10:45": 1.5, "11:00": 1.5})
    # the counter difference over the intervals written: counter(11:15) − counter(10:15)
    assert sum(a.values()) == pytest.approx(1007.0 - 1001.0)
    # the same energy through the wrap of the uint32 counter
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
        "luna_connector_readings_written_total", {"connector": first.instance, "kind": kind}
    )
    assert written == 12
