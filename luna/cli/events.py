"""``luna events``: retention of usage events, answers and feedback."""

from __future__ import annotations

import typer
from rich import print as rprint

from luna.config import get_settings
from luna.store.sql.database import create_db_engine
from luna.store.sql.retention import prune_usage

app = typer.Typer(help="Usage events: retention.", no_args_is_help=True)


@app.command()
def prune(
    days: int | None = typer.Option(
        None, "--days", min=1, help="Keep this many days (default LUNA_EVENT_RETENTION_DAYS)."
    ),
) -> None:
    """Delete events, answers and feedback older than the retention period."""
    settings = get_settings()
    keep = days or settings.event_retention_days
    engine = create_db_engine(settings)
    try:
        result = prune_usage(engine, keep)
    finally:
        engine.dispose()
    rprint(
        f"pruned before {result.cutoff:%Y-%m-%d %H:%M} UTC ({keep} days): "
        f"{result.events} events, {result.answers} answers, {result.feedback} feedback, "
        f"{result.labels} event labels"
    )
    if result.timescale_policy:
        rprint(f"TimescaleDB retention policy on events: {keep} days")
