"""``luna feed``: run the live data feed (``LUNA_DATA_SOURCE``) in a process of its own, and
``luna feed status``: the feed's state as its process last stored it, from the database alone.

With several API replicas, each would run its own feed (duplicate MQTT subscriptions, Modbus
polls, simulator writers): they run with ``LUNA_FEED_IN_API=false`` and exactly one ``luna
feed`` runs the source. Its status reaches every replica through the database
(:mod:`luna.connectors.feed`).
"""

from __future__ import annotations

import json
import logging
import logging.config
import signal
import threading
import time
from pathlib import Path

import typer
from rich import print as rprint
from rich.markup import escape

from luna.config import DataSourceKind, get_settings
from luna.observability.logging import logging_config

log = logging.getLogger(__name__)

# A group whose callback is the feed itself: `luna feed [OPTIONS]` runs it, `luna feed status`
# reads what it stored.
app = typer.Typer(invoke_without_command=True, no_args_is_help=False)


@app.callback()
def feed(
    ctx: typer.Context,
    heartbeat_file: Path | None = typer.Option(
        None,
        "--heartbeat-file",
        help="Touched each time the status reaches the database (every "
        "LUNA_FEED_STATUS_EVERY_S): a liveness probe checks its age.",
    ),
    duration: float = typer.Option(
        0.0, "--duration", min=0, help="Stop after this many seconds (0: until SIGTERM/SIGINT)."
    ),
) -> None:
    """Run the configured live feed (LUNA_DATA_SOURCE) until SIGTERM/SIGINT, storing its
    status and a heartbeat in the database every LUNA_FEED_STATUS_EVERY_S for every API
    replica; on stop, the queued readings are written and acknowledged, exit status 0. Run
    exactly one, beside `luna serve` processes with LUNA_FEED_IN_API=false; logs are JSON lines
    on stdout. `luna feed status` shows what it stored instead."""
    if ctx.invoked_subcommand is not None:
        return
    from luna.connectors.feed import FeedRunner
    from luna.connectors.sources import build_data_source
    from luna.store.sql.database import create_db_engine

    settings = get_settings()
    logging.config.dictConfig(logging_config(settings.log_level))
    if settings.data_source is DataSourceKind.NONE:
        typer.secho("error: LUNA_DATA_SOURCE=none: no feed to run", err=True, fg="red")
        raise typer.Exit(2)
    if settings.feed_in_api:
        log.warning(
            "LUNA_FEED_IN_API is true: a luna serve with these settings runs the feed as well"
        )
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    engine = create_db_engine(settings)
    try:
        source = build_data_source(settings, engine)
        assert source is not None  # every kind but none builds one
        runner = FeedRunner(
            source, engine, every_s=settings.feed_status_every_s, heartbeat_file=heartbeat_file
        )
        runner.start()
        log.info("feed %s started", source.name)
        deadline = time.monotonic() + duration if duration > 0 else None
        try:
            while not stop.wait(1.0):
                if deadline is not None and time.monotonic() >= deadline:
                    break
        finally:
            runner.stop()
            log.info("feed %s stopped", source.name)
    finally:
        engine.dispose()


@app.command()
def status(
    as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout."),
) -> None:
    """The feed's state as its process last stored it: exit 0 running, 1 stopped, stale or
    never stored, 2 no database."""
    from luna.connectors.feed import STALE_AFTER_BEATS, read_status
    from luna.store.sql.database import create_db_engine, make_session_factory

    settings = get_settings()
    if settings.data_source is DataSourceKind.NONE:
        rprint("LUNA_DATA_SOURCE=none: no feed")
        raise typer.Exit(1)
    engine = create_db_engine(settings)
    try:
        with make_session_factory(engine)() as session:
            state = read_status(
                session,
                settings.data_source.value,
                STALE_AFTER_BEATS * settings.feed_status_every_s,
            )
    except Exception as exc:  # e.g. the database is down: say so, distinct from "not running"
        typer.secho(f"error: cannot read the feed status: {exc}", err=True, fg="red")
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(state))
    elif state is None:
        rprint(f"{settings.data_source.value}: no status stored (no luna feed has run)")
    else:
        rprint(
            f"{escape(str(state.get('source')))}: {escape(str(state['health']))} in "
            f"{escape(state['process'])}, last beat {state['heartbeat_age_s']} s ago"
        )
    raise typer.Exit(0 if state is not None and state["running"] else 1)
