"""What the optimiser is asked: forecasts, prices, the site's devices and the operator's rules.

Every field carries its unit in its name. Energies are per step (kWh in that step), powers are
kW, fractions are 0..1. Validation catches inconsistent inputs before any solver runs.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from luna.config import site_timezone
from luna.optimisation.horizon import StepGrid
from luna.optimisation.rules import Rule, RuleCompilationError, compile_rules


class Objective(StrEnum):
    """What "best" means.

    ``cost`` and ``profit`` optimise the same thing (import cost minus export revenue); they
    differ only in the sign of the reported objective. ``self_consumption`` first minimises grid
    import (kWh) and then, among those schedules, the cost.
    """

    COST = "cost"
    PROFIT = "profit"
    SELF_CONSUMPTION = "self_consumption"


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GridConnection(_Input):
    max_import_kw: float = Field(gt=0)
    max_export_kw: float = Field(ge=0)


class Battery(_Input):
    """A stationary battery behind the inverter; energies are measured on the AC side."""

    capacity_kwh: float = Field(gt=0)
    max_charge_kw: float = Field(gt=0)
    max_discharge_kw: float = Field(gt=0)
    charge_efficiency: float = Field(default=0.95, gt=0, le=1)
    discharge_efficiency: float = Field(default=0.95, gt=0, le=1)
    soc_min_fraction: float = Field(default=0.1, ge=0, le=1)
    soc_max_fraction: float = Field(default=0.9, ge=0, le=1)
    initial_soc_fraction: float = Field(ge=0, le=1)
    final_soc_min_fraction: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="SoC to end at (see final_soc_mode); empty: the initial SoC.",
    )
    final_soc_mode: Literal["at_least", "equal"] = Field(
        default="at_least",
        description="'at_least': end at or above the target; 'equal': end exactly on it.",
    )
    throughput_cost_eur_kwh: float = Field(
        default=0.01,
        ge=0,
        description="Wear cost per kWh discharged (0: none); stops cycling on tiny spreads.",
    )

    @model_validator(mode="after")
    def _check_soc_range(self) -> Battery:
        if self.soc_min_fraction > self.soc_max_fraction:
            raise ValueError("soc_min_fraction must not exceed soc_max_fraction")
        if self.final_soc_min_fraction is not None and (
            self.final_soc_min_fraction > self.soc_max_fraction
        ):
            raise ValueError("final_soc_min_fraction must not exceed soc_max_fraction")
        if self.final_soc_mode == "equal" and self.final_target_fraction < self.soc_min_fraction:
            raise ValueError(
                "with final_soc_mode 'equal' the final SoC must not be below soc_min_fraction"
            )
        return self

    @property
    def final_target_fraction(self) -> float:
        if self.final_soc_min_fraction is not None:
            return self.final_soc_min_fraction
        return min(max(self.initial_soc_fraction, self.soc_min_fraction), self.soc_max_fraction)


class DeferrableLoad(_Input):
    """A load whose energy must be delivered inside a window but whose timing is free.

    ``variable`` loads draw anything between 0 and ``power_kw`` (EV charger, heat-pump buffer);
    ``fixed`` loads draw exactly ``power_kw`` whenever on (whole steps, so the delivered energy is
    rounded up to a whole number of steps). ``single_block`` makes a fixed load run once without
    interruption (dishwasher, washing machine).
    """

    name: str = Field(min_length=1, pattern=r"^[\w\-. ]+$")
    power_kw: float = Field(gt=0)
    energy_kwh: float = Field(gt=0)
    power_mode: Literal["variable", "fixed"] = "variable"
    single_block: bool = False
    earliest_start: int | AwareDatetime = Field(
        default=0, description="Step index or instant at which the window opens."
    )
    latest_end: int | AwareDatetime | None = Field(
        default=None, description="Step index or instant by which it must be done; empty: end."
    )

    @model_validator(mode="after")
    def _block_needs_fixed_power(self) -> DeferrableLoad:
        if self.single_block and self.power_mode != "fixed":
            raise ValueError("single_block requires power_mode 'fixed'")
        return self

    def window(self, grid: StepGrid) -> tuple[int, int]:
        """The allowed steps ``[first, end)`` on ``grid``."""
        first = (
            self.earliest_start
            if isinstance(self.earliest_start, int)
            else grid.boundary_at_or_after(self.earliest_start)
        )
        if self.latest_end is None:
            end = grid.n_steps
        elif isinstance(self.latest_end, int):
            end = self.latest_end
        else:
            end = grid.boundary_at_or_before(self.latest_end)
        return first, end


def _broadcast(value: Any, length: int) -> Any:
    return [value] * length if isinstance(value, int | float) else value


class OptimisationInput(_Input):
    """One day-ahead (or any horizon) optimisation problem."""

    start: AwareDatetime
    step_minutes: int = Field(default=15, gt=0, le=1440)
    timezone: str = Field(default_factory=site_timezone, description="Default: LUNA_TIMEZONE.")
    import_price_eur_kwh: list[float] = Field(min_length=1)
    export_price_eur_kwh: list[float] = Field(description="Feed-in price; a number is broadcast.")
    load_kwh: list[float] = Field(description="Non-deferrable consumption forecast per step.")
    pv_kwh: list[float] = Field(description="PV production forecast per step; a number broadcasts.")
    grid: GridConnection
    battery: Battery | None = None
    deferrable_loads: list[DeferrableLoad] = Field(default_factory=list)
    objective: Objective = Objective.COST
    allow_pv_curtailment: bool = Field(
        default=True, description="The inverter may throttle PV (needed for no-export rules)."
    )
    rules: list[Rule] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _broadcast_scalars(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("import_price_eur_kwh"), list):
            n = len(data["import_price_eur_kwh"])
            data = dict(data)
            for name in ("export_price_eur_kwh", "pv_kwh"):
                data[name] = _broadcast(data.get(name, 0.0), n)
        return data

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown time zone {value!r}") from err
        return value

    @field_validator("load_kwh", "pv_kwh")
    @classmethod
    def _non_negative(cls, values: list[float]) -> list[float]:
        if any(v < 0 for v in values):
            raise ValueError("energies must be >= 0")
        return values

    @model_validator(mode="after")
    def _check_consistency(self) -> OptimisationInput:
        n = len(self.import_price_eur_kwh)
        for name in ("export_price_eur_kwh", "load_kwh", "pv_kwh"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has {len(getattr(self, name))} steps, expected {n}")
        names = [load.name for load in self.deferrable_loads]
        if len(set(names)) != len(names):
            raise ValueError(f"deferrable load names must be unique: {names}")
        grid = self.step_grid
        for i, load in enumerate(self.deferrable_loads):
            first, end = load.window(grid)
            if not 0 <= first <= grid.n_steps or not 0 <= end <= grid.n_steps:
                raise ValueError(
                    f"deferrable_loads[{i}] ({load.name}): window [{first}, {end}) lies outside "
                    f"the horizon of {grid.n_steps} steps"
                )
        try:
            compile_rules(self.rules, grid, names, self.battery is not None)
        except RuleCompilationError as err:
            raise ValueError(str(err)) from err
        return self

    @cached_property
    def step_grid(self) -> StepGrid:
        return StepGrid(
            self.start, self.step_minutes, len(self.import_price_eur_kwh), self.timezone
        )

    @property
    def end(self) -> datetime:
        return self.step_grid.boundaries[-1]
