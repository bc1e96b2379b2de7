"""``luna connect``: run, test and watch live-data connectors; fetch day-ahead prices.

``mqtt``, ``redis``, ``kafka``, ``modbus`` and ``opcua`` start the connector with the settings
(options override them), write what arrives to the database and print its status every
``--report-every`` seconds, until stopped or for ``--duration`` seconds (a connection test:
exit code 1 when the peer was never reached). ``entsoe`` fetches one day's day-ahead prices of a
bidding zone from the ENTSO-E Transparency Platform and stores them.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import typer
from rich import print as rprint
from rich.markup import escape
from sqlalchemy import Engine

from luna.config import Settings, get_settings
from luna.connectors.base import Connector
from luna.domain.topics import TOPIC_FILTER
from luna.store.sql.database import create_db_engine

if TYPE_CHECKING:
    from luna.connectors.entsoe import EntsoeClient

S = TypeVar("S")

app = typer.Typer(help="Live data connectors and price imports.", no_args_is_help=True)

REPORT_EVERY = typer.Option(10.0, "--report-every", help="Seconds between status lines.")
DURATION = typer.Option(
    0.0, "--duration", help="Stop after this many seconds (0: until Ctrl-C); a connection test."
)


def _fmt(value: float | None, unit: str) -> str:
    return "-" if value is None else f"{value:.3f} {unit}"


def _meter_lines(status: dict[str, Any]) -> list[str]:
    meters: dict[str, dict[str, Any]] = status.get("meters") or {}
    return [
        f"  {meter_id}: power {_fmt(m.get('power_kw'), 'kW')}, "
        f"import {_fmt(m.get('import_kwh_total'), 'kWh')}, "
        f"export {_fmt(m.get('export_kwh_total'), 'kWh')}"
        + (f" [red]{escape(str(m['error']))}[/red]" if m.get("error") else "")
        for meter_id, m in meters.items()
    ]


def _status_line(status: dict[str, Any]) -> str:
    line = (
        f"{status['health']}: received={status['received']} written={status['written']} "
        f"rejected={status['rejected']} queued={status['queued']} "
        f"rate={status['messages_per_second']}/s"
    )
    last = status.get("last_value")
    if last:
        line += f" last={escape(str(last))}"
    return line


def watch(connector: Connector, describe: str, report_every: float, duration: float) -> None:
    """Run the connector, print its status, stop it; exit 1 if it never reached its peer."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    deadline = time.monotonic() + duration if duration > 0 else None
    ever_connected = False
    connector.start()
    rprint(describe)
    try:
        while True:
            wait = report_every
            if deadline is not None:
                wait = max(0.0, min(wait, deadline - time.monotonic()))
            stopped = stop.wait(wait)
            status = connector.status()
            ever_connected = ever_connected or bool(status["connected"])
            rprint(_status_line(status))
            for line in _meter_lines(status):
                rprint(line)
            if stopped or (deadline is not None and time.monotonic() >= deadline):
                break
    except KeyboardInterrupt:
        pass
    finally:
        connector.stop()
    if not ever_connected:
        error = connector.stats.last_error or "no answer"
        rprint(f"[red]never connected: {escape(error)}[/red]")
        raise typer.Exit(1)


@app.command()
def mqtt(
    host: str | None = typer.Option(None, "--host", help="Default LUNA_MQTT_HOST."),
    port: int | None = typer.Option(None, "--port", help="Default LUNA_MQTT_PORT."),
    client_id: str = typer.Option("luna-ingest", "--client-id", help="Persistent session id."),
    report_every: float = REPORT_EVERY,
    duration: float = DURATION,
) -> None:
    """Subscribe to meter readings over MQTT and write them to the database until stopped."""
    from luna.connectors.mqtt_readings import MqttReadingConnector

    settings = get_settings()
    engine = create_db_engine(settings)
    host, port = host or settings.mqtt_host, port or settings.mqtt_port
    connector = MqttReadingConnector(
        engine, host=host, port=port, timezone=settings.timezone, client_id=client_id
    )
    try:
        watch(connector, f"listening on {TOPIC_FILTER} at {host}:{port}", report_every, duration)
    finally:
        engine.dispose()


@app.command()
def redis(
    url: str | None = typer.Option(None, "--url", help="Default LUNA_REDIS_URL."),
    stream: str | None = typer.Option(None, "--stream", help="Default LUNA_REDIS_STREAM."),
    group: str | None = typer.Option(None, "--group", help="Default LUNA_REDIS_GROUP."),
    consumer: str | None = typer.Option(None, "--consumer", help="Default LUNA_REDIS_CONSUMER."),
    report_every: float = REPORT_EVERY,
    duration: float = DURATION,
) -> None:
    """Consume readings from a Redis stream (consumer group) into the database."""
    from luna.connectors.sources import RedisSource

    settings = _with(
        get_settings(),
        redis_url=url,
        redis_stream=stream,
        redis_group=group,
        redis_consumer=consumer,
    )
    engine = create_db_engine(settings)
    connector = _source(RedisSource, engine, settings).connector
    describe = (
        f"reading {connector.stream} as {connector.group}/{connector.consumer} "
        f"at {connector.url.rsplit('@', 1)[-1]}"
    )
    try:
        watch(connector, describe, report_every, duration)
    finally:
        engine.dispose()


@app.command()
def kafka(
    bootstrap: str | None = typer.Option(None, "--bootstrap", help="Default LUNA_KAFKA_BOOTSTRAP."),
    topic: str | None = typer.Option(None, "--topic", help="Default LUNA_KAFKA_TOPIC."),
    group: str | None = typer.Option(None, "--group", help="Default LUNA_KAFKA_GROUP."),
    client_id: str | None = typer.Option(None, "--client-id", help="Default LUNA_KAFKA_CLIENT_ID."),
    report_every: float = REPORT_EVERY,
    duration: float = DURATION,
) -> None:
    """Consume readings from a Kafka / Redpanda topic (consumer group) into the database."""
    from luna.connectors.sources import KafkaSource

    settings = _with(
        get_settings(),
        kafka_bootstrap=bootstrap,
        kafka_topic=topic,
        kafka_group=group,
        kafka_client_id=client_id,
    )
    engine = create_db_engine(settings)
    connector = _source(KafkaSource, engine, settings).connector
    describe = (
        f"reading {connector.topic} as {connector.group}/{connector.client_id} "
        f"at {connector.bootstrap}"
    )
    try:
        watch(connector, describe, report_every, duration)
    finally:
        engine.dispose()


def _with(settings: Settings, **given: object) -> Settings:
    """``settings`` with the options given on the command line (one not given, or empty: the
    setting's value); the connector is then built as ``LUNA_DATA_SOURCE`` builds it
    (luna.connectors.sources)."""
    return settings.model_copy(update={k: v for k, v in given.items() if v})


def _source(build: Callable[[Engine, Settings], S], engine: Engine, settings: Settings) -> S:
    """The connector source ``build`` makes of ``settings``; a configuration it refuses (a
    missing or invalid map file, security settings that do not go together) ends the command
    with exit code 2 and the reason, not a traceback."""
    try:
        return build(engine, settings)
    except (ValueError, OSError) as exc:
        engine.dispose()
        rprint(f"[red]configuration error: {escape(str(exc))}[/red]")
        raise typer.Exit(2) from None


def _map_file(given: Path | None, configured: Path | None, setting: str) -> Path:
    path = given or configured
    if path is None:
        rprint(f"[red]no map file: pass --meters-file/--nodes-file or set {setting}[/red]")
        raise typer.Exit(2)
    return path


@app.command()
def modbus(
    host: str | None = typer.Option(None, "--host", help="Default LUNA_MODBUS_HOST."),
    port: int | None = typer.Option(None, "--port", help="Default LUNA_MODBUS_PORT."),
    meters_file: Path | None = typer.Option(
        None, "--meters-file", help="Register map; default LUNA_MODBUS_METERS_FILE."
    ),
    poll_s: float | None = typer.Option(None, "--poll-s", help="Default LUNA_MODBUS_POLL_S."),
    report_every: float = REPORT_EVERY,
    duration: float = DURATION,
) -> None:
    """Poll Modbus TCP energy meters into the database; prints power and counters per meter."""
    from luna.connectors.sources import ModbusSource

    settings = get_settings()
    path = _map_file(meters_file, settings.modbus_meters_file, "LUNA_MODBUS_METERS_FILE")
    settings = _with(
        settings, modbus_host=host, modbus_port=port, modbus_meters_file=path, modbus_poll_s=poll_s
    )
    engine = create_db_engine(settings)
    connector = _source(ModbusSource, engine, settings).connector
    meters, host, port = connector.meters, settings.modbus_host, settings.modbus_port
    try:
        watch(connector, f"polling {len(meters)} meters at {host}:{port}", report_every, duration)
    finally:
        engine.dispose()


@app.command()
def opcua(
    url: str | None = typer.Option(None, "--url", help="Default LUNA_OPCUA_URL."),
    nodes_file: Path | None = typer.Option(
        None, "--nodes-file", help="Node map; default LUNA_OPCUA_NODES_FILE."
    ),
    report_every: float = REPORT_EVERY,
    duration: float = DURATION,
) -> None:
    """Subscribe to meters' OPC-UA nodes into the database; prints power and counters."""
    from luna.connectors.sources import OpcuaSource

    settings = get_settings()
    path = _map_file(nodes_file, settings.opcua_nodes_file, "LUNA_OPCUA_NODES_FILE")
    settings = _with(settings, opcua_url=url, opcua_nodes_file=path)
    engine = create_db_engine(settings)
    connector = _source(OpcuaSource, engine, settings).connector
    meters = connector.meters
    try:
        watch(
            connector,
            f"subscribed to {len(meters)} meters at {connector.peer}",
            report_every,
            duration,
        )
    finally:
        engine.dispose()


def _entsoe_client(settings: Settings) -> EntsoeClient:
    """The API client (tests replace its transport here)."""
    from luna.connectors.entsoe import EntsoeClient

    return EntsoeClient(settings.entsoe_token, url=settings.entsoe_url)


@app.command()
def entsoe(
    zone: str | None = typer.Option(None, "--zone", help="Bidding zone; default LUNA_PRICE_ZONE."),
    day: datetime | None = typer.Option(
        None, "--day", formats=["%Y-%m-%d"], help="Delivery day; default tomorrow (local)."
    ),
    store: bool = typer.Option(True, "--store/--dry-run", help="Store the prices or only show."),
) -> None:
    """Fetch one day's day-ahead prices from ENTSO-E (LUNA_ENTSOE_TOKEN) and store them."""
    from luna.connectors.entsoe import EntsoeError, store_prices, zone_info

    settings = get_settings()
    try:
        code = zone_info(zone or settings.price_zone).code
    except ValueError as exc:
        rprint(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from None
    when: date = (
        day.date()
        if day is not None
        else datetime.now(ZoneInfo(settings.timezone)).date() + timedelta(days=1)
    )
    try:
        with _entsoe_client(settings) as api:
            prices = api.day_ahead(code, when)
    except EntsoeError as exc:
        rprint(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(1) from None
    if prices.no_data:
        rprint(f"no day-ahead prices for {code} on {when}: {escape(prices.reason or '')}")
        return
    values = [p.price_eur_mwh for p in prices.points]
    counts = ", ".join(f"{n} × {m} min" for m, n in sorted(prices.resolutions().items()))
    rprint(
        f"{code} {when}: {counts}; min {min(values):.2f}, mean "
        f"{sum(values) / len(values):.2f}, max {max(values):.2f} EUR/MWh"
    )
    if store:
        engine = create_db_engine(settings)
        try:
            written = store_prices(engine, prices)
        finally:
            engine.dispose()
        rprint(f"stored: {written} rows new or changed")
