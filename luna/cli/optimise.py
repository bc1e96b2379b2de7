"""``luna optimise``: a day-ahead schedule from an EMHASS configuration and a data file.

    luna optimise --emhass-config config.json --data forecast.csv [--soc-init 0.4] [--json]

The config's optimisation parameters are mapped onto Luna's model
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
from datetime import datetime
from pathlib import Path

import typer
from pydantic import ValidationError

from luna.optimisation import OptimisationInfeasible, optimise
from luna.optimisation.emhass_config import (
    EmhassConfigError,
    describe,
    load_emhass_config,
    map_emhass_config,
    read_data,
)


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(2)


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
    emhass_config: Path = typer.Option(
        ..., "--emhass-config", exists=True, dir_okay=False, help="EMHASS config.json."
    ),
    data: Path | None = typer.Option(
        None,
        "--data",
        exists=True,
        dir_okay=False,
        help="Forecasts and prices per step (.csv or .json); default: arrays in the config.",
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
    """Optimise one horizon for a site described by an EMHASS configuration."""
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
    try:
        with _stdout_to_stderr():
            result = optimise(mapping.problem)
    except OptimisationInfeasible as exc:
        raise _fail(f"no feasible schedule: {exc}") from None
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
    steps = len(result.steps)
    typer.echo(
        f"{steps} steps of {mapping.problem.step_minutes} min from "
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
