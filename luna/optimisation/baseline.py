"""The naive schedule savings are measured against: what the site does without an optimiser."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from luna.optimisation.limits import FloatArray, Limits, LoadSpec

BASELINE_POLICY = (
    "battery idle, deferrable loads at full power from the opening of their window, "
    "surplus PV exported up to the export limit"
)


@dataclass(frozen=True)
class Baseline:
    cost_eur: float
    grid_import_kwh: FloatArray
    grid_export_kwh: FloatArray
    policy: str = BASELINE_POLICY


def naive_baseline(limits: Limits) -> Baseline:
    """Cost of the naive policy; it ignores import caps, as an uncontrolled site would."""
    demand = limits.load_kwh.copy()
    for load in limits.loads:
        demand += _as_early_as_possible(load, limits.n)
    net = demand - limits.pv_kwh
    grid_import = np.maximum(net, 0.0)
    grid_export = np.minimum(np.maximum(-net, 0.0), limits.export_max_kwh)
    cost = float(limits.import_price @ grid_import - limits.export_price @ grid_export)
    return Baseline(cost, grid_import, grid_export)


def _as_early_as_possible(load: LoadSpec, n: int) -> FloatArray:
    energy = np.zeros(n)
    remaining = load.energy_kwh
    for t in range(load.first, load.end):
        if remaining <= 1e-12:
            break
        energy[t] = min(load.max_kwh_per_step, remaining)
        remaining -= energy[t]
    return energy
