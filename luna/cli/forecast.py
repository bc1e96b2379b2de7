"""``luna forecast``: forecasts and backtests on stored meter readings and prices, and the
refresh of the stored forecasts the API serves."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer
from rich.console import Console
from rich.table import Table

from luna.config import get_settings
from luna.forecasting import TargetKind, backtest, forecast
from luna.forecasting.history import History, HistoryError, load_history
from luna.forecasting.stored import due_targets, refresh
from luna.store.sql.database import create_db_engine, timescaledb_installed
from luna.store.sql.forecasts import PRICE, ForecastTarget, meter_targets

app = typer.Typer(
    help="Consumption, PV and price forecasts from stored data.", no_args_is_help=True
)

KindOpt = typer.Option(TargetKind.CONSUMPTION, "--kind", help="consumption, pv or price.")
MeterOpt = typer.Option(None, "--meter", help="Meter id (consumption and pv).")
ZoneOpt = typer.Option(None, "--zone", help="Price zone (price); default: LUNA_PRICE_ZONE.")


def _history(kind: TargetKind, meter: str | None, zone: str | None, days: int) -> History:
    settings = get_settings()
    engine = create_db_engine(settings)
    try:
        with engine.connect() as conn:
            return load_history(
                conn,
                settings,
                kind,
                meter_id=meter,
                zone=zone,
                days=days,
                timescale=timescaledb_installed(conn),
            )
    except HistoryError as exc:
        raise typer.BadParameter(str(exc)) from exc
    finally:
        engine.dispose()


def _steps(history: History, hours: int) -> int:
    step = history.series.index[1] - history.series.index[0]
    return max(1, int(hours * 3600 // step.total_seconds()))


@app.command("backtest")
def backtest_command(
    kind: TargetKind = KindOpt,
    meter: str | None = MeterOpt,
    zone: str | None = ZoneOpt,
    days: int = typer.Option(60, "--days", min=1, max=365, help="Daily backtest origins."),
    horizon_hours: int = typer.Option(24, "--horizon-hours", min=1, max=168),
    as_json: bool = typer.Option(False, "--json", help="The report as JSON."),
) -> None:
    """Score every model by rolling origin against the seasonal-naive baseline."""
    history = _history(kind, meter, zone, days + 35 + horizon_hours // 24 + 1)
    try:
        report = backtest(
            history.series,
            kind,
            days=days,
            horizon_steps=_steps(history, horizon_hours),
            site=history.site,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    table = Table(title=f"{history.label}: {report.origins} origins, {horizon_hours} h horizon")
    for column in ("model", "MAE", "RMSE", "MAPE/sMAPE %", "MAE vs baseline"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for score in report.scores:
        pct = score.mape if score.mape is not None else score.smape
        gain = score.improvement_vs_baseline_pct.get("mae")
        table.add_row(
            score.model + (" *" if score.model == report.best_model else ""),
            f"{score.mae:.4f}",
            f"{score.rmse:.4f}",
            "-" if pct is None else f"{pct:.1f}",
            "baseline" if score.model == report.baseline else f"{gain:+.1f} %",
        )
    Console().print(table)


@app.command("run")
def run_command(
    kind: TargetKind = KindOpt,
    meter: str | None = MeterOpt,
    zone: str | None = ZoneOpt,
    hours: int = typer.Option(48, "--hours", min=1, max=168, help="Horizon."),
    history_days: int = typer.Option(90, "--history-days", min=3, max=730),
) -> None:
    """Forecast the next hours with the best model and 80 % intervals, as JSON."""
    history = _history(kind, meter, zone, history_days)
    try:
        result = forecast(
            history.series, kind, horizon_steps=_steps(history, hours), site=history.site
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(json.dumps(result.model_dump(mode="json"), indent=2))


@app.command("refresh")
def refresh_command(
    meter: list[str] = typer.Option(
        [], "--meter", help="Only these meters (repeatable); default: every target that is due."
    ),
    zone: list[str] = typer.Option([], "--zone", help="Only these price zones (repeatable)."),
    everything: bool = typer.Option(
        False, "--all", help="Every target, also those whose forecast is current."
    ),
    as_json: bool = typer.Option(False, "--json", help="The report as JSON."),
) -> None:
    """Compute and store forecasts (what GET /data/forecast serves).

    Without options: every target that has no stored forecast or one resting on older data
    than is stored now; the server does the same in the background.
    """
    settings = get_settings()
    engine = create_db_engine(settings)
    try:
        with engine.connect() as conn:
            timescale = timescaledb_installed(conn)
            if meter or zone:
                targets = meter_targets(conn, meter)
                unknown = set(meter) - {t.meter_id for t in targets}
                if unknown:
                    raise typer.BadParameter(f"unknown meter(s): {', '.join(sorted(unknown))}")
                targets += [ForecastTarget(PRICE, None, z) for z in zone]
        if not (meter or zone):
            targets = due_targets(engine, everything=everything)
        report = refresh(engine, settings, targets, timescale=timescale)
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(asdict(report), indent=2))
    else:
        typer.echo(
            f"{len(report.refreshed)} forecast(s) stored in {report.seconds:.1f} s"
            + (f", {len(report.failed)} without:" if report.failed else "")
        )
        for target, reason in report.failed.items():
            typer.echo(f"  {target}: {reason}")
    if report.failed and not report.refreshed:
        raise typer.Exit(1)
