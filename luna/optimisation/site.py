"""A site's standing optimisation setup: grid connection, battery, deferrable loads and rules.

Everything :class:`~luna.optimisation.inputs.OptimisationInput` needs except the horizon's
prices and forecasts, which change every day. ``luna optimise --day`` reads it from a YAML (or
JSON) file and adds the day's stored prices and load/PV forecasts::

    grid: {max_import_kw: 11, max_export_kw: 7}
    battery: {capacity_kwh: 10, max_charge_kw: 5, max_discharge_kw: 5, initial_soc_fraction: 0.5}
    deferrable_loads:
      - {name: dishwasher, power_kw: 2, energy_kwh: 1.5, power_mode: fixed, single_block: true}
    rules:
      - {kind: charge_from_pv_only}
      - {kind: load_deadline, load: dishwasher, by: "07:00"}

Load windows that recur every day are rules on the local clock (``load_not_before``,
``load_deadline``), not step indices.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import yaml
from pydantic import Field

from luna.optimisation.inputs import (
    Battery,
    DeferrableLoad,
    GridConnection,
    Objective,
    OptimisationInput,
    _Input,
)
from luna.optimisation.rules import Rule


class SiteSetup(_Input):
    """The parts of a problem that stay the same from day to day."""

    grid: GridConnection
    battery: Battery | None = None
    deferrable_loads: list[DeferrableLoad] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)
    objective: Objective = Objective.COST
    allow_pv_curtailment: bool = True

    def problem(
        self,
        *,
        start: datetime,
        step_minutes: int,
        timezone: str,
        import_price_eur_kwh: Sequence[float],
        export_price_eur_kwh: Sequence[float],
        load_kwh: Sequence[float],
        pv_kwh: Sequence[float],
    ) -> OptimisationInput:
        """This setup on one horizon's prices and forecasts (validated as any input)."""
        return OptimisationInput(
            start=start,
            step_minutes=step_minutes,
            timezone=timezone,
            import_price_eur_kwh=list(import_price_eur_kwh),
            export_price_eur_kwh=list(export_price_eur_kwh),
            load_kwh=list(load_kwh),
            pv_kwh=list(pv_kwh),
            grid=self.grid,
            battery=self.battery,
            deferrable_loads=self.deferrable_loads,
            objective=self.objective,
            allow_pv_curtailment=self.allow_pv_curtailment,
            rules=self.rules,
        )


def load_site(path: Path) -> SiteSetup:
    """Read and validate a site file (``.yaml``, ``.yml`` or ``.json``); raises
    :class:`pydantic.ValidationError` naming the offending field."""
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    return SiteSetup.model_validate(data or {})
