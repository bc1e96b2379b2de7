"""``luna connect``: run live-data connectors."""

from __future__ import annotations

import signal
import threading

import typer
from rich import print as rprint

from luna.config import get_settings
from luna.connectors.mqtt_readings import MqttReadingConnector
from luna.domain.topics import TOPIC_FILTER
from luna.store.sql.database import create_db_engine

app = typer.Typer(help="Live data connectors.", no_args_is_help=True)


@app.command()
def mqtt(
    host: str | None = typer.Option(None, "--host", help="Default LUNA_MQTT_HOST."),
    port: int | None = typer.Option(None, "--port", help="Default LUNA_MQTT_PORT."),
    client_id: str = typer.Option("luna-ingest", "--client-id", help="Persistent session id."),
    report_every: float = typer.Option(10.0, "--report-every", help="Seconds between reports."),
) -> None:
    """Subscribe to meter readings over MQTT and write them to the database until stopped."""
    settings = get_settings()
    engine = create_db_engine(settings)
    connector = MqttReadingConnector(
        engine,
        host=host or settings.mqtt_host,
        port=port or settings.mqtt_port,
        timezone=settings.timezone,
        client_id=client_id,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    connector.start()
    rprint(
        f"listening on {TOPIC_FILTER} at {host or settings.mqtt_host}:{port or settings.mqtt_port}"
    )
    try:
        while not stop.wait(report_every):
            s = connector.stats
            rprint(
                f"connected={s.connected} received={s.received} written={s.written} "
                f"rejected={s.rejected} rate={s.messages_per_second():.1f}/s"
            )
    except KeyboardInterrupt:
        pass
    finally:
        connector.stop()
        engine.dispose()
