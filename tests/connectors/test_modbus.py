"""Modbus TCP polling against a real pymodbus server whose registers the test changes: SunSpec
scaled integers, float32 input registers, little word order, counter reset and rollover, energy
spread over intervals, power in kW."""

from __future__ import annotations

import struct
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from luna.connectors.modbus import ModbusConnector, ModbusMeter, decode, load_meters
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Meter, SmartMeterReading
from tests.connectors.modbus_server import ModbusTestServer

SUNSPEC_DATA = 40069 + 2


def at(hhmm: str) -> datetime:
    h, m = hhmm.split(":")
    return datetime(2026, 6, 1, int(h), int(m), tzinfo=UTC)


def f32(value: float) -> list[int]:
    hi, lo = struct.unpack(">HH", struct.pack(">f", value))
    return [hi, lo]


def u32_little_words(value: int) -> list[int]:
    return [value & 0xFFFF, value >> 16]


@pytest.fixture
def server() -> Iterator[ModbusTestServer]:
    s = ModbusTestServer(device_ids=(1, 2, 3))
    s.start()
    yield s
    s.stop()


METERS = [
    ModbusMeter(meter_id="S-1", device_id=1, preset="sunspec-203"),
    ModbusMeter(meter_id="E-1", device_id=2, preset="eastron-sdm630"),
    ModbusMeter.model_validate(
        {
            "meter_id": "R-1",
            "device_id": 3,
            "word_order": "little",
            "import_energy": {"address": 100, "type": "uint32", "scale": 0.01, "unit": "kWh"},
        }
    ),
]
SIZE = 2**32
# time → (S-1 TotWhImp raw ×10 Wh, E-1 import kWh, E-1 export kWh, R-1 raw 0.01 kWh)
POLLS = {
    "10:05": (1000, 500.0, 10.0, SIZE - 300),
    "10:15": (1050, 500.5, 10.25, SIZE - 200),
    "10:30": (1150, 501.0, 10.5, SIZE - 100),
    "10:45": (1250, 2.0, 10.75, 50),  # E-1 reset, R-1 rolls over
    "11:05": (1330, 2.4, 11.0, 130),  # straddles 11:00: 3/4 to 10:45, 1/4 to 11:00
    "11:15": (1370, 2.6, 11.25, 170),
}


def set_registers(server: ModbusTestServer, s1: int, e_imp: float, e_exp: float, r1: int) -> None:
    server.set(SUNSPEC_DATA + 44, [s1 >> 16, s1 & 0xFFFF], device=1)  # TotWhImp acc32
    server.set(72, f32(e_imp), table="input", device=2)
    server.set(74, f32(e_exp), table="input", device=2)
    server.set(100, u32_little_words(r1), device=3)


def test_polled_counters_become_interval_readings(server: ModbusTestServer, clean_db: Stores):
    with session_scope(clean_db.sessions) as s:
        s.add_all([Meter(meter_id=m.meter_id) for m in METERS])
    server.set(SUNSPEC_DATA + 52, [1], device=1)  # TotWh_SF = 1: raw × 10 Wh
    server.set(SUNSPEC_DATA + 16, [12345], device=1)  # W
    server.set(SUNSPEC_DATA + 20, [0xFFFF], device=1)  # W_SF = -1
    server.set(52, f32(2500.0), table="input", device=2)  # W
    connector = ModbusConnector(
        clean_db.engine, host="127.0.0.1", port=server.port, meters=METERS, timezone="UTC"
    )
    queued = 0
    for hhmm, values in POLLS.items():
        set_registers(server, *values)
        queued += connector.poll_once(at(hhmm))
    connector.flush()
    connector._close()
    assert connector.poll_errors == 0
    assert connector.counter_resets == 1
    assert connector.rollovers == 1
    assert queued == 12  # 10:15 … 11:00 for three meters; 10:00 began before the first poll
    with clean_db.sessions() as s:
        rows = s.execute(
            select(
                SmartMeterReading.meter_id,
                SmartMeterReading.ts,
                SmartMeterReading.consumption_kwh,
                SmartMeterReading.production_kwh,
            )
        ).all()
    got = {(m, ts.strftime("%H:%M")): (c, p) for m, ts, c, p in rows}
    expected = {
        ("S-1", "10:15"): (1.0, 0.0),
        ("S-1", "10:30"): (1.0, 0.0),
        ("S-1", "10:45"): (0.6, 0.0),
        ("S-1", "11:00"): (0.6, 0.0),
        ("E-1", "10:15"): (0.5, 0.25),
        ("E-1", "10:30"): (0.0, 0.25),  # the reset: no energy guessed
        ("E-1", "10:45"): (0.3, 0.1875),
        ("E-1", "11:00"): (0.3, 0.3125),
        ("R-1", "10:15"): (1.0, 0.0),
        ("R-1", "10:30"): (1.5, 0.0),  # across the wrap of the uint32 counter
        ("R-1", "10:45"): (0.6, 0.0),
        ("R-1", "11:00"): (0.6, 0.0),
    }
    assert got.keys() == expected.keys()
    for key, (consumption, production) in expected.items():
        assert got[key][0] == pytest.approx(consumption, abs=1e-5), key
        assert got[key][1] == pytest.approx(production, abs=1e-5), key
    meters = connector.status()["meters"]
    assert meters["S-1"]["power_kw"] == pytest.approx(1.2345)
    assert meters["E-1"]["power_kw"] == pytest.approx(2.5)
    assert meters["S-1"]["import_kwh_total"] == pytest.approx(13.7)


def test_the_running_poller_reports_health_and_survives_the_device_going_away(
    server: ModbusTestServer, clean_db: Stores
):
    connector = ModbusConnector(
        clean_db.engine,
        host="127.0.0.1",
        port=server.port,
        meters=METERS[1:2],
        timezone="UTC",
        poll_s=0.05,
        timeout_s=0.5,
    )
    server.set(52, f32(1234.0), table="input", device=2)
    connector.start()
    try:
        deadline = time.monotonic() + 10
        while connector.polls < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        status = connector.status()
        assert status["source"] == "modbus"
        assert status["health"] == "ok"
        assert status["meters"]["E-1"]["power_kw"] == pytest.approx(1.234)
        server.stop()
        deadline = time.monotonic() + 10
        while connector.stats.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert connector.health.value == "connecting"
        assert connector.poll_errors >= 1
        assert connector.running
    finally:
        connector.stop()


def test_register_maps_load_from_yaml_and_decode_byte_and_word_order(tmp_path: Path):
    path = tmp_path / "meters.yaml"
    path.write_text(
        "meters:\n"
        "  - {meter_id: S-1, preset: sunspec-203, base_address: 40000}\n"
        "  - meter_id: X-1\n"
        "    byte_order: little\n"
        "    import_energy: {address: 10, type: int32, scale: 0.1, unit: Wh}\n"
    )
    sunspec, custom = load_meters(path)
    assert sunspec.import_energy is not None
    assert sunspec.import_energy.address == 40000 + 2 + 44
    assert custom.byte_order == "little"
    # 0x12345678 as int32: big/big, words swapped, bytes swapped in each word
    assert decode([0x1234, 0x5678], "int32", "big", "big") == 0x12345678
    assert decode([0x5678, 0x1234], "int32", "big", "little") == 0x12345678
    assert decode([0x3412, 0x7856], "int32", "little", "big") == 0x12345678
    assert decode([0xFFFF], "int16", "big", "big") == -1
    assert decode(f32(1.5), "float32", "big", "big") == 1.5
    with pytest.raises(ValueError, match="divide 60"):
        ModbusMeter(meter_id="Y", interval_minutes=7)
