"""The LP/MILP of docs/optimiser.md, assembled as sparse arrays for HiGHS.

Variables are energies per step (kWh). The model is built from :class:`Limits` alone; which
steps get an import/export or charge/discharge binary is decided by the caller (see
``solve.py``), because the LP relaxation is already exact on most steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from luna.optimisation.limits import FloatArray, Limits, LoadSpec

IntArray = npt.NDArray[np.int64]
Stage = Literal["cost", "min_import"]
TIE_BREAK_EUR_KWH = 1e-6


@dataclass(frozen=True)
class ModelOptions:
    """Which binaries to add and what to minimise."""

    grid_binary_steps: frozenset[int] = frozenset()
    battery_binary_steps: frozenset[int] = frozenset()
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
    grid_steps = sorted(options.grid_binary_steps)
    _add_binaries(b, grid_steps, (imp, limits.import_max_kwh), (exp, limits.export_max_kwh))

    charge = discharge = soc = None
    battery = limits.battery
    if battery is not None:
        charge = b.add_columns(n, 0.0, battery.max_charge_kwh)
        wear = battery.throughput_cost_eur_kwh if by_cost else 0.0
        discharge = b.add_columns(n, 0.0, battery.max_discharge_kwh, wear)
        soc_lower = battery.soc_min_kwh.copy()
        soc_lower[-1] = max(soc_lower[-1], battery.final_min_kwh)
        soc = b.add_columns(
            n, soc_lower, battery.soc_max_kwh, TIE_BREAK_EUR_KWH if by_cost else 0.0
        )
        b.add_terms(balance, discharge, 1.0)
        b.add_terms(balance, charge, -1.0)
        # SoC dynamics: soc[t] - soc[t-1] - eta_c * charge[t] + discharge[t] / eta_d = 0.
        start = np.r_[battery.initial_kwh, np.zeros(n - 1)]
        dynamics = b.add_rows(n, start, start)
        b.add_terms(dynamics, soc, 1.0)
        b.add_terms(dynamics[1:], soc[:-1], -1.0)
        b.add_terms(dynamics, charge, -battery.charge_efficiency)
        b.add_terms(dynamics, discharge, 1.0 / battery.discharge_efficiency)
        _add_binaries(
            b,
            sorted(options.battery_binary_steps),
            (charge, np.full(n, battery.max_charge_kwh)),
            (discharge, np.full(n, battery.max_discharge_kwh)),
        )

    # Tie-breaks among equally cheap schedules (worth < 0.01 EUR a day): deferrable loads run
    # as early as possible and the battery holds as little energy as it can, which makes
    # schedules stable and their explanations short.
    earlier = TIE_BREAK_EUR_KWH * np.arange(n, dtype=float) * (1.0 if by_cost else 0.0)
    loads = {spec.name: _add_load(b, spec, balance, earlier) for spec in limits.loads}

    if options.import_cap_kwh is not None:
        cap = b.add_rows(1, -np.inf, options.import_cap_kwh)
        b.add_terms(cap, imp, 1.0)
    return b.finish(Columns(imp, exp, curt, charge, discharge, soc, loads))


def _add_binaries(
    b: _Builder,
    steps: list[int],
    first_family: tuple[IntArray, FloatArray],
    second_family: tuple[IntArray, FloatArray],
) -> None:
    """Mode binary per step: ``first <= M1·y`` and ``second <= M2·(1 - y)``."""
    if not steps:
        return
    (first, first_max), (second, second_max) = first_family, second_family
    at = np.asarray(steps, dtype=np.int64)
    mode = b.add_columns(len(at), 0.0, 1.0, integer=True)
    first_row = b.add_rows(len(at), -np.inf, 0.0)
    b.add_terms(first_row, first[at], 1.0)
    b.add_terms(first_row, mode, -first_max[at])
    second_row = b.add_rows(len(at), -np.inf, second_max[at])
    b.add_terms(second_row, second[at], 1.0)
    b.add_terms(second_row, mode, second_max[at])


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
        return power
    length = spec.steps_on
    starts = np.arange(spec.first, max(spec.end - length + 1, spec.first))
    start = b.add_columns(len(starts), 0.0, 1.0, integer=True)
    one_block = b.add_rows(1, 1.0, 1.0)
    b.add_terms(one_block, start, 1.0)
    for offset in range(length):
        b.add_terms(link[starts - spec.first + offset], start, -spec.max_kwh_per_step)
    return power
