"""Optimiser benchmark: a 96-step day with a battery and two deferrable loads.

    .venv/bin/python benchmarks/_optimiser.py [--repeats 20]

``run()`` returns medians in milliseconds: HiGHS time for the LP (both loads variable power),
the same with model building, the whole ``optimise()`` call with and without the re-solves that
price binding constraints, and the MILP variant where the second load is a single-block
dishwasher. Target: LP solve < 100 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np

from luna.optimisation import OptimisationInput, local_midnight, optimise
from luna.optimisation.limits import build_limits
from luna.optimisation.solve import solve

DAY = date(2025, 6, 2)
EV = {"name": "ev", "power_kw": 11.0, "energy_kwh": 30.0}
BUFFER = {"name": "heat_pump_buffer", "power_kw": 3.0, "energy_kwh": 6.0, "earliest_start": 40}
DISHWASHER = {
    "name": "dishwasher",
    "power_kw": 2.0,
    "energy_kwh": 1.5,
    "power_mode": "fixed",
    "single_block": True,
}


def problem(second_load: dict[str, Any] = BUFFER) -> OptimisationInput:
    """The benchmark day: two price peaks, a PV bell, an evening load bump and a few rules."""
    hours = np.arange(96) / 4
    price = 0.28 + 0.12 * np.sin((hours - 12) / 24 * 2 * np.pi) + 0.02 * np.cos(hours * 3)
    price[(hours >= 17) & (hours < 21)] += 0.15
    return OptimisationInput(
        start=local_midnight(DAY),
        import_price_eur_kwh=price.round(4).tolist(),
        export_price_eur_kwh=0.08,
        load_kwh=(0.2 + 0.3 * ((hours >= 17) & (hours < 22))).tolist(),
        pv_kwh=(np.clip(np.sin((hours - 6) / 12 * np.pi), 0, None) * 1.5).tolist(),
        grid={"max_import_kw": 17.0, "max_export_kw": 7.0},
        battery={
            "capacity_kwh": 10.0,
            "max_charge_kw": 5.0,
            "max_discharge_kw": 5.0,
            "initial_soc_fraction": 0.5,
        },
        deferrable_loads=[EV, second_load],
        rules=[
            {"kind": "min_soc", "value_pct": 20},
            {"kind": "load_deadline", "load": "ev", "by": "07:00"},
            {"kind": "max_import_kw", "value": 11, "between": ["17:00", "20:00"]},
        ],
    )


def _median_ms(measure: Callable[[], float], repeats: int) -> float:
    measure()  # warm-up: imports, first HiGHS instance
    return statistics.median(measure() for _ in range(repeats))


def _wall_ms(call: Callable[[], object]) -> Callable[[], float]:
    def measure() -> float:
        started = time.perf_counter()
        call()
        return 1000 * (time.perf_counter() - started)

    return measure


def run(repeats: int = 20) -> dict[str, float]:
    lp = problem()
    milp = problem(DISHWASHER)
    lp_limits = build_limits(lp)
    milp_limits = build_limits(milp)
    return {
        "lp_solve_ms": _median_ms(lambda: 1000 * solve(lp_limits).solve_seconds, repeats),
        "lp_build_and_solve_ms": _median_ms(_wall_ms(lambda: solve(build_limits(lp))), repeats),
        "optimise_ms": _median_ms(
            _wall_ms(lambda: optimise(lp, measure_constraints=False)), repeats
        ),
        "optimise_explained_ms": _median_ms(_wall_ms(lambda: optimise(lp)), repeats),
        "milp_solve_ms": _median_ms(lambda: 1000 * solve(milp_limits).solve_seconds, repeats),
        "milp_optimise_ms": _median_ms(
            _wall_ms(lambda: optimise(milp, measure_constraints=False)), repeats
        ),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    figures = run(parser.parse_args().repeats)
    for name, value in figures.items():
        print(f"{name:>24}: {value:8.2f}")
