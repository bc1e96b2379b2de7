"""LUNA_DATA_SOURCE=redis|kafka|modbus|opcua: the admin endpoint reports the connector."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from luna.api.app import create_app
from luna.config import DataSourceKind, Settings
from luna.connectors.sources import (
    KafkaSource,
    ModbusSource,
    OpcuaSource,
    RedisSource,
    build_data_source,
)
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Role
from luna.store.sql.users import create_user

COMMON = {
    "source",
    "running",
    "health",
    "connected",
    "received",
    "written",
    "rejected",
    "queued",
    "queue_size",
    "last_value",
    "last_error",
    "messages_per_second",
}


def source_status(settings: Settings, stores: Stores) -> dict:
    with session_scope(stores.sessions) as s:
        create_user(s, "monika", "a-long-password", Role.ADMIN)
    with TestClient(create_app(settings, stores)) as client:
        token = client.post(
            "/auth/token", data={"username": "monika", "password": "a-long-password"}
        ).json()["access_token"]
        return client.get("/data/source", headers={"Authorization": f"Bearer {token}"}).json()


def test_admin_sees_the_redis_source(settings: Settings, clean_db: Stores, redis_url: str):
    live = settings.model_copy(
        update={
            "data_source": DataSourceKind.REDIS,
            "redis_url": redis_url,
            "redis_stream": "luna:test:admin-status",
        }
    )
    assert isinstance(build_data_source(live, clean_db.engine), RedisSource)
    status = source_status(live, clean_db)
    assert status.keys() >= COMMON
    assert status["source"] == "redis"
    assert status["stream"] == "luna:test:admin-status"
    assert status["dead_letter_stream"] == "luna:test:admin-status:dead"


def test_admin_sees_the_kafka_source(
    settings: Settings, clean_db: Stores, kafka_bootstrap: str, topic: str
):
    live = settings.model_copy(
        update={
            "data_source": DataSourceKind.KAFKA,
            "kafka_bootstrap": kafka_bootstrap,
            "kafka_topic": topic,
            "kafka_options": {"socket.timeout.ms": 5000},
        }
    )
    source = build_data_source(live, clean_db.engine)
    assert isinstance(source, KafkaSource)
    assert source.connector.options == {"socket.timeout.ms": 5000}
    status = source_status(live, clean_db)
    assert status.keys() >= COMMON
    assert status["source"] == "kafka"
    assert status["topic"] == topic
    assert status["group"] == "luna-ingest"
    assert status["dead_letter_topic"] == f"{topic}.dead"


def test_admin_sees_the_modbus_source(settings: Settings, clean_db: Stores, tmp_path: Path):
    meters = tmp_path / "meters.yaml"
    meters.write_text("meters:\n  - {meter_id: E-1, preset: eastron-sdm630}\n")
    live = settings.model_copy(
        update={
            "data_source": DataSourceKind.MODBUS,
            "modbus_port": 1,
            "modbus_meters_file": meters,
            "modbus_poll_s": 0.1,
        }
    )
    assert isinstance(build_data_source(live, clean_db.engine), ModbusSource)
    status = source_status(live, clean_db)
    assert status.keys() >= COMMON
    assert status["source"] == "modbus"
    assert status["connected"] is False  # nothing listens on port 1
    assert "E-1" in status["meters"]


def test_modbus_needs_a_register_map(settings: Settings, clean_db: Stores):
    live = settings.model_copy(update={"data_source": DataSourceKind.MODBUS})
    with pytest.raises(ValueError, match="LUNA_MODBUS_METERS_FILE"):
        build_data_source(live, clean_db.engine)


def test_admin_sees_the_opcua_source(settings: Settings, clean_db: Stores, tmp_path: Path):
    nodes = tmp_path / "nodes.yaml"
    nodes.write_text(
        "meters:\n  - {meter_id: O-1, import_energy: {node: 'ns=2;s=O-1.Import', unit: Wh}}\n"
    )
    live = settings.model_copy(
        update={
            "data_source": DataSourceKind.OPCUA,
            "opcua_url": "opc.tcp://127.0.0.1:1/",
            "opcua_nodes_file": nodes,
        }
    )
    assert isinstance(build_data_source(live, clean_db.engine), OpcuaSource)
    status = source_status(live, clean_db)
    assert status.keys() >= COMMON
    assert status["source"] == "opcua"
    assert status["connected"] is False  # nothing listens on port 1
    assert "O-1" in status["meters"]


def test_opcua_needs_a_node_map(settings: Settings, clean_db: Stores):
    live = settings.model_copy(update={"data_source": DataSourceKind.OPCUA})
    with pytest.raises(ValueError, match="LUNA_OPCUA_NODES_FILE"):
        build_data_source(live, clean_db.engine)
