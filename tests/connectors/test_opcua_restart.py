"""Counter baselines survive an OPC-UA connector restart: the scenario of
:mod:`tests.connectors.counter_restart` against a real asyncua server started here, whose
variables carry the source timestamps the test gives them. The connector is stopped cleanly or
"crashed" after its last commit, the counters move on while it is down (the server keeps
running), and a new connector instance, whose first notifications are the values the server
holds, writes the interval across the restart once: a plain advance, a UInt32 node that rolls
over and a meter reset."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from asyncua import ua

from luna.connectors.opcua import OpcuaConnector, OpcuaMeter
from luna.store.factory import Stores
from tests.connectors.counter_restart import (
    AFTER,
    BEFORE,
    METER_IDS,
    R_SCALE,
    STOPS,
    Clock,
    add_meters,
    at,
    check_first_run,
    check_written_once,
    wait_for,
)
from tests.connectors.opcua_server import NAMESPACE, OpcuaTestServer

A_1, R_1, Z_1 = METER_IDS
NODES = {  # node name → (variant, initial value); R-1's UInt32 wraps at 2^32 by its type
    f"{A_1}.ImportKWh": (ua.VariantType.Double, 0.0),
    f"{R_1}.ImportRaw": (ua.VariantType.UInt32, 0),
    f"{Z_1}.ImportKWh": (ua.VariantType.Double, 0.0),
}
METERS = [
    OpcuaMeter.model_validate(
        {
            "meter_id": name.split(".")[0],
            "import_energy": {
                "node": f"nsu={NAMESPACE};s={name}",
                "unit": "kWh",
                "scale": R_SCALE if variant is ua.VariantType.UInt32 else 1.0,
            },
        }
    )
    for name, (variant, _) in NODES.items()
]


@pytest.fixture
def server() -> Iterator[OpcuaTestServer]:
    s = OpcuaTestServer(NODES)
    s.start()
    yield s
    s.stop()


def set_counters(
    server: OpcuaTestServer, hhmm: str, values: tuple[float, int, float], seen: OpcuaConnector
) -> None:
    """Write the three counters stamped ``hhmm``; wait until ``seen`` got the notifications."""
    received = seen.stats.received
    for name, value in zip(NODES, values, strict=True):
        server.set(name, value, at(hhmm))
    wait_for(lambda: seen.stats.received >= received + len(NODES), f"the values of {hhmm}")


def connector(stores: Stores, server: OpcuaTestServer, instance: str, clock: Clock):
    return OpcuaConnector(
        stores.engine,
        url=server.url,
        meters=METERS,
        timezone="UTC",
        publishing_ms=20,
        sampling_ms=0,
        # A tick ("nothing changed up to now") after every event: also between the first
        # notifications of a session, before every meter has reported its current value.
        tick_s=0,
        retry_s=0.2,
        instance=instance,
        clock=clock,
    )


def crash(c: OpcuaConnector) -> None:
    """The process dies: the client ends without queueing final states, and nothing is left in
    the queue for the writer (every interval closed so far is committed)."""
    assert c._thread is not None
    assert c._writer is not None
    wait_for(lambda: c._queue.empty(), "the writer")
    c._halting.set()
    c._thread.join(timeout=15)
    assert c._queue.empty()
    c._stopping.set()
    c._writer.join(timeout=15)


@pytest.mark.parametrize("stop", STOPS)
def test_the_interval_across_a_restart_is_written_once_from_the_stored_baseline(
    server: OpcuaTestServer, clean_db: Stores, stop: str
):
    add_meters(clean_db)
    instance = f"opcua-{uuid.uuid4().hex[:8]}"
    for name, value in zip(NODES, BEFORE["10:05"], strict=True):
        server.set(name, value, at("10:05"))

    # The first run: 10:05 (the values found on connect) … 10:40. The clock stays at 10:05:
    # the ticks change nothing, the intervals close on the samples' source timestamps.
    first = connector(clean_db, server, instance, Clock("10:05"))
    first.start()
    wait_for(lambda: first.stats.received >= len(NODES), "the initial values")
    assert first.health.value == "ok"
    for hhmm in ("10:20", "10:35"):
        set_counters(server, hhmm, BEFORE[hhmm], first)
    if stop == "clean":
        set_counters(server, "10:40", BEFORE["10:40"], first)
        first.stop()  # the last readings and every meter's state as of 10:40
    else:
        wait_for(lambda: first.stats.written >= len(METERS), "the 10:15 rows")
        set_counters(server, "10:40", BEFORE["10:40"], first)  # closes no interval
        crash(first)
    check_first_run(clean_db, instance, stop)

    # Down until 11:05 (the server keeps running); a new instance goes on from the baselines.
    for name, value in zip(NODES, AFTER["11:05"], strict=True):
        server.set(name, value, at("11:05"))
    second = connector(clean_db, server, instance, Clock("11:05"))
    second.start()
    try:
        wait_for(lambda: second.stats.received >= len(NODES), "the values after the restart")
        set_counters(server, "11:20", AFTER["11:20"], second)
    finally:
        second.stop()
    assert second.bad_values == 0
    check_written_once(clean_db, stop, (first, second), "opcua")
