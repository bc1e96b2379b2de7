"""``luna connect redis|kafka|modbus|opcua|entsoe`` against real peers started here (and recorded
ENTSO-E responses replayed through the real client): connection test, status lines, storage."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis as redis_lib
from pydantic import SecretStr
from sqlalchemy import func, select
from typer.testing import CliRunner

import luna.cli.connect as connect_cli
from luna.cli.main import app
from luna.config import Settings, get_settings
from luna.connectors.entsoe import EntsoeClient
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import MarketPrice, Meter, SmartMeterReading
from tests.connectors.conftest import kafka_bootstrap, redis_url, topic  # noqa: F401 (fixtures)
from tests.connectors.modbus_server import ModbusTestServer
from tests.connectors.opcua_server import OpcuaTestServer

runner = CliRunner()
RESPONSES = Path(__file__).parents[1] / "connectors" / "entsoe_responses"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, settings: Settings, clean_db: Stores) -> Iterator[Stores]:
    monkeypatch.setenv("LUNA_DATABASE_URL", str(settings.database_url))
    monkeypatch.setenv("LUNA_HOME", str(settings.home))
    monkeypatch.setenv("LUNA_TIMEZONE", "UTC")
    get_settings.cache_clear()
    yield clean_db
    get_settings.cache_clear()


def test_redis_reads_a_stream_and_reports(env: Stores, redis_url: str):  # noqa: F811
    with session_scope(env.sessions) as s:
        s.add(Meter(meter_id="M-CLI"))
    stream = "luna:test:cli-connect"
    r = redis_lib.Redis.from_url(redis_url)
    r.delete(stream, f"{stream}:dead")
    reading = {"meter_id": "M-CLI", "ts": "2026-06-01T10:00:00+00:00", "consumption_kwh": 0.25}
    r.xadd(stream, {"data": json.dumps(reading)})
    try:
        result = runner.invoke(
            app,
            [
                "connect",
                "redis",
                "--url",
                redis_url,
                "--stream",
                stream,
                "--consumer",
                "cli",
                "--duration",
                "1.5",
                "--report-every",
                "0.5",
            ],
        )
    finally:
        r.delete(stream, f"{stream}:dead")
        r.close()
    assert result.exit_code == 0, result.output
    assert f"reading {stream} as luna-ingest/cli" in result.output
    assert "written=1" in result.output
    with env.sessions() as s:
        assert s.scalar(select(func.count()).select_from(SmartMeterReading)) == 1


def test_kafka_reads_a_topic_and_reports(env: Stores, kafka_bootstrap: str, topic: str):  # noqa: F811
    from confluent_kafka import Producer

    with session_scope(env.sessions) as s:
        s.add(Meter(meter_id="M-CLI"))
    reading = {"ts": "2026-06-01T10:00:00+00:00", "consumption_kwh": 0.25}
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    producer.produce(topic, key="M-CLI", value=json.dumps(reading))
    assert producer.flush(10) == 0
    result = runner.invoke(
        app,
        [
            "connect",
            "kafka",
            "--bootstrap",
            kafka_bootstrap,
            "--topic",
            topic,
            "--client-id",
            "cli",
            "--duration",
            "12",
            "--report-every",
            "1",
        ],
        env={"LUNA_KAFKA_SESSION_TIMEOUT_MS": "6000"},
    )
    assert result.exit_code == 0, result.output
    assert f"reading {topic} as luna-ingest/cli" in result.output
    assert "written=1" in result.output
    with env.sessions() as s:
        assert s.scalar(select(func.count()).select_from(SmartMeterReading)) == 1


def test_kafka_without_a_broker_exits_1(env: Stores):
    result = runner.invoke(
        app,
        [
            "connect",
            "kafka",
            "--bootstrap",
            "127.0.0.1:1",
            "--duration",
            "2",
            "--report-every",
            "1",
        ],
    )
    assert result.exit_code == 1, result.output
    assert "never connected" in result.output


def test_modbus_polls_and_prints_each_meter(env: Stores, tmp_path: Path):
    server = ModbusTestServer(device_ids=(2,))
    server.start()
    hi, lo = struct.unpack(">HH", struct.pack(">f", 1234.0))
    server.set(52, [hi, lo], table="input", device=2)  # SDM630 total power, W
    meters = tmp_path / "meters.yaml"
    meters.write_text("meters:\n  - {meter_id: E-1, device_id: 2, preset: eastron-sdm630}\n")
    try:
        result = runner.invoke(
            app,
            [
                "connect",
                "modbus",
                "--port",
                str(server.port),
                "--meters-file",
                str(meters),
                "--poll-s",
                "0.1",
                "--duration",
                "1",
                "--report-every",
                "0.5",
            ],
        )
    finally:
        server.stop()
    assert result.exit_code == 0, result.output
    assert f"polling 1 meters at 127.0.0.1:{server.port}" in result.output
    assert "ok: received=" in result.output
    assert "E-1: power 1.234 kW" in result.output


def test_opcua_subscribes_and_prints_each_meter(env: Stores, tmp_path: Path):
    server = OpcuaTestServer()
    server.start()
    server.set("O-1.PowerW", 2500.0)
    server.set("O-1.ImportWh", 12_000)
    ns = server.namespace_index
    nodes = tmp_path / "nodes.yaml"
    nodes.write_text(
        "meters:\n  - meter_id: O-1\n"
        f"    import_energy: {{node: 'ns={ns};s=O-1.ImportWh', unit: Wh}}\n"
        f"    power: {{node: 'ns={ns};s=O-1.PowerW', unit: W}}\n"
    )
    try:
        result = runner.invoke(
            app,
            [
                "connect",
                "opcua",
                "--url",
                server.url,
                "--nodes-file",
                str(nodes),
                "--duration",
                "2",
                "--report-every",
                "0.5",
            ],
        )
    finally:
        server.stop()
    assert result.exit_code == 0, result.output
    assert "O-1: power 2.500 kW, import 12.000 kWh" in result.output


def test_an_unreachable_peer_fails_the_connection_test(env: Stores, tmp_path: Path):
    nodes = tmp_path / "nodes.yaml"
    nodes.write_text("meters:\n  - {meter_id: O-1, power: {node: 'ns=2;s=P', unit: W}}\n")
    result = runner.invoke(
        app,
        [
            "connect",
            "opcua",
            "--url",
            "opc.tcp://127.0.0.1:1/",
            "--nodes-file",
            str(nodes),
            "--duration",
            "0.5",
            "--report-every",
            "0.5",
        ],
    )
    assert result.exit_code == 1
    assert "never connected" in result.output
    missing = runner.invoke(app, ["connect", "modbus", "--duration", "0.1"])
    assert missing.exit_code == 2
    assert "LUNA_MODBUS_METERS_FILE" in missing.output


def test_a_refused_configuration_exits_2_with_the_reason(
    env: Stores, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    nodes = tmp_path / "nodes.yaml"
    nodes.write_text("meters:\n  - {meter_id: O-1, power: {node: 'ns=2;s=P', unit: W}}\n")
    # A policy that signs needs a client certificate and key: refused before connecting.
    monkeypatch.setenv("LUNA_OPCUA_SECURITY_POLICY", "Basic256Sha256")
    get_settings.cache_clear()
    url = "opc.tcp://127.0.0.1:1/"
    secured = runner.invoke(app, ["connect", "opcua", "--url", url, "--nodes-file", str(nodes)])
    assert secured.exit_code == 2, secured.output
    said = "".join(secured.output.split())  # rich wraps long lines, even in a word
    assert "configurationerror:" in said
    assert "Basic256Sha256" in said
    assert secured.exception is None or isinstance(secured.exception, SystemExit)

    broken = tmp_path / "broken.yaml"
    broken.write_text("meters: [ {meter_id: M-1, preset: sunspec-203\n")
    missing = tmp_path / "absent.yaml"
    for path, reason in ((broken, "not valid YAML"), (missing, "No such file")):
        result = runner.invoke(app, ["connect", "modbus", "--meters-file", str(path)])
        assert result.exit_code == 2, result.output
        said = "".join(result.output.split())  # rich wraps long lines, even in a word
        assert "".join(reason.split()) in said
        assert path.name in said


def replaying_client(token: str) -> EntsoeClient:
    recorded = {
        "202503042300": (200, "de_lu_2025-03-05_pt60m.xml"),
        "203001012300": (200, "no_matching_data.xml"),
    }

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("securityToken") != "good-token":
            return httpx.Response(401, content=(RESPONSES / "unauthorized_401.html").read_bytes())
        status, name = recorded[request.url.params["periodStart"]]
        return httpx.Response(status, content=(RESPONSES / name).read_bytes())

    return EntsoeClient(SecretStr(token), transport=httpx.MockTransport(handle))


@pytest.fixture
def entsoe_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        connect_cli,
        "_entsoe_client",
        lambda settings: replaying_client(settings.entsoe_token.get_secret_value()),
    )


def test_entsoe_fetches_and_stores_a_day(env: Stores, entsoe_api, monkeypatch):
    monkeypatch.setenv("LUNA_ENTSOE_TOKEN", "good-token")
    get_settings.cache_clear()
    result = runner.invoke(app, ["connect", "entsoe", "--zone", "de-lu", "--day", "2025-03-05"])
    assert result.exit_code == 0, result.output
    assert "DE-LU 2025-03-05: 24 × 60 min" in result.output
    assert "max 189.99 EUR/MWh" in result.output
    assert "stored: 24 rows" in result.output
    with env.sessions() as s:
        assert s.scalar(select(func.count()).select_from(MarketPrice)) == 24

    none = runner.invoke(app, ["connect", "entsoe", "--day", "2030-01-02"])  # LUNA_PRICE_ZONE
    assert none.exit_code == 0, none.output
    assert "no day-ahead prices for DE-LU on 2030-01-02" in none.output
    assert "No matching data found" in none.output


def test_entsoe_reports_a_rejected_token(env: Stores, entsoe_api, monkeypatch):
    monkeypatch.setenv("LUNA_ENTSOE_TOKEN", "stale-token")
    get_settings.cache_clear()
    result = runner.invoke(app, ["connect", "entsoe", "--day", "2025-03-05"])
    assert result.exit_code == 1
    assert "rejected the security token" in result.output
    assert "stale-token" not in result.output
    unknown = runner.invoke(app, ["connect", "entsoe", "--zone", "XX", "--day", "2025-03-05"])
    assert unknown.exit_code == 2
    assert "unknown bidding zone" in unknown.output
