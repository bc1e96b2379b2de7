"""The LP/MILP of docs/optimiser.md, assembled as sparse arrays for HiGHS.

Variables are energies per step (kWh). The model is built from :class:`Limits` alone; which
steps get a mode binary (import/export, charge/discharge, and under flow bans charge/import and
discharge/export) is decided by the caller (see ``solve.py``), because the LP relaxation is
already exact on most steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from luna.optimisation.limits import CycleCap, FloatArray, Limits, LoadSpec

IntArray = npt.NDArray[np.int64]
Stage = Literal["cost", "min_import"]
Mode = Literal["grid", "battery", "grid_charging", "battery_export"]
"""Pairs of flows that may not both be positive in a step: import/export, charge/discharge,
charge/import (no grid charging) and discharge/export (no battery export)."""
MODES: tuple[Mode, ...] = ("grid", "battery", "grid_charging", "battery_export")
TIE_BREAK_EUR_KWH = 1e-6


@dataclass(frozen=True)
class ModelOptions:
    """Which mode binaries to add (steps per mode) and what to minimise."""

    binary_steps: Mapping[Mode, frozenset[int]] = field(default_factory=dict)
    stage: Stage = "cost"
    import_cap_kwh: float | None = None


@dataclass(frozen=True)
class Columns:
    """Where each variable family sits in the solution vector (one index per step)."""

    grid_import: IntArray
    grid_export: IntArray
    pv_curtailed: IntArray
    charge: IntArray | None
    discharge: IntArray | None
    soc: IntArray | None
    loads: dict[str, IntArray]

    def pair(self, mode: Mode) -> tuple[IntArray, IntArray] | None:
        """The two flows ``mode`` keeps apart (None without a battery, for battery modes)."""
        if mode == "grid":
            return self.grid_import, self.grid_export
        if self.charge is None or self.discharge is None:
            return None
        return {
            "battery": (self.charge, self.discharge),
            "grid_charging": (self.charge, self.grid_import),
            "battery_export": (self.discharge, self.grid_export),
        }[mode]


@dataclass(frozen=True)
class BinaryGroups:
    """How the model's binaries hang together, so a relaxed solution can be rounded feasibly.

    ``choices``: exactly ``count`` binaries among ``columns`` are 1 (a fixed load's on steps,
    a single block's start). ``modes``: binary ``y`` keeps ``first`` (``y = 1``) and ``second``
    (``y = 0``) apart, column by column.
    """

    choices: tuple[tuple[IntArray, int], ...] = ()
    modes: tuple[tuple[IntArray, IntArray, IntArray], ...] = ()
    choice_kwh: tuple[float, ...] = ()
    """Per choice group, the energy one of its binaries switches (``P·Δt`` for an on step,
    ``P·Δt·ℓ`` for a block's start): the order in which a dive fixes groups, largest first."""
    mode_kinds: tuple[Mode, ...] = ()
    """Per entry of ``modes``, the pair of flows it keeps apart."""


@dataclass(frozen=True)
class LinearModel:
    """``min cost·x  s.t.  row_lower <= A x <= row_upper,  col_lower <= x <= col_upper``."""

    cost: FloatArray
    col_lower: FloatArray
    col_upper: FloatArray
    integer: npt.NDArray[np.bool_]
    row_lower: FloatArray
    row_upper: FloatArray
    a_start: npt.NDArray[np.int32]
    a_index: npt.NDArray[np.int32]
    a_value: FloatArray
    columns: Columns
    groups: BinaryGroups = field(default_factory=BinaryGroups)

    @property
    def num_col(self) -> int:
        return len(self.cost)

    @property
    def num_row(self) -> int:
        return len(self.row_lower)

    @property
    def num_binaries(self) -> int:
        return int(self.integer.sum())


@dataclass
class _Builder:
    """Collects columns, rows and (row, col, coefficient) triplets."""

    lower: list[FloatArray] = field(default_factory=list)
    upper: list[FloatArray] = field(default_factory=list)
    cost: list[FloatArray] = field(default_factory=list)
    integer: list[npt.NDArray[np.bool_]] = field(default_factory=list)
    row_lower: list[FloatArray] = field(default_factory=list)
    row_upper: list[FloatArray] = field(default_factory=list)
    rows: list[IntArray] = field(default_factory=list)
    cols: list[IntArray] = field(default_factory=list)
    coefs: list[FloatArray] = field(default_factory=list)
    num_col: int = 0
    num_row: int = 0
    choices: list[tuple[IntArray, int]] = field(default_factory=list)
    choice_kwh: list[float] = field(default_factory=list)
    modes: list[tuple[IntArray, IntArray, IntArray]] = field(default_factory=list)
    mode_kinds: list[Mode] = field(default_factory=list)

    def add_columns(
        self, n: int, lower: object, upper: object, cost: object = 0.0, integer: bool = False
    ) -> IntArray:
        self.lower.append(np.broadcast_to(np.asarray(lower, dtype=float), n))
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=float), n))
        self.cost.append(np.broadcast_to(np.asarray(cost, dtype=float), n))
        self.integer.append(np.full(n, integer))
        index = np.arange(self.num_col, self.num_col + n, dtype=np.int64)
        self.num_col += n
        return index

    def column_upper(self, columns: IntArray) -> FloatArray:
        """Upper bounds of columns added so far, aligned with ``columns``."""
        return np.concatenate(self.upper)[columns]

    def add_rows(self, n: int, lower: object, upper: object) -> IntArray:
        self.row_lower.append(np.broadcast_to(np.asarray(lower, dtype=float), n))
        self.row_upper.append(np.broadcast_to(np.asarray(upper, dtype=float), n))
        index = np.arange(self.num_row, self.num_row + n, dtype=np.int64)
        self.num_row += n
        return index

    def add_terms(self, rows: IntArray, cols: IntArray, coef: object) -> None:
        rows, cols = np.broadcast_arrays(rows, cols)
        self.rows.append(rows.ravel())
        self.cols.append(cols.ravel())
        self.coefs.append(np.broadcast_to(np.asarray(coef, dtype=float), rows.shape).ravel())

    def finish(self, columns: Columns) -> LinearModel:
        rows = np.concatenate(self.rows)
        cols = np.concatenate(self.cols)
        coefs = np.concatenate(self.coefs)
        order = np.lexsort((rows, cols))
        start = np.zeros(self.num_col + 1, dtype=np.int32)
        np.cumsum(np.bincount(cols, minlength=self.num_col), out=start[1:])
        return LinearModel(
            cost=np.concatenate(self.cost),
            col_lower=np.concatenate(self.lower),
            col_upper=np.concatenate(self.upper),
            integer=np.concatenate(self.integer),
            row_lower=np.concatenate(self.row_lower),
            row_upper=np.concatenate(self.row_upper),
            a_start=start,
            a_index=rows[order].astype(np.int32),
            a_value=coefs[order],
            columns=columns,
            groups=BinaryGroups(
                tuple(self.choices),
                tuple(self.modes),
                tuple(self.choice_kwh),
                tuple(self.mode_kinds),
            ),
        )


def build_model(limits: Limits, options: ModelOptions) -> LinearModel:
    """Assemble the schedule model for ``limits``."""
    n = limits.n
    b = _Builder()
    by_cost = options.stage == "cost"
    curtail_max = limits.pv_kwh if limits.allow_curtailment else 0.0

    imp = b.add_columns(n, 0.0, limits.import_max_kwh, limits.import_price if by_cost else 1.0)
    exp = b.add_columns(n, 0.0, limits.export_max_kwh, -limits.export_price if by_cost else 0.0)
    curt = b.add_columns(n, 0.0, curtail_max)
    # Energy balance: pv - curtailed + import + discharge = load + deferrable + charge + export.
    balance = b.add_rows(n, limits.load_kwh - limits.pv_kwh, limits.load_kwh - limits.pv_kwh)
    b.add_terms(balance, imp, 1.0)
    b.add_terms(balance, exp, -1.0)
    b.add_terms(balance, curt, -1.0)

    charge = discharge = soc = None
    battery = limits.battery
    if battery is not None:
        charge = b.add_columns(n, 0.0, battery.charge_cap_kwh)
        wear = battery.throughput_cost_eur_kwh if by_cost else 0.0
        discharge = b.add_columns(n, 0.0, battery.discharge_cap_kwh, wear)
        soc_lower = battery.soc_min_kwh.copy()
        soc_upper = battery.soc_max_kwh.copy()
        soc_lower[-1] = max(soc_lower[-1], battery.final_min_kwh)
        if battery.final_equal:
            soc_upper[-1] = battery.final_min_kwh
        soc = b.add_columns(n, soc_lower, soc_upper, TIE_BREAK_EUR_KWH if by_cost else 0.0)
        b.add_terms(balance, discharge, 1.0)
        b.add_terms(balance, charge, -1.0)
        # SoC dynamics: soc[t] - soc[t-1] - eta_c * charge[t] + discharge[t] / eta_d = 0.
        start = np.r_[battery.initial_kwh, np.zeros(n - 1)]
        dynamics = b.add_rows(n, start, start)
        b.add_terms(dynamics, soc, 1.0)
        b.add_terms(dynamics[1:], soc[:-1], -1.0)
        b.add_terms(dynamics, charge, -battery.charge_efficiency)
        b.add_terms(dynamics, discharge, 1.0 / battery.discharge_efficiency)
        if battery.cycle_cap is not None:
            _add_cycle_rows(b, battery.cycle_cap, discharge, 1.0 / battery.discharge_efficiency)

    # Tie-breaks among equally cheap schedules (worth < 0.01 EUR a day): deferrable loads run
    # as early as possible and the battery holds as little energy as it can, which makes
    # schedules stable and their explanations short.
    earlier = TIE_BREAK_EUR_KWH * np.arange(n, dtype=float) * (1.0 if by_cost else 0.0)
    loads = {spec.name: _add_load(b, spec, balance, earlier) for spec in limits.loads}
    surplus = np.clip(limits.pv_kwh - limits.load_kwh, 0.0, None)
    for spec in limits.loads:
        _add_supply_when_on_rows(b, spec, loads[spec.name], surplus, imp, discharge)
    _add_pair_supply_rows(b, limits.loads, loads, surplus, imp, discharge)

    if options.import_cap_kwh is not None:
        cap = b.add_rows(1, -np.inf, options.import_cap_kwh)
        b.add_terms(cap, imp, 1.0)
    columns = Columns(imp, exp, curt, charge, discharge, soc, loads)
    for mode, steps in options.binary_steps.items():
        pair = columns.pair(mode)
        if pair is not None and steps:
            _add_binaries(b, mode, sorted(steps), *pair)
    return b.finish(columns)


def _add_cycle_rows(b: _Builder, cap: CycleCap, discharge: IntArray, per_kwh: float) -> None:
    """Per local day: cell-side discharge ``sum b-_t / eta_d <= cycles · C``."""
    for first, end in cap.days:
        row = b.add_rows(1, -np.inf, cap.cell_discharge_kwh)
        b.add_terms(row, discharge[first:end], per_kwh)


def _add_binaries(
    b: _Builder, kind: Mode, steps: list[int], first: IntArray, second: IntArray
) -> None:
    """Mode binary per step: ``first <= M1·y`` and ``second <= M2·(1 - y)``, M = upper bounds."""
    first_max, second_max = b.column_upper(first), b.column_upper(second)
    at = np.asarray(steps, dtype=np.int64)
    mode = b.add_columns(len(at), 0.0, 1.0, integer=True)
    b.modes.append((mode, first[at], second[at]))
    b.mode_kinds.append(kind)
    first_row = b.add_rows(len(at), -np.inf, 0.0)
    b.add_terms(first_row, first[at], 1.0)
    b.add_terms(first_row, mode, -first_max[at])
    second_row = b.add_rows(len(at), -np.inf, second_max[at])
    b.add_terms(second_row, second[at], 1.0)
    b.add_terms(second_row, mode, second_max[at])


def _add_supply_when_on_rows(
    b: _Builder,
    spec: LoadSpec,
    power: IntArray,
    surplus: FloatArray,
    imp: IntArray,
    discharge: IntArray | None,
) -> None:
    """Tighten a fixed-power load where PV surplus covers only part of a step's run.

    A fixed load either draws ``P = P_k·Δt`` or nothing, so when it runs the grid or the battery
    must supply what the surplus ``s_t = (PV_t - L_t)^+`` lacks:
    ``g+_t + b-_t >= (1 - s_t/P)·d_t``. The row is valid for every integer schedule (curtailment,
    charging, export and other loads only raise the need) but cuts off the LP relaxation's
    favourite trick, running the load at exactly ``o_t = s_t/P`` to soak up the surplus at the
    feed-in price. With it the relaxation prices a step's run at the average of its surplus and
    import parts, which is the convex hull of "on or off" in that step; on the benchmark the
    relaxation is then integral, or close enough to prove the rounded schedule optimal.
    """
    if not spec.fixed or spec.energy_kwh <= 0:
        return
    steps = np.arange(spec.first, spec.end)
    share = surplus[steps] / spec.max_kwh_per_step
    partly = steps[(share > 0) & (share < 1)]
    if len(partly) == 0:
        return
    rows = b.add_rows(len(partly), 0.0, np.inf)
    b.add_terms(rows, imp[partly], 1.0)
    if discharge is not None:
        b.add_terms(rows, discharge[partly], 1.0)
    b.add_terms(rows, power[partly], -(1.0 - surplus[partly] / spec.max_kwh_per_step))


def _add_pair_supply_rows(
    b: _Builder,
    specs: tuple[LoadSpec, ...],
    loads: Mapping[str, IntArray],
    surplus: FloatArray,
    imp: IntArray,
    discharge: IntArray | None,
) -> None:
    """The supply-when-on rows for two fixed-power loads running in the same step.

    With ``P_i, P_j`` their energies per step and ``o = d/P`` their on-values, two loads that
    both run need ``P_i + P_j - s_t`` from the grid or the battery, one alone possibly
    nothing: ``g+_t + b-_t >= (P_i + P_j - s_t)(o_i + o_j - 1)`` holds for every integer
    schedule (the right side is <= 0 unless both run). Without it the relaxation lets each load
    soak up the same surplus, e.g. a pump and a compressor that each fit into the midday
    surplus alone but not together (``sme_peak_machines`` in the benchmark).
    """
    fixed = [spec for spec in specs if spec.fixed and spec.energy_kwh > 0]
    for i, first in enumerate(fixed):
        for second in fixed[i + 1 :]:
            lo, hi = max(first.first, second.first), min(first.end, second.end)
            steps = np.arange(lo, hi)
            both = first.max_kwh_per_step + second.max_kwh_per_step
            steps = steps[(surplus[steps] > 0) & (surplus[steps] < both)]
            if len(steps) == 0:
                continue
            need = both - surplus[steps]
            rows = b.add_rows(len(steps), -need, np.inf)
            b.add_terms(rows, imp[steps], 1.0)
            if discharge is not None:
                b.add_terms(rows, discharge[steps], 1.0)
            for spec in (first, second):
                b.add_terms(rows, loads[spec.name][steps], -need / spec.max_kwh_per_step)


def _add_load(b: _Builder, spec: LoadSpec, balance: IntArray, cost: FloatArray) -> IntArray:
    """Columns for one deferrable load, its energy row and, if fixed, its on/start binaries."""
    n = len(balance)
    window = np.zeros(n, dtype=bool)
    window[spec.first : spec.end] = True
    active = spec.energy_kwh > 0
    power = b.add_columns(n, 0.0, np.where(window & active, spec.max_kwh_per_step, 0.0), cost)
    b.add_terms(balance, power, -1.0)
    if not active:
        return power
    inside = power[window]
    energy = b.add_rows(1, spec.energy_kwh, spec.energy_kwh)
    b.add_terms(energy, inside, 1.0)
    if not spec.fixed:
        return power
    # Fixed power: power[t] = P·Δt · (load on at t); on at t is a binary, or for a single block
    # the sum of the block-start binaries that cover t.
    link = b.add_rows(len(inside), 0.0, 0.0)
    b.add_terms(link, inside, 1.0)
    if not spec.single_block:
        on = b.add_columns(len(inside), 0.0, 1.0, integer=True)
        b.add_terms(link, on, -spec.max_kwh_per_step)
        b.choices.append((on, spec.steps_on))
        b.choice_kwh.append(spec.max_kwh_per_step)
        return power
    length = spec.steps_on
    starts = np.arange(spec.first, max(spec.end - length + 1, spec.first))
    start = b.add_columns(len(starts), 0.0, 1.0, integer=True)
    b.choices.append((start, 1))
    b.choice_kwh.append(spec.max_kwh_per_step * length)
    one_block = b.add_rows(1, 1.0, 1.0)
    b.add_terms(one_block, start, 1.0)
    for offset in range(length):
        b.add_terms(link[starts - spec.first + offset], start, -spec.max_kwh_per_step)
    return power
