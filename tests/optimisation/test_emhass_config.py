"""EMHASS ``config.json`` → Luna: what maps, what is refused, and that the optimum matches."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from luna.optimisation import optimise
from luna.optimisation.emhass_config import (
    NEUTRAL,
    PER_LOAD_NEUTRAL,
    EmhassConfigError,
    EmhassData,
    map_emhass_config,
    read_data,
)

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).parent / "data" / "emhass_config.json"
EMHASS_PYTHON = ROOT / "benchmarks" / ".emhass-venv" / "bin" / "python"
START = datetime(2025, 6, 2, tzinfo=ZoneInfo("Europe/Berlin"))
N = 48


def config() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CONFIG.read_text())
    return data


def day(n: int = N) -> EmhassData:
    h = np.arange(n) * 24 / n
    load = 400 + 600 * ((h >= 17) & (h < 22)) + 200 * ((h >= 7) & (h < 8))
    pv = 5000 * np.clip(np.sin((h - 6) / 14 * np.pi), 0, None)
    return EmhassData(start=START, load_w=load.tolist(), pv_w=pv.round(1).tolist())


def test_documented_defaults_config_maps_and_solves() -> None:
    mapping = map_emhass_config(config(), day())
    problem = mapping.problem
    assert problem.step_minutes == 30
    assert len(problem.load_kwh) == N
    assert problem.timezone == "Europe/Berlin"
    battery = problem.battery
    assert battery is not None
    assert battery.capacity_kwh == 10
    # EMHASS's power limits are cell side: AC discharge eta_d * P, AC charge P / eta_c.
    assert battery.max_discharge_kw == pytest.approx(4 * 0.95)
    assert battery.max_charge_kw == pytest.approx(4 / 0.95)
    assert (battery.soc_min_fraction, battery.soc_max_fraction) == (0.15, 0.95)
    assert battery.initial_soc_fraction == 0.5
    assert battery.final_target_fraction == 0.5
    assert battery.final_soc_mode == "equal"
    assert battery.throughput_cost_eur_kwh == 0.01
    assert [r.kind for r in problem.rules] == ["no_battery_export"]  # EMHASS default: on
    first, second = problem.deferrable_loads
    assert (first.power_kw, first.energy_kwh, first.power_mode) == (3.0, 12.0, "fixed")
    assert (second.single_block, second.earliest_start, second.latest_end) == (True, 16, 40)
    assert problem.grid.max_import_kw == 11
    assert problem.grid.max_export_kw == 7
    assert problem.allow_pv_curtailment
    # hp_hc_periods tariff: peak 02:54–15:24 and 17:24–20:24 local, off-peak elsewhere.
    prices = problem.import_price_eur_kwh
    assert prices[0] == 0.1419
    assert prices[6] == 0.1907
    assert prices[36] == 0.1907
    assert prices[32] == 0.1419
    assert set(problem.export_price_eur_kwh) == {0.1419}
    assert "hass_url" in mapping.ignored
    assert "sensor_power_photovoltaics" in mapping.ignored
    result = optimise(problem)
    assert result.status == "optimal"
    assert result.deferrable_loads[0].energy_kwh == pytest.approx(12.0)
    assert result.total_cost_eur <= result.baseline_cost_eur + 1e-9


def test_runtime_arrays_and_soc_defaults() -> None:
    cfg = config() | {
        "soc_init": 0.3,
        "load_power_forecast": [500.0] * 24,
        "pv_power_forecast": [0.0] * 24,
        "load_cost_forecast": [0.3] * 24,
        "prod_price_forecast": [0.05] * 24,
        "number_of_deferrable_loads": 0,
        "costfun": "cost",
    }
    mapping = map_emhass_config(cfg, start=START)
    problem = mapping.problem
    assert problem.battery is not None
    # EMHASS: soc_final defaults to soc_init when only that is given.
    assert problem.battery.final_target_fraction == 0.3
    assert problem.export_price_eur_kwh == [0.0] * 24  # costfun 'cost' values no feed-in
    assert any("costfun 'cost'" in note for note in mapping.notes)


def test_charge_weight_folds_into_the_wear_cost() -> None:
    cfg = config() | {"weight_battery_discharge": 0.01, "weight_battery_charge": 0.02}
    battery = map_emhass_config(cfg, day()).problem.battery
    assert battery is not None
    assert battery.throughput_cost_eur_kwh == pytest.approx(0.01 + 0.02 / 0.95**2)


def _off_value(neutral: Any) -> Any:
    if isinstance(neutral, bool):
        return not neutral
    if neutral is None or neutral == []:
        return [{"anything": 1}]
    return neutral + 2


@pytest.mark.parametrize("name", sorted(NEUTRAL))
def test_each_unmappable_parameter_is_refused(name: str) -> None:
    neutral, lack = NEUTRAL[name]
    cfg = config() | {name: _off_value(neutral)}
    with pytest.raises(EmhassConfigError) as err:
        map_emhass_config(cfg, day())
    assert [p for p, _ in err.value.problems] == [name]
    assert name in str(err.value)
    assert lack in str(err.value)


@pytest.mark.parametrize("name", sorted(PER_LOAD_NEUTRAL))
def test_each_unmappable_per_load_parameter_is_refused(name: str) -> None:
    neutral, lack = PER_LOAD_NEUTRAL[name]
    cfg = config() | {name: [neutral, _off_value(neutral)]}
    with pytest.raises(EmhassConfigError) as err:
        map_emhass_config(cfg, day())
    assert [p for p, _ in err.value.problems] == [name]
    assert lack in str(err.value)


@pytest.mark.parametrize(
    ("change", "culprit", "words"),
    [
        ({"battery_sizing": True}, "battery_sizing", "unknown EMHASS parameter"),
        ({"maximum_power_from_grid": [9000, 5000] * 24}, "maximum_power_from_grid", "per-step"),
        ({"weight_battery_charge": [0.0, 0.1] * 24}, "weight_battery_charge", "time-varying"),
        ({"load_cost_forecast_method": "csv"}, "load_cost_forecast_method", "import prices"),
        ({"production_price_forecast_method": "csv"}, "production_price_forecast_method", "feed"),
        ({"costfun": "magic"}, "costfun", "profit"),
    ],
)
def test_other_refusals_name_the_parameter(
    change: dict[str, Any], culprit: str, words: str
) -> None:
    with pytest.raises(EmhassConfigError) as err:
        map_emhass_config(config() | change, day())
    assert culprit in str(err.value)
    assert words in str(err.value)


def test_all_refusals_are_listed_together() -> None:
    cfg = config() | {"inverter_is_hybrid": True, "set_battery_dynamic": True, "foo": 1}
    with pytest.raises(EmhassConfigError) as err:
        map_emhass_config(cfg, day())
    assert {p for p, _ in err.value.problems} == {
        "inverter_is_hybrid",
        "set_battery_dynamic",
        "foo",
    }


def test_csv_data_in_watts_with_timestamp(tmp_path: Path) -> None:
    path = tmp_path / "day.csv"
    rows = ["timestamp,load_w,pv_w,import_price,export_price"]
    rows += [f"{'2025-06-02T00:00:00+02:00' if t == 0 else ''},1000,0,0.3,0.08" for t in range(4)]
    path.write_text("\n".join(rows) + "\n")
    data = read_data(path)
    cfg = config() | {"number_of_deferrable_loads": 0, "set_use_battery": False}
    problem = map_emhass_config(cfg, data).problem
    assert problem.start == START
    assert problem.load_kwh == [0.5] * 4


# --------------------------------------------------------------------------- EMHASS itself


def _emhass_scenario(cfg: dict[str, Any], data: EmhassData, prices: list[float]) -> dict[str, Any]:
    assert data.start is not None
    return {
        "start_utc": data.start.astimezone(ZoneInfo("UTC")).isoformat(),
        "step_minutes": cfg["optimization_time_step"],
        "timezone": "Europe/Berlin",
        "load_w": data.load_w,
        "pv_w": data.pv_w,
        "import_price": prices,
        "export_price": [cfg["photovoltaic_production_sell_price"]] * len(prices),
        "soc_init": 0.5,
        "soc_final": 0.5,
        "config": cfg | {"lp_solver_mip_rel_gap": 1e-9},
    }


@pytest.mark.skipif(not EMHASS_PYTHON.exists(), reason="benchmarks/.emhass-venv not installed")
def test_mapped_model_costs_what_emhass_costs(tmp_path: Path) -> None:
    cfg = config() | {
        "number_of_deferrable_loads": 1,
        "nominal_power_of_deferrable_loads": [2000.0],
        "operating_hours_of_each_deferrable_load": [3],
        "start_timesteps_of_each_deferrable_load": [0],
        "end_timesteps_of_each_deferrable_load": [0],
        "treat_deferrable_load_as_semi_cont": [False],
        "set_deferrable_load_single_constant": [False],
        "weight_battery_discharge": 0.0,
        "photovoltaic_production_sell_price": 0.08,
        # Small enough that both power limits bind (EMHASS: AC discharge 950 W, charge 1053 W).
        "battery_charge_power_max": 1000,
        "battery_discharge_power_max": 1000,
    }
    data = day()
    mapping = map_emhass_config(cfg, data)
    luna = optimise(mapping.problem, measure_constraints=False)
    scenario = _emhass_scenario(cfg, data, mapping.problem.import_price_eur_kwh)
    answer = tmp_path / "emhass.json"
    subprocess.run(
        [str(EMHASS_PYTHON), str(ROOT / "benchmarks" / "_emhass_runner.py"), str(answer)],
        input=json.dumps({"repeats": 0, "scenarios": [scenario]}, default=str),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result = json.loads(answer.read_text())["results"][0]
    assert result["status"].lower() == "optimal", result["status"]
    kwh = 0.5 / 1000
    cols = result["columns"]
    imp = np.asarray(cols["P_grid_pos"]) * kwh
    exp = -np.asarray(cols["P_grid_neg"]) * kwh
    emhass_cost = float(
        np.asarray(mapping.problem.import_price_eur_kwh) @ imp
        - np.asarray(mapping.problem.export_price_eur_kwh) @ exp
    )
    assert luna.total_cost_eur == pytest.approx(emhass_cost, abs=1e-3), sys.version
