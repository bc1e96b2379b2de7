"""Operator rules as data, and their compilation onto the step grid.

A rule is a small validated record (``{"kind": "min_soc", "value_pct": 20}``) that an operator
can write in YAML or JSON. Rules never touch the solver directly: :func:`compile_rules` turns
them into per-step caps and load-window overrides, each labelled with the rule it came from so
that binding constraints and infeasibilities can be explained in the operator's own terms.
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
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

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


@dataclass(frozen=True)
class StepCap:
    """A per-step bound a rule imposes: an upper cap (grid) or a lower floor (SoC)."""

    quantity: Literal["grid_import_kw", "grid_export_kw", "soc_min_fraction"]
    steps: BoolArray
    value: float
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

    def descriptions(self) -> dict[str, str]:
        words = {cap.key: cap.description for cap in self.caps}
        return words | {o.key: o.description for o in self.load_overrides}


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
    for index, rule in enumerate(rules):
        key = rule_key(index)
        where = f"rule {index}: {rule.describe()}"
        if isinstance(rule, MinSocRule):
            if not has_battery:
                raise RuleCompilationError(f"{where}: there is no battery")
            steps = grid.steps_within_clock(rule.between)
            caps.append(StepCap("soc_min_fraction", steps, rule.value_pct / 100, key, where))
        elif isinstance(rule, MaxImportRule | MaxExportRule | NoExportRule):
            quantity: Literal["grid_import_kw", "grid_export_kw"] = (
                "grid_import_kw" if isinstance(rule, MaxImportRule) else "grid_export_kw"
            )
            value = 0.0 if isinstance(rule, NoExportRule) else rule.value
            caps.append(StepCap(quantity, grid.steps_within_clock(rule.between), value, key, where))
        else:
            if rule.load not in load_names:
                raise RuleCompilationError(
                    f"{where}: load {rule.load!r} is not among the deferrable loads "
                    f"{list(load_names)}"
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
                overrides.append(
                    LoadOverride(
                        rule.load, key, where, latest_end=boundary, energy_kwh=rule.energy_kwh
                    )
                )
            else:
                overrides.append(LoadOverride(rule.load, key, where, earliest_start=boundary))
    return CompiledRules(tuple(caps), tuple(overrides))
