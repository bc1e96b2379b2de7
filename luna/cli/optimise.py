"""``luna optimise``: a day-ahead schedule from what Luna stores, or from an EMHASS setup.

    luna optimise [--day 2025-06-03] [--meter M-001] [--site site.yaml] [--json]
    luna optimise --emhass-config config.json --data forecast.csv [--soc-init 0.4] [--json]

Without ``--emhass-config`` the day (default: tomorrow, local) is assembled from stored data:
the day-ahead prices of the configured zone (``LUNA_PRICE_ZONE``) priced with the site's tariff
(:class:`~luna.domain.tariff.Tariff`), the meter's consumption and PV from its stored readings
where they cover the day and from the forecasting engine where they do not, and the battery,
deferrable loads and rules from the site file (:mod:`luna.optimisation.site`; default
``$LUNA_HOME/site.yaml`` if it exists). Missing prices for the day end with exit status 1.

With ``--emhass-config`` the config's optimisation parameters are mapped onto Luna's model
(:mod:`luna.optimisation.emhass_config`); what does not map is refused with one line per
parameter and exit status 2. The data file holds the horizon's forecasts and prices (CSV with a
header, or a JSON object of lists): ``load_w``/``load_kwh``, ``pv_w``/``pv_kwh``,
``import_price``, ``export_price`` (EUR/kWh), optionally ``timestamp``. Without ``--data`` the
EMHASS runtime arrays in the config itself are used (``load_power_forecast``, …).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import typer
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.engine import Connection

from luna.config import Settings, get_settings
from luna.domain.tariff import Tariff
from luna.forecasting import TargetKind, forecast
from luna.forecasting.history import HistoryError, load_history
from luna.optimisation import (
    OptimisationInfeasible,
    OptimisationInput,
    ScheduleResult,
    local_midnight,
    optimise,
    steps_in_local_day,
)
from luna.optimisation.emhass_config import (
    EmhassConfigError,
    describe,
    load_emhass_config,
    map_emhass_config,
    read_data,
)
from luna.optimisation.site import SiteSetup, load_site
from luna.store.sql.database import create_db_engine, timescaledb_installed
from luna.store.sql.forecasts import PRICE, ForecastTarget, last_data
from luna.store.sql.models import Meter
from luna.store.sql.series import PriceAgg, Resolution, aggregate_prices, price_resolutions

STEP_MINUTES = 15
HISTORY_DAYS = 35  # as the stored forecasts: enough for the weekly and gradient-boosting models
SELECTION_DAYS = 3  # backtest origins for the model choice, as the stored forecasts
MAX_FORECAST_DAYS = 7
"""How far past the last stored reading a day may lie and still be forecast."""
SITE_FILE = "site.yaml"


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


class MissingDataError(Exception):
    """The day cannot be assembled from stored data (exit status 1)."""


@contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """HiGHS prints a banner on file descriptor 1; keep it out of the JSON on stdout."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:
        yield
        return
    os.dup2(2, 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def optimise_command(
    day: datetime | None = typer.Option(
        None,
        "--day",
        formats=["%Y-%m-%d"],
        help="Local day to plan from stored data (YYYY-MM-DD); default: tomorrow.",
    ),
    meter: str | None = typer.Option(
        None, "--meter", help="Meter whose load and PV are planned; default: the only meter."
    ),
    zone: str | None = typer.Option(None, "--zone", help="Price zone; default: LUNA_PRICE_ZONE."),
    site: Path | None = typer.Option(
        None,
        "--site",
        exists=True,
        dir_okay=False,
        help="Grid, battery, deferrable loads and rules (.yaml/.json); "
        f"default: $LUNA_HOME/{SITE_FILE} if it exists.",
    ),
    emhass_config: Path | None = typer.Option(
        None, "--emhass-config", exists=True, dir_okay=False, help="EMHASS config.json."
    ),
    data: Path | None = typer.Option(
        None,
        "--data",
        exists=True,
        dir_okay=False,
        help="With --emhass-config: forecasts and prices per step (.csv or .json); "
        "default: arrays in the config.",
    ),
    start: datetime | None = typer.Option(
        None, "--start", help="Horizon start (ISO); default: the data's timestamp, else today."
    ),
    timezone: str | None = typer.Option(None, "--timezone", help="Default: EMHASS time_zone."),
    soc_init: float | None = typer.Option(None, "--soc-init", min=0, max=1, help="Fraction."),
    soc_final: float | None = typer.Option(None, "--soc-final", min=0, max=1, help="Fraction."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List ignored parameters."),
) -> None:
    """Optimise one day from stored prices and forecasts, or a horizon from an EMHASS setup."""
    if emhass_config is None:
        emhass_only = {
            "--data": data,
            "--start": start,
            "--timezone": timezone,
            "--soc-init": soc_init,
            "--soc-final": soc_final,
        }
        given = [name for name, value in emhass_only.items() if value is not None]
        if given:
            raise _fail(f"{', '.join(given)} only apply with --emhass-config")
        _optimise_stored(day.date() if day else None, meter, zone, site, as_json)
        return
    if day is not None or meter is not None or zone is not None or site is not None:
        raise _fail("--day, --meter, --zone and --site plan from stored data, not an EMHASS setup")
    _optimise_emhass(emhass_config, data, start, timezone, soc_init, soc_final, as_json, verbose)


def _optimise_emhass(
    emhass_config: Path,
    data: Path | None,
    start: datetime | None,
    timezone: str | None,
    soc_init: float | None,
    soc_final: float | None,
    as_json: bool,
    verbose: bool,
) -> None:
    try:
        config = load_emhass_config(emhass_config)
        series = read_data(data) if data is not None else None
        mapping = map_emhass_config(
            config,
            series,
            start=start,
            timezone=timezone,
            soc_init=soc_init,
            soc_final=soc_final,
        )
    except EmhassConfigError as exc:
        raise _fail(str(exc)) from None
    except (ValueError, ValidationError, OSError) as exc:
        raise _fail(f"cannot read the inputs: {exc}") from None
    result = _solve(mapping.problem)
    if as_json:
        payload = {
            "mapping": describe(mapping),
            "result": result.model_dump(mode="json"),
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    for note in mapping.notes:
        typer.echo(f"note: {note}")
    if verbose and mapping.ignored:
        typer.echo(f"ignored (no effect on the optimum): {', '.join(mapping.ignored)}")
    _print_schedule(mapping.problem, result)


def _solve(problem: OptimisationInput) -> ScheduleResult:
    try:
        with _stdout_to_stderr():
            return optimise(problem)
    except OptimisationInfeasible as exc:
        raise _fail(f"no feasible schedule: {exc}") from None


def _print_schedule(problem: OptimisationInput, result: ScheduleResult) -> None:
    steps = len(result.steps)
    typer.echo(
        f"{steps} steps of {problem.step_minutes} min from "
        f"{result.steps[0].start:%Y-%m-%d %H:%M %Z}; {result.solver}"
    )
    typer.echo(result.summary())
    typer.echo(
        f"grid import {result.grid_import_kwh:.2f} kWh, export {result.grid_export_kwh:.2f} kWh, "
        f"PV curtailed {result.pv_curtailed_kwh:.2f} kWh"
    )
    for load in result.deferrable_loads:
        when = f"{load.first_run:%H:%M}–{load.last_run_end:%H:%M}" if load.first_run else "off"
        typer.echo(f"{load.name}: {load.energy_kwh:.2f} kWh, {when}")


# --- the day from stored data ---------------------------------------------------------------


@dataclass(frozen=True)
class StoredDay:
    """A day's problem assembled from stored data, and where each input came from."""

    problem: OptimisationInput
    meter_id: str
    zone: str
    sources: dict[str, str]


def _optimise_stored(
    day: date | None, meter: str | None, zone: str | None, site: Path | None, as_json: bool
) -> None:
    settings = get_settings()
    day = day or datetime.now(ZoneInfo(settings.timezone)).date() + timedelta(days=1)
    try:
        setup = _site_setup(settings, site)
    except (ValidationError, ValueError, OSError) as exc:
        raise _fail(f"cannot read the site file: {exc}") from None
    engine = create_db_engine(settings)
    try:
        with engine.connect() as conn:
            stored = assemble_day(conn, settings, day, setup, meter_id=meter, zone=zone)
    except MissingDataError as exc:
        raise _fail(str(exc), code=1) from None
    except (HistoryError, LookupError) as exc:
        raise _fail(str(exc)) from None
    finally:
        engine.dispose()
    result = _solve(stored.problem)
    if as_json:
        payload: dict[str, Any] = {
            "day": day.isoformat(),
            "meter_id": stored.meter_id,
            "zone": stored.zone,
            "sources": stored.sources,
            "result": result.model_dump(mode="json"),
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    typer.echo(f"{day:%Y-%m-%d}, meter {stored.meter_id}, zone {stored.zone}")
    for name, source in stored.sources.items():
        typer.echo(f"{name}: {source}")
    _print_schedule(stored.problem, result)


def _site_setup(settings: Settings, path: Path | None) -> SiteSetup:
    """The site file given, else ``$LUNA_HOME/site.yaml``, else a grid connection alone
    (no battery, no deferrable loads)."""
    default = Path(settings.home) / SITE_FILE
    if path is None and default.is_file():
        path = default
    if path is None:
        return SiteSetup.model_validate({"grid": _DEFAULT_GRID})
    return load_site(path)


_DEFAULT_GRID = {"max_import_kw": 30.0, "max_export_kw": 30.0}
"""Without a site file: a grid connection that limits nothing a household does."""


def assemble_day(
    conn: Connection,
    settings: Settings,
    day: date,
    setup: SiteSetup,
    *,
    meter_id: str | None = None,
    zone: str | None = None,
) -> StoredDay:
    """The problem for local ``day`` from stored data; :class:`MissingDataError` when the day's
    prices (or the meter's readings to forecast from) are not stored."""
    tz = settings.timezone
    zone = zone or settings.price_zone
    n = steps_in_local_day(day, STEP_MINUTES, tz)
    start = local_midnight(day, tz)
    steps = pd.date_range(start, periods=n, freq=f"{STEP_MINUTES}min").tz_convert("UTC")
    timescale = timescaledb_installed(conn)
    spot, price_source = _day_prices(conn, zone, steps, tz, timescale)
    row = _meter(conn, meter_id)
    load, load_source = _day_energy(conn, settings, TargetKind.CONSUMPTION, row, steps, timescale)
    has_pv = row.pv_kwp > 0
    pv, pv_source = (
        _day_energy(conn, settings, TargetKind.PV, row, steps, timescale)
        if has_pv
        else (np.zeros(n), "none (the meter has no PV)")
    )
    tariff = Tariff.from_settings(settings)
    problem = setup.problem(
        start=start,
        step_minutes=STEP_MINUTES,
        timezone=tz,
        import_price_eur_kwh=[tariff.import_price_eur_kwh(p) for p in spot],
        # The feed-in tariff pays for PV; without PV nothing is fed in at it.
        export_price_eur_kwh=[tariff.export_price_eur_kwh(p) if has_pv else 0.0 for p in spot],
        load_kwh=np.maximum(load, 0.0).tolist(),
        pv_kwh=np.maximum(pv, 0.0).tolist(),
    )
    sources = {
        "prices": f"{price_source}, tariff '{tariff.name}'",
        "load": load_source,
        "pv": pv_source,
    }
    return StoredDay(problem, row.meter_id, zone, sources)


@dataclass(frozen=True)
class _Meter:
    meter_id: str
    pv_kwp: float


def _meter(conn: Connection, meter_id: str | None) -> _Meter:
    rows = conn.execute(select(Meter.meter_id, Meter.pv_kwp).order_by(Meter.meter_id)).all()
    meters = [_Meter(m, float(kwp or 0.0)) for m, kwp in rows]
    if meter_id is not None:
        found = [m for m in meters if m.meter_id == meter_id]
        if not found:
            raise LookupError(f"unknown meter '{meter_id}'")
        return found[0]
    if len(meters) == 1:
        return meters[0]
    if not meters:
        raise MissingDataError("no meters stored: nothing to plan (see `luna simulate backfill`)")
    names = ", ".join(m.meter_id for m in meters)
    raise LookupError(f"{len(meters)} meters stored ({names}): name one with --meter")


def _day_prices(
    conn: Connection, zone: str, steps: pd.DatetimeIndex, tz: str, timescale: bool
) -> tuple[list[float], str]:
    """The zone's day-ahead price (EUR/MWh) for every step, from its finest stored resolution
    that covers the whole day (an hourly price holds for its four quarter hours)."""
    step = pd.Timedelta(minutes=STEP_MINUTES)
    end = steps[-1] + step
    for minutes in price_resolutions(conn, zone):
        if minutes % STEP_MINUTES and STEP_MINUTES % minutes:
            continue
        buckets = aggregate_prices(
            conn,
            zone,
            minutes,
            steps[0].to_pydatetime(),
            end.to_pydatetime(),
            Resolution.MIN15,
            PriceAgg.AVG,
            tz,
            timescale,
        )
        if not buckets:
            continue
        stored = pd.Series(
            [b.price_eur_mwh for b in buckets],
            index=pd.DatetimeIndex([b.ts for b in buckets]).tz_convert("UTC"),
        )
        held = pd.Timedelta(minutes=max(minutes, STEP_MINUTES)) - step
        per_step = stored.reindex(steps, method="ffill", tolerance=held)
        if not per_step.isna().any():
            return per_step.tolist(), f"{zone} day-ahead ({minutes} min)"
    last = last_data(conn, ForecastTarget(PRICE, zone=zone))
    local = steps[0].tz_convert(tz)
    stored_to = (
        f"stored prices end {pd.Timestamp(last).tz_convert(tz):%Y-%m-%d %H:%M}"
        if last is not None
        else "none stored"
    )
    raise MissingDataError(
        f"no day-ahead prices for zone {zone} on {local:%Y-%m-%d} ({stored_to}); they are "
        "published the day before, around noon — import them first (luna connect)"
    )


def _day_energy(
    conn: Connection,
    settings: Settings,
    kind: TargetKind,
    meter: _Meter,
    steps: pd.DatetimeIndex,
    timescale: bool,
) -> tuple[np.ndarray, str]:
    """The meter's ``kind`` (kWh per step) over ``steps``: stored readings where they cover
    the day, the forecasting engine on the 35 days before for the rest."""
    step = pd.Timedelta(minutes=STEP_MINUTES)
    day_end = steps[-1] + step
    last = last_data(conn, ForecastTarget(kind.value, meter_id=meter.meter_id))
    if last is None:
        raise MissingDataError(f"meter {meter.meter_id} has no readings to plan from")
    stored_end = pd.Timestamp(last).tz_convert("UTC") + step
    if day_end - stored_end > pd.Timedelta(days=MAX_FORECAST_DAYS):
        raise MissingDataError(
            f"readings of meter {meter.meter_id} end {stored_end:%Y-%m-%d %H:%M} UTC: more "
            f"than {MAX_FORECAST_DAYS} days before the end of the day, too old to forecast it"
        )
    history = load_history(
        conn,
        settings,
        kind,
        meter_id=meter.meter_id,
        days=HISTORY_DAYS,
        end=min(day_end, stored_end).to_pydatetime(),
        timescale=timescale,
    )
    series = history.series
    source = "stored readings"
    if day_end > stored_end:
        missing = int((day_end - stored_end) / step)
        predicted = forecast(
            series, kind, horizon_steps=missing, site=history.site, selection_days=SELECTION_DAYS
        )
        series = pd.concat([series, predicted.to_frame()["point"]])
        covered = "" if stored_end <= steps[0] else f"stored readings to {stored_end:%H:%M} UTC, "
        source = f"{covered}forecast (model {predicted.model})"
    values = series.reindex(steps)
    if values.isna().any():
        gaps = int(values.isna().sum())
        raise MissingDataError(
            f"meter {meter.meter_id} has no {kind.value} readings for {gaps} of the day's "
            f"{len(steps)} quarter hours"
        )
    return values.to_numpy(dtype=float), source
