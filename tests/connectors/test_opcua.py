"""OPC-UA subscription against a real asyncua server started here, whose variables the test
writes with source timestamps: counters become interval kWh (a reset, a rollover at a configured
display maximum, Wh and kWh nodes), power shows in kW, a server stop makes the health
``connecting`` and a restart resumes the feed."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from luna.connectors.opcua import OpcuaConnector, OpcuaMeter, load_nodes
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Meter, SmartMeterReading
from tests.connectors.opcua_server import NAMESPACE, OpcuaTestServer


def at(hhmm: str) -> datetime:
    h, m = hhmm.split(":")
    return datetime(2026, 6, 1, int(h), int(m), tzinfo=UTC)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def server() -> Iterator[OpcuaTestServer]:
    s = OpcuaTestServer()
    s.start()
    yield s
    s.stop()


def node_map(tmp_path: Path) -> Path:
    path = tmp_path / "nodes.yaml"
    ns = f"nsu={NAMESPACE};s="  # resolved to the server's namespace index on connect
    path.write_text(
        "meters:\n"
        "  - meter_id: O-1\n"
        f"    import_energy: {{node: '{ns}O-1.ImportWh', unit: Wh}}\n"
        f"    export_energy: {{node: '{ns}O-1.ExportWh', unit: Wh}}\n"
        f"    power: {{node: '{ns}O-1.PowerW', unit: W}}\n"
        "  - meter_id: O-2\n"
        f"    import_energy: {{node: '{ns}O-2.ImportKWh', unit: kWh, wrap: 100000}}\n"
    )
    return path


def stored(stores: Stores) -> dict[tuple[str, str], tuple[float, float]]:
    with stores.sessions() as s:
        rows = s.execute(
            select(
                SmartMeterReading.meter_id,
                SmartMeterReading.ts,
                SmartMeterReading.consumption_kwh,
                SmartMeterReading.production_kwh,
            )
        ).all()
    return {(m, ts.astimezone(UTC).strftime("%H:%M")): (c, p) for m, ts, c, p in rows}


def assert_rows(got: dict, expected: dict) -> None:
    assert got.keys() == expected.keys()
    for key, (consumption, production) in expected.items():
        assert got[key][0] == pytest.approx(consumption, abs=1e-6), key
        assert got[key][1] == pytest.approx(production, abs=1e-6), key


def test_subscribed_counters_become_interval_readings_and_survive_a_server_restart(
    server: OpcuaTestServer, clean_db: Stores, tmp_path: Path
):
    with session_scope(clean_db.sessions) as s:
        s.add_all([Meter(meter_id="O-1"), Meter(meter_id="O-2")])
    # The values the connector finds on its first connect, stamped 10:05.
    for name, value in (
        ("O-1.ImportWh", 1000),
        ("O-1.ExportWh", 0),
        ("O-1.PowerW", 1500.0),
        ("O-2.ImportKWh", 99_990.0),
    ):
        server.set(name, value, at("10:05"))
    clock = FakeClock(at("10:05"))
    connector = OpcuaConnector(
        clean_db.engine,
        url=server.url,
        meters=load_nodes(node_map(tmp_path)),
        timezone="UTC",
        publishing_ms=20,
        sampling_ms=0,
        tick_s=0.05,
        retry_s=0.2,
        clock=clock,
    )
    connector.start()
    try:
        wait_until(lambda: connector.stats.received >= 4, "the initial values")
        status = connector.status()
        assert status["source"] == "opcua"
        assert status["health"] == "ok"
        assert status["subscribed_nodes"] == 4
        assert status["meters"]["O-1"]["power_kw"] == pytest.approx(1.5)

        def step(name: str, value: float, hhmm: str) -> None:
            seen = connector.stats.received
            server.set(name, value, at(hhmm))
            wait_until(lambda: connector.stats.received > seen, f"{name} at {hhmm}")

        # The clock stays at 10:05 (ticks change nothing) until the test moves it: a tick means
        # "no change reported up to now", so moving it between samples would move energies.

        step("O-1.ImportWh", 2500, "10:20")  # 1.5 kWh: 1.0 to 10:00 (incomplete), 0.5 to 10:15
        step("O-1.ImportWh", 3500, "10:30")  # 1.0 kWh to 10:15
        step("O-2.ImportKWh", 99_995.0, "10:30")  # 5 kWh over 10:05-10:30: 3 to 10:15
        step("O-1.ImportWh", 500, "10:40")  # went back: a reset, nothing guessed
        step("O-2.ImportKWh", 5.0, "10:40")  # rolled over at 100000: 10 kWh to 10:30
        step("O-1.ImportWh", 1100, "10:50")  # 0.6 kWh: 0.3 to 10:30, 0.3 to 10:45
        step("O-1.PowerW", 2000.0, "10:50")
        step("O-1.ExportWh", 400, "10:55")  # 0.4 kWh exported in 10:45
        clock.now = at("11:00")  # nothing changed since: the tick closes 10:45
        expected = {
            ("O-1", "10:15"): (1.5, 0.0),
            ("O-1", "10:30"): (0.3, 0.0),
            ("O-1", "10:45"): (0.3, 0.4),
            ("O-2", "10:15"): (3.0, 0.0),
            ("O-2", "10:30"): (10.0, 0.0),
            ("O-2", "10:45"): (0.0, 0.0),
        }
        wait_until(lambda: connector.stats.written >= len(expected), "the rows")
        assert_rows(stored(clean_db), expected)
        assert connector.counter_resets == 1
        assert connector.rollovers == 1
        meters = connector.status()["meters"]
        assert meters["O-1"]["power_kw"] == pytest.approx(2.0)
        assert meters["O-1"]["import_kwh_total"] == pytest.approx(1.1)
        assert meters["O-2"]["import_kwh_total"] == pytest.approx(5.0)

        server.stop()
        wait_until(lambda: connector.health.value == "connecting", "health connecting")
        assert connector.running
        assert connector.status()["last_error"]
        server.start()  # same port, same nodes, the values it had
        wait_until(lambda: connector.health.value == "ok", "the reconnect", timeout=30)
        assert connector.stats.reconnects == 1
        step("O-1.ImportWh", 1700, "11:10")  # 0.6 kWh since the last tick (11:00)
        clock.now = at("11:15")
        wait_until(lambda: ("O-1", "11:00") in stored(clean_db), "the resumed feed")
        assert_rows(
            {k: v for k, v in stored(clean_db).items() if k[1] == "11:00"},
            {("O-1", "11:00"): (0.6, 0.0), ("O-2", "11:00"): (0.0, 0.0)},
        )
    finally:
        connector.stop()
    assert connector.health.value == "stopped"


def test_an_unreachable_server_leaves_the_connector_connecting(clean_db: Stores, tmp_path: Path):
    connector = OpcuaConnector(
        clean_db.engine,
        url="opc.tcp://user:secret@127.0.0.1:1/",
        meters=load_nodes(node_map(tmp_path)),
        timezone="UTC",
        retry_s=0.1,
        timeout_s=0.5,
    )
    connector.start()
    try:
        wait_until(lambda: connector.stats.last_error is not None, "a connect error")
        status = connector.status()
        assert status["health"] == "connecting"
        assert status["peer"] == "opc.tcp://127.0.0.1:1/"  # never the password
    finally:
        connector.stop()


def test_node_maps_are_validated(tmp_path: Path):
    meters = load_nodes(node_map(tmp_path))
    assert [m.meter_id for m in meters] == ["O-1", "O-2"]
    assert meters[1].import_energy is not None
    assert meters[1].import_energy.wrap == 100_000
    with pytest.raises(ValidationError, match="not an OPC-UA node id"):
        OpcuaMeter.model_validate({"meter_id": "X", "power": {"node": "nonsense;;", "unit": "W"}})
    with pytest.raises(ValidationError, match="must be in Wh, kWh or MWh"):
        OpcuaMeter.model_validate(
            {"meter_id": "X", "import_energy": {"node": "ns=2;s=X", "unit": "kW"}}
        )
    with pytest.raises(ValidationError, match="at least one node"):
        OpcuaMeter.model_validate({"meter_id": "X"})
    with pytest.raises(ValidationError, match="divide 60"):
        OpcuaMeter.model_validate(
            {"meter_id": "X", "interval_minutes": 7, "power": {"node": "i=2258", "unit": "W"}}
        )
