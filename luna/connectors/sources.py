"""Where readings come from is configuration: ``LUNA_DATA_SOURCE`` picks one implementation.

Every source feeds the data layer and reports its state for the admin dashboard; replacing the
simulator by real meters (MQTT today, other connectors later) changes no other code.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Engine

from luna.config import DataSourceKind, Settings
from luna.connectors.mqtt_readings import MqttReadingConnector


class DataSource(Protocol):
    name: str

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def status(self) -> dict[str, Any]:
        """A JSON-ready snapshot: ``source``, ``running`` and what the source knows."""
        ...


class MqttSource:
    name = "mqtt"

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.connector = MqttReadingConnector(
            engine, host=settings.mqtt_host, port=settings.mqtt_port, timezone=settings.timezone
        )

    def start(self) -> None:
        self.connector.start()

    def stop(self) -> None:
        self.connector.stop()

    def status(self) -> dict[str, Any]:
        s = self.connector.stats
        return {
            "source": self.name,
            "running": self.connector.running,
            "connected": s.connected,
            "received": s.received,
            "written": s.written,
            "rejected": s.rejected,
            "reconnects": s.reconnects,
            "messages_per_second": round(s.recent_messages_per_second(), 2),
            "messages_per_second_avg": round(s.messages_per_second(), 2),
            "last_message_at": s.last_message_at.isoformat() if s.last_message_at else None,
            "last_error": s.last_error,
        }


def build_data_source(settings: Settings, engine: Engine) -> DataSource | None:
    if settings.data_source is DataSourceKind.MQTT:
        return MqttSource(engine, settings)
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
