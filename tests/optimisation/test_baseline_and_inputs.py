"""The naive baseline savings are measured against, and input validation at the boundary."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from luna.optimisation.baseline import naive_baseline
from luna.optimisation.limits import build_limits
from tests.optimisation.scenarios import make


def test_baseline_runs_loads_at_full_power_from_window_opening_with_battery_idle():
    problem = make(
        battery=None,
        import_price_eur_kwh=[0.1] * 4 + [0.3] * 4,
        export_price_eur_kwh=0.0,
        load_kwh=[0.0] * 8,
        pv_kwh=0.0,
        deferrable_loads=[{"name": "ev", "power_kw": 4.0, "energy_kwh": 1.5, "earliest_start": 3}],
    )
    baseline = naive_baseline(build_limits(problem))
    assert baseline.grid_import_kwh.tolist() == [0, 0, 0, 1.0, 0.5, 0, 0, 0]
    assert baseline.cost_eur == pytest.approx(0.1 * 1.0 + 0.3 * 0.5)


def test_series_of_different_lengths_are_rejected():
    with pytest.raises(ValidationError, match="load_kwh has 95 steps, expected 96"):
        make(load_kwh=[0.2] * 95)


def test_scalar_feed_in_price_and_pv_are_broadcast_to_every_step():
    problem = make(export_price_eur_kwh=0.07, pv_kwh=0.0)
    assert problem.export_price_eur_kwh == [0.07] * 96
    assert problem.pv_kwh == [0.0] * 96


def test_single_block_needs_fixed_power():
    with pytest.raises(ValidationError, match="single_block requires power_mode 'fixed'"):
        make(
            deferrable_loads=[{"name": "dw", "power_kw": 2, "energy_kwh": 1, "single_block": True}]
        )


def test_window_outside_the_horizon_is_rejected():
    with pytest.raises(ValidationError, match=r"deferrable_loads\[0\] \(ev\): window \[0, 120\)"):
        make(deferrable_loads=[{"name": "ev", "power_kw": 11, "energy_kwh": 5, "latest_end": 120}])


def test_naive_start_and_unknown_zone_are_rejected():
    with pytest.raises(ValidationError, match="timezone"):
        make(timezone="Mars/Olympus")
    with pytest.raises(ValidationError, match="start"):
        make(start=make().start.replace(tzinfo=None))


def test_soc_band_must_be_ordered():
    with pytest.raises(ValidationError, match="soc_min_fraction must not exceed soc_max_fraction"):
        make(battery={**make().battery.model_dump(), "soc_min_fraction": 0.95})


def test_load_window_given_as_instants_snaps_inward_to_step_boundaries():
    start = make().start
    ev = {
        "name": "ev",
        "power_kw": 11.0,
        "energy_kwh": 5.0,
        "earliest_start": start.replace(hour=1, minute=5).isoformat(),
        "latest_end": start.replace(hour=7, minute=10).isoformat(),
    }
    load = build_limits(make(deferrable_loads=[ev])).loads[0]
    assert (load.first, load.end) == (5, 28)
