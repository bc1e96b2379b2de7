"""Operator rules as data, and their compilation onto the step grid.

A rule is a small validated record (``{"kind": "min_soc", "value_pct": 20}``) that an operator
can write in YAML or JSON. Rules never touch the solver directly: :func:`compile_rules` turns
them into per-step caps, battery flow bans, a daily cycle limit and load-window overrides, each
labelled with the rule it came from so that binding constraints and infeasibilities can be
explained in the operator's own terms.
Clock times are local (the grid's time zone) and resolved per step, which keeps them DST-safe.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from luna.optimisation.horizon import BoolArray, StepGrid

ClockWindow = tuple[time, time]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str | None = Field(default=None, description="Operator's name for the rule.")

    def describe(self) -> str:
        """The rule in words, as it appears in explanations."""
        text = self._text()
        return f"{self.label} ({text})" if self.label else text

    def _text(self) -> str:
        raise NotImplementedError


def _between_text(between: ClockWindow | None) -> str:
    if between is None:
        return ""
    return f" {between[0].strftime('%H:%M')}–{between[1].strftime('%H:%M')}"


class MinSocRule(_Rule):
    """Keep the battery at or above a state of charge (a backup reserve)."""

    kind: Literal["min_soc"]
    value_pct: float = Field(ge=0, le=100)
    between: ClockWindow | None = None

    def _text(self) -> str:
        return f"min_soc {self.value_pct:g} %{_between_text(self.between)}"


class MaxImportRule(_Rule):
    """Cap grid import power (peak shaving, a tariff's demand window)."""

    kind: Literal["max_import_kw"]
    value: float = Field(ge=0, description="kW")
    between: ClockWindow | None = None

    def _text(self) -> str:
        return f"max_import_kw {self.value:g} kW{_between_text(self.between)}"


class MaxExportRule(_Rule):
    """Cap grid export power (a feed-in limit)."""

    kind: Literal["max_export_kw"]
    value: float = Field(ge=0, description="kW")
    between: ClockWindow | None = None

    def _text(self) -> str:
        return f"max_export_kw {self.value:g} kW{_between_text(self.between)}"


class NoExportRule(_Rule):
    """Forbid feeding into the grid (zero-export connection)."""

    kind: Literal["no_export"]
    between: ClockWindow | None = None

    def _text(self) -> str:
        return f"no_export{_between_text(self.between)}"


DIMMING_GUARANTEE_KW = 4.2


class GridDimmingRule(_Rule):
    """A § 14a EnWG dimming: controllable devices may draw only ``value`` kW from the grid.

    The household's base load is not dimmed, so grid import may cover it plus ``value`` kW;
    the law guarantees at least 4.2 kW.
    """

    kind: Literal["grid_dimming"]
    value: float = Field(description="kW left to controllable devices (>= 4.2)")
    between: ClockWindow

    @field_validator("value")
    @classmethod
    def _guaranteed_power(cls, value: float) -> float:
        if value < DIMMING_GUARANTEE_KW:
            raise ValueError(
                f"a § 14a dimming must leave at least {DIMMING_GUARANTEE_KW} kW "
                f"(the guaranteed minimum power), got {value:g} kW"
            )
        return value

    def _text(self) -> str:
        return f"grid_dimming {self.value:g} kW{_between_text(self.between)} (§ 14a)"


class ChargeFromPvOnlyRule(_Rule):
    """The battery may charge only from PV surplus, never from the grid (EEG storage rules)."""

    kind: Literal["charge_from_pv_only"]
    between: ClockWindow | None = None

    def _text(self) -> str:
        return f"charge_from_pv_only{_between_text(self.between)}"


class NoBatteryExportRule(_Rule):
    """Battery energy may serve the site's loads but never flow into the grid."""

    kind: Literal["no_battery_export"]
    between: ClockWindow | None = None

    def _text(self) -> str:
        return f"no_battery_export{_between_text(self.between)}"


class MaxCyclesRule(_Rule):
    """At most ``value`` equivalent full cycles per local calendar day (warranty, wear)."""

    kind: Literal["max_cycles_per_day"]
    value: float = Field(gt=0, description="Full cycles: cell-side discharge / capacity.")

    def _text(self) -> str:
        return f"max_cycles_per_day {self.value:g}"


class LoadDeadlineRule(_Rule):
    """A deferrable load must have delivered its energy by a local clock time."""

    kind: Literal["load_deadline"]
    load: str = Field(min_length=1)
    by: time
    energy_kwh: float | None = Field(default=None, gt=0)

    def _text(self) -> str:
        energy = f" {self.energy_kwh:g} kWh" if self.energy_kwh is not None else ""
        return f"load_deadline {self.load}{energy} by {self.by.strftime('%H:%M')}"


class LoadNotBeforeRule(_Rule):
    """A deferrable load may not start before a local clock time."""

    kind: Literal["load_not_before"]
    load: str = Field(min_length=1)
    after: time

    def _text(self) -> str:
        return f"load_not_before {self.load} {self.after.strftime('%H:%M')}"


Rule = Annotated[
    MinSocRule
    | MaxImportRule
    | MaxExportRule
    | NoExportRule
    | GridDimmingRule
    | ChargeFromPvOnlyRule
    | NoBatteryExportRule
    | MaxCyclesRule
    | LoadDeadlineRule
    | LoadNotBeforeRule,
    Field(discriminator="kind"),
]
_RULE_LIST = TypeAdapter(list[Rule])


def parse_rules(data: str | Sequence[Any] | dict[str, Any]) -> list[Rule]:
    """Validate rules from YAML/JSON text, a list of dicts, or ``{"rules": [...]}``.

    Raises :class:`pydantic.ValidationError` naming the offending rule index and field.
    """
    if isinstance(data, str):
        data = yaml.safe_load(data) or []
    if isinstance(data, dict):
        data = data.get("rules", [])
    return _RULE_LIST.validate_python(data)


def load_rules(path: Path) -> list[Rule]:
    """Read and validate a rules file (``.yaml``, ``.yml`` or ``.json``)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return parse_rules(json.loads(text))
    return parse_rules(text)


CapQuantity = Literal[
    "grid_import_kw", "grid_import_above_load_kw", "grid_export_kw", "soc_min_fraction"
]
BatteryFlow = Literal["grid_charging", "battery_export"]


@dataclass(frozen=True)
class StepCap:
    """A per-step bound a rule imposes: an upper cap (grid) or a lower floor (SoC).

    ``grid_import_above_load_kw`` caps grid import at the base load plus ``value`` (dimming).
    """

    quantity: CapQuantity
    steps: BoolArray
    value: float
    key: str
    description: str


@dataclass(frozen=True)
class FlowBan:
    """Steps on which a battery flow may not meet the grid.

    ``grid_charging``: no charging while importing (charge only from PV surplus);
    ``battery_export``: no discharging while exporting (battery energy stays on site).
    """

    flow: BatteryFlow
    steps: BoolArray
    key: str
    description: str


@dataclass(frozen=True)
class CycleLimit:
    """At most ``cycles`` equivalent full cycles per local calendar day."""

    cycles: float
    key: str
    description: str


@dataclass(frozen=True)
class LoadOverride:
    """A rule's change to a deferrable load's window (step indices) or energy."""

    load: str
    key: str
    description: str
    earliest_start: int | None = None
    latest_end: int | None = None
    energy_kwh: float | None = None


@dataclass(frozen=True)
class CompiledRules:
    caps: tuple[StepCap, ...] = ()
    load_overrides: tuple[LoadOverride, ...] = ()
    bans: tuple[FlowBan, ...] = ()
    cycle_limits: tuple[CycleLimit, ...] = ()

    def descriptions(self) -> dict[str, str]:
        records: tuple[StepCap | LoadOverride | FlowBan | CycleLimit, ...] = (
            *self.caps,
            *self.load_overrides,
            *self.bans,
            *self.cycle_limits,
        )
        return {record.key: record.description for record in records}

    def without(self, keys: frozenset[str]) -> CompiledRules:
        """These rules less the ones named in ``keys`` (a diagnosis relaxing them)."""
        return CompiledRules(
            tuple(c for c in self.caps if c.key not in keys),
            tuple(o for o in self.load_overrides if o.key not in keys),
            tuple(b for b in self.bans if b.key not in keys),
            tuple(c for c in self.cycle_limits if c.key not in keys),
        )


class RuleCompilationError(ValueError):
    """A rule that is valid on its own but cannot apply to this problem."""


def rule_key(index: int) -> str:
    return f"rules[{index}]"


def compile_rules(
    rules: Sequence[Rule], grid: StepGrid, load_names: Sequence[str], has_battery: bool
) -> CompiledRules:
    """Map rules onto ``grid``; raises :class:`RuleCompilationError` naming the rule."""
    caps: list[StepCap] = []
    overrides: list[LoadOverride] = []
    bans: list[FlowBan] = []
    cycles: list[CycleLimit] = []
    for index, rule in enumerate(rules):
        key = rule_key(index)
        where = f"rule {index}: {rule.describe()}"
        needs_battery = MinSocRule | ChargeFromPvOnlyRule | NoBatteryExportRule | MaxCyclesRule
        if isinstance(rule, needs_battery) and not has_battery:
            raise RuleCompilationError(f"{where}: there is no battery")
        if isinstance(rule, MinSocRule | MaxImportRule | MaxExportRule | NoExportRule):
            caps.append(_cap(rule, grid, key, where))
        elif isinstance(rule, GridDimmingRule):
            steps = grid.steps_within_clock(rule.between)
            caps.append(StepCap("grid_import_above_load_kw", steps, rule.value, key, where))
        elif isinstance(rule, ChargeFromPvOnlyRule | NoBatteryExportRule):
            flow: BatteryFlow = (
                "grid_charging" if isinstance(rule, ChargeFromPvOnlyRule) else "battery_export"
            )
            bans.append(FlowBan(flow, grid.steps_within_clock(rule.between), key, where))
        elif isinstance(rule, MaxCyclesRule):
            cycles.append(CycleLimit(rule.value, key, where))
        else:
            overrides.append(_load_override(rule, grid, load_names, key, where))
    return CompiledRules(tuple(caps), tuple(overrides), tuple(bans), tuple(cycles))


def _cap(
    rule: MinSocRule | MaxImportRule | MaxExportRule | NoExportRule,
    grid: StepGrid,
    key: str,
    where: str,
) -> StepCap:
    steps = grid.steps_within_clock(rule.between)
    if isinstance(rule, MinSocRule):
        return StepCap("soc_min_fraction", steps, rule.value_pct / 100, key, where)
    if isinstance(rule, MaxImportRule):
        return StepCap("grid_import_kw", steps, rule.value, key, where)
    value = 0.0 if isinstance(rule, NoExportRule) else rule.value
    return StepCap("grid_export_kw", steps, value, key, where)


def _load_override(
    rule: LoadDeadlineRule | LoadNotBeforeRule,
    grid: StepGrid,
    load_names: Sequence[str],
    key: str,
    where: str,
) -> LoadOverride:
    if rule.load not in load_names:
        raise RuleCompilationError(
            f"{where}: load {rule.load!r} is not among the deferrable loads {list(load_names)}"
        )
    is_deadline = isinstance(rule, LoadDeadlineRule)
    clock = rule.by if isinstance(rule, LoadDeadlineRule) else rule.after
    boundary = grid.first_boundary_at_clock(clock, include_start=not is_deadline)
    if boundary is None:
        raise RuleCompilationError(
            f"{where}: {clock.strftime('%H:%M')} does not occur between "
            f"{grid.clock(0)} and {grid.end_clock(grid.n_steps)} of this horizon"
        )
    if isinstance(rule, LoadDeadlineRule):
        return LoadOverride(rule.load, key, where, latest_end=boundary, energy_kwh=rule.energy_kwh)
    return LoadOverride(rule.load, key, where, earliest_start=boundary)
