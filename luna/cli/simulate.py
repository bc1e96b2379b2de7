"""``luna simulate``: synthetic meters and prices — to files, into the database, over MQTT."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd
import typer
from rich import print as rprint
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from luna.config import get_settings
from luna.simulators.backfill import backfill as run_backfill
from luna.simulators.backfill import day_window
from luna.simulators.mqtt_player import play
from luna.simulators.simulate_market_prices import simulate_prices
from luna.simulators.simulate_smart_meter import default_fleet, simulate_fleet
from luna.store.sql.database import create_db_engine

app = typer.Typer(help="Simulated smart meters and market prices.", no_args_is_help=True)

MetersOpt = typer.Option(5, "--meters", min=1, max=10_000, help="Meters M-001... to simulate.")
DaysOpt = typer.Option(7, "--days", min=1, max=3660, help="Whole local days up to today.")
SeedOpt = typer.Option(42, "--seed", help="Same seed, same data.")
ZoneOpt = typer.Option(None, "--zone", help="Bidding zone; default: LUNA_PRICE_ZONE.")


def _write(frame: pd.DataFrame, out: Path | None) -> None:
    if out is None:
        frame.to_csv(sys.stdout, index=False)
    else:
        frame.to_csv(out, index=False)
        rprint(f"wrote {len(frame):,} rows to {out}", file=sys.stderr)


@app.command("smart-meter")
def smart_meter(
    meters: int = MetersOpt,
    days: int = DaysOpt,
    seed: int = SeedOpt,
    interval: int = typer.Option(15, "--interval", help="15, 30 or 60 minutes."),
    out: Path | None = typer.Option(None, "--out", help="CSV file; default: standard output."),
) -> None:
    """Simulate meter readings (BDEW load profiles, clear-sky PV) as CSV."""
    start, end = day_window(days)
    frames = simulate_fleet(
        default_fleet(meters, seed), start, end, interval_minutes=interval, seed=seed
    )
    _write(pd.concat(list(frames), ignore_index=True), out)


@app.command("market-prices")
def market_prices(
    days: int = DaysOpt,
    seed: int = SeedOpt,
    zone: str | None = ZoneOpt,
    resolution: int = typer.Option(60, "--resolution", help="60 or 15 minutes."),
    out: Path | None = typer.Option(None, "--out", help="CSV file; default: standard output."),
) -> None:
    """Simulate day-ahead prices (EUR/MWh) as CSV, including tomorrow."""
    start, end = day_window(days)
    frame = simulate_prices(
        zone or get_settings().price_zone,
        start,
        end + pd.Timedelta(days=1),
        resolution_minutes=resolution,
        seed=seed,
    )
    _write(frame, out)


@app.command()
def backfill(
    meters: int = typer.Option(100, "--meters", min=1, max=10_000),
    days: int = typer.Option(365, "--days", min=1, max=3660),
    seed: int = SeedOpt,
    zone: str | None = ZoneOpt,
) -> None:
    """Write simulated meters, readings and prices into the database (idempotent)."""
    settings = get_settings()
    engine = create_db_engine(settings)
    start, end = day_window(days)
    specs = default_fleet(meters, seed)
    began = time.perf_counter()
    try:
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        ) as progress:
            task = progress.add_task("meters", total=len(specs))
            report = run_backfill(
                engine,
                specs,
                start,
                end,
                seed=seed,
                zone=zone or settings.price_zone,
                on_meter=lambda _meter, _rows: progress.advance(task),
            )
    finally:
        engine.dispose()
    seconds = time.perf_counter() - began
    rprint(
        f"[green]{report.meters} meters, {report.readings:,} readings "
        f"({report.readings_written:,} new or changed), {report.prices:,} prices "
        f"({report.prices_written:,} new or changed) in {seconds:.1f} s "
        f"= {report.readings / seconds:,.0f} readings/s[/green]"
    )


@app.command()
def publish(
    meters: int = MetersOpt,
    days: int = typer.Option(1, "--days", min=1, max=366),
    seed: int = SeedOpt,
    speed: float = typer.Option(
        900.0, "--speed", min=0, help="Simulated seconds per real second; 0 = flat out."
    ),
    host: str | None = typer.Option(None, "--host", help="Default LUNA_MQTT_HOST."),
    port: int | None = typer.Option(None, "--port", help="Default LUNA_MQTT_PORT."),
) -> None:
    """Play simulated readings over MQTT (luna/meters/{id}/reading, QoS 1)."""
    settings = get_settings()
    start, end = day_window(days)
    began = time.perf_counter()
    sent = play(
        default_fleet(meters, seed),
        start,
        end,
        host=host or settings.mqtt_host,
        port=port or settings.mqtt_port,
        seed=seed,
        speed=speed,
        on_step=lambda ts, n: rprint(
            f"{ts.tz_convert(settings.timezone):%Y-%m-%d %H:%M} {n} readings"
        ),
    )
    seconds = time.perf_counter() - began
    rprint(f"[green]published {sent:,} readings in {seconds:.1f} s[/green]")
