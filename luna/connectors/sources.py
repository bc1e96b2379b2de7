"""Where readings come from is configuration: ``LUNA_DATA_SOURCE`` picks one implementation.

Every source feeds the data layer and reports its state for the admin dashboard; replacing the
simulator by real meters (MQTT, Redis Streams, Kafka, Modbus TCP, OPC-UA) changes no other code. The
connectors share one interface (:class:`luna.connectors.base.Connector`), so their sources here
differ only in how the settings build them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Engine

from luna.config import DataSourceKind, Settings
from luna.connectors.base import Connector
from luna.connectors.mqtt_readings import MqttReadingConnector


class DataSource(Protocol):
    name: str

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def status(self) -> dict[str, Any]:
        """A JSON-ready snapshot: ``source``, ``running`` and what the source knows."""
        ...


if TYPE_CHECKING:
    from luna.connectors.kafka import KafkaConnector
    from luna.connectors.modbus import ModbusConnector
    from luna.connectors.opcua import OpcuaConnector
    from luna.connectors.redis_streams import RedisStreamConnector


class ConnectorSource:
    """A live connector as the API's data source."""

    def __init__(self, connector: Connector) -> None:
        self.connector = connector
        self.name = connector.name

    def start(self) -> None:
        self.connector.start()

    def stop(self) -> None:
        self.connector.stop()

    def status(self) -> dict[str, Any]:
        return self.connector.status()


class MqttSource(ConnectorSource):
    def __init__(self, engine: Engine, settings: Settings) -> None:
        super().__init__(
            MqttReadingConnector(
                engine,
                host=settings.mqtt_host,
                port=settings.mqtt_port,
                timezone=settings.timezone,
                batch_size=settings.connector_batch_size,
                queue_size=settings.connector_queue_size,
            )
        )


class RedisSource(ConnectorSource):
    connector: RedisStreamConnector

    def __init__(self, engine: Engine, settings: Settings) -> None:
        from luna.connectors.redis_streams import RedisStreamConnector

        super().__init__(
            RedisStreamConnector(
                engine,
                url=settings.redis_url,
                stream=settings.redis_stream,
                group=settings.redis_group,
                consumer=settings.redis_consumer,
                dead_letter_stream=settings.redis_dead_letter_stream,
                claim_idle_ms=settings.redis_claim_idle_ms,
                timezone=settings.timezone,
                batch_size=settings.connector_batch_size,
                queue_size=settings.connector_queue_size,
            )
        )


class KafkaSource(ConnectorSource):
    connector: KafkaConnector

    def __init__(self, engine: Engine, settings: Settings) -> None:
        from luna.connectors.kafka import KafkaConnector

        super().__init__(
            KafkaConnector(
                engine,
                bootstrap=settings.kafka_bootstrap,
                topic=settings.kafka_topic,
                group=settings.kafka_group,
                client_id=settings.kafka_client_id,
                dead_letter_topic=settings.kafka_dead_letter_topic,
                session_timeout_ms=settings.kafka_session_timeout_ms,
                options=dict(settings.kafka_options),
                timezone=settings.timezone,
                batch_size=settings.connector_batch_size,
                queue_size=settings.connector_queue_size,
            )
        )


class ModbusSource(ConnectorSource):
    connector: ModbusConnector

    def __init__(self, engine: Engine, settings: Settings) -> None:
        from luna.connectors.modbus import ModbusConnector, load_meters

        if settings.modbus_meters_file is None:
            raise ValueError("LUNA_DATA_SOURCE=modbus needs LUNA_MODBUS_METERS_FILE")
        super().__init__(
            ModbusConnector(
                engine,
                host=settings.modbus_host,
                port=settings.modbus_port,
                meters=load_meters(settings.modbus_meters_file),
                poll_s=settings.modbus_poll_s,
                timezone=settings.timezone,
                batch_size=settings.connector_batch_size,
                queue_size=settings.connector_queue_size,
            )
        )


class OpcuaSource(ConnectorSource):
    connector: OpcuaConnector

    def __init__(self, engine: Engine, settings: Settings) -> None:
        from luna.connectors.opcua import OpcuaConnector, load_nodes
        from luna.connectors.opcua_security import security_from_settings

        if settings.opcua_nodes_file is None:
            raise ValueError("LUNA_DATA_SOURCE=opcua needs LUNA_OPCUA_NODES_FILE")
        super().__init__(
            OpcuaConnector(
                engine,
                url=settings.opcua_url,
                meters=load_nodes(settings.opcua_nodes_file),
                publishing_ms=settings.opcua_publishing_ms,
                security=security_from_settings(settings),
                timezone=settings.timezone,
                batch_size=settings.connector_batch_size,
                queue_size=settings.connector_queue_size,
            )
        )


def build_data_source(settings: Settings, engine: Engine) -> DataSource | None:
    if settings.data_source is DataSourceKind.MQTT:
        return MqttSource(engine, settings)
    if settings.data_source is DataSourceKind.REDIS:
        return RedisSource(engine, settings)
    if settings.data_source is DataSourceKind.KAFKA:
        return KafkaSource(engine, settings)
    if settings.data_source is DataSourceKind.MODBUS:
        return ModbusSource(engine, settings)
    if settings.data_source is DataSourceKind.OPCUA:
        return OpcuaSource(engine, settings)
    if settings.data_source is DataSourceKind.SIMULATOR:
        from luna.simulators.live import SimulatorSource
        from luna.simulators.simulate_smart_meter import default_fleet

        return SimulatorSource(
            engine,
            default_fleet(settings.simulator_meters, settings.simulator_seed),
            seed=settings.simulator_seed,
            history_days=settings.simulator_history_days,
            zone=settings.price_zone,
            timezone=settings.timezone,
        )
    return None
