"""EMHASS users bring their setup: an EMHASS ``config.json`` mapped onto Luna's model.

:func:`map_emhass_config` reads EMHASS's optimisation parameters (names as in EMHASS's
``config_defaults.json``; powers in W, energies in Wh, times in steps) plus the forecasts and
prices of one horizon (:class:`EmhassData`) and returns an :class:`OptimisationInput`. Every
parameter falls into one of three classes:

* **mapped** — turned into a Luna input or rule (table in ``docs/optimiser.md``);
* **ignored** — no effect on the optimum (Home Assistant, sensors, forecasting, paths, solver
  limits); listed in :attr:`EmhassMapping.ignored`;
* **refused** — a feature Luna's model does not have (hybrid inverter, startup penalties,
  thermal loads, ramp limits, …) set to a value that changes the optimum, or a name Luna does
  not know. They are collected and raised together as :class:`EmhassConfigError`, one line per
  parameter with the reason. The same features at their neutral EMHASS default are accepted.

EMHASS itself is never imported; the mapping follows EMHASS 0.18.7's ``optimization.py``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from luna.optimisation.horizon import local_midnight
from luna.optimisation.inputs import Objective, OptimisationInput

W_PER_KW = 1000.0


class EmhassConfigError(ValueError):
    """EMHASS parameters Luna cannot map; ``problems`` holds ``(parameter, reason)`` pairs."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = list(problems)
        lines = [f"- {name}: {reason}" for name, reason in self.problems]
        super().__init__(
            f"{len(self.problems)} EMHASS parameter(s) cannot be mapped onto Luna's model:\n"
            + "\n".join(lines)
        )


# --------------------------------------------------------------------------- parameter classes

IGNORED_PREFIXES = ("sensor_", "influxdb_", "victoriametrics_", "adjusted_pv_", "battery_identif")
IGNORED = frozenset(
    {
        # Home Assistant, data retrieval and publishing
        "hass_url", "long_lived_token", "time_zone_is_set", "logging_level", "data_path",
        "historic_days_to_retrieve", "method_ts_round", "continual_publish",
        "publish_horizon_attributes", "publish_deferrable_load_states", "ssl_no_verify",
        "use_websocket", "use_influxdb", "use_victoriametrics", "load_negative", "set_zero_min",
        "Latitude", "Longitude", "Altitude", "solcast_api_key", "solcast_rooftop_id",
        "solar_forecast_kwp",
        # forecasting (Luna takes the forecasts as data)
        "weather_forecast_method", "weather_forecast_pv_quantile_bias",
        "open_meteo_cache_max_age", "load_forecast_method", "model_type", "var_model",
        "sklearn_model", "num_lags", "split_date_delta", "perform_backtest",
        "mlforecaster_weather_features", "set_use_adjusted_pv", "set_use_battery_identification",
        "pv_module_model", "pv_inverter_model", "surface_tilt", "surface_azimuth",
        "modules_per_string", "strings_per_inverter", "delta_forecast_daily",
        "prediction_horizon",
        # solver limits (Luna solves to a 1e-6 MIP gap with its own time limit)
        "lp_solver", "lp_solver_path", "lp_solver_timeout", "lp_solver_mip_rel_gap",
        "num_threads",
        # parameters of features that are off (their switch is checked separately)
        "battery_dynamic_max", "battery_dynamic_min", "battery_stress_segments",
        "battery_soc_deficit_threshold", "battery_soc_surplus_threshold",
        "capacity_charge_interval_timesteps", "inverter_ac_output_max", "inverter_ac_input_max",
        "inverter_efficiency_dc_ac", "inverter_efficiency_ac_dc", "inverter_power_curve_dc_ac",
        "inverter_power_curve_ac_dc", "inverter_stress_segments", "cop_solver",
        "cop_solver_tolerance", "cop_hx_approach",
    }
)  # fmt: skip

_ZERO = "a number other than 0"
NEUTRAL: dict[str, tuple[Any, str]] = {
    # name: (neutral value, what Luna lacks)
    "set_total_pv_sell": (False, "selling all PV and buying all load is not modelled"),
    "set_battery_first_priority": (False, "no battery-first import penalty in Luna"),
    "set_battery_dynamic": (False, "Luna has no battery ramp-rate limits"),
    "battery_charge_power_derating": ([], "no SoC-dependent charge derating in Luna"),
    "battery_stress_cost": (0.0, "no piecewise battery stress cost; use weight_battery_*"),
    "battery_soc_deficit_cost": (0.0, "no SoC deficit cost in Luna (use a min_soc rule)"),
    "battery_soc_surplus_cost": (0.0, "no SoC surplus cost in Luna"),
    "battery_soc_final_reward_factor": (0.0, "no reward for energy left at the end"),
    "capacity_cost_per_kw": (0.0, "no demand (peak kW) charge in Luna"),
    "inverter_is_hybrid": (False, "hybrid-inverter DC bus limits are not modelled"),
    "inverter_stress_cost": (0.0, "no inverter stress cost in Luna"),
    "number_of_batteries": (1, "Luna models one battery"),
    "heat_topology": (None, "thermal loads are not modelled"),
    "def_load_config": (None, "thermal / sequence deferrable loads are not modelled"),
    "shared_thermal_tanks": (None, "thermal tanks are not modelled"),
    "deferrable_load_groups": ([], "deferrable load groups are not modelled"),
}
"""Features Luna lacks, accepted only at the value that switches them off."""

PER_LOAD_NEUTRAL: dict[str, tuple[Any, str]] = {
    "minimum_power_of_deferrable_loads": (0.0, "no minimum power while on"),
    "cost_forecast_per_deferrable_load": (None, "no per-load tariff"),
    "is_electric_load": (True, "non-electric deferrable loads are not modelled"),
    "set_deferrable_startup_penalty": (0.0, "no startup penalty"),
    "deferrable_load_max_cost": (0.0, "no cost cap per load"),
    "set_deferrable_max_startups": (0, "no limit on startups"),
    "def_minimum_on_time": (0, "no minimum on-time"),
    "def_minimum_off_time": (0, "no minimum off-time"),
}
"""Per-deferrable-load lists, accepted only where every entry is neutral."""

RUNTIME_ALIASES = {
    "def_total_hours": "operating_hours_of_each_deferrable_load",
    "def_start_timestep": "start_timesteps_of_each_deferrable_load",
    "def_end_timestep": "end_timesteps_of_each_deferrable_load",
    "P_deferrable_nom": "nominal_power_of_deferrable_loads",
}
"""EMHASS runtime-parameter (and legacy) names for mapped parameters."""

DATA_KEYS = frozenset(
    {"load_power_forecast", "pv_power_forecast", "load_cost_forecast", "prod_price_forecast"}
)
"""Runtime forecast arrays that may sit in the config; they are read as data."""


# --------------------------------------------------------------------------- mapped parameters


class EmhassConfig(BaseModel):
    """The EMHASS parameters Luna maps, with EMHASS 0.18.7's defaults."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    costfun: Literal["profit", "cost", "self-consumption"] = "profit"
    optimization_time_step: int = Field(default=30, gt=0, le=1440, description="minutes")
    time_zone: str | None = None
    set_use_pv: bool = False
    compute_curtailment: bool = False
    maximum_power_from_grid: float | list[float] = 9000.0
    maximum_power_to_grid: float | list[float] = 9000.0
    set_use_battery: bool = False
    battery_nominal_energy_capacity: float = Field(default=5000.0, gt=0, description="Wh")
    battery_charge_power_max: float = Field(default=1000.0, gt=0, description="W, cell side")
    battery_discharge_power_max: float = Field(default=1000.0, gt=0, description="W, cell side")
    battery_charge_efficiency: float = Field(default=0.95, gt=0, le=1)
    battery_discharge_efficiency: float = Field(default=0.95, gt=0, le=1)
    battery_minimum_state_of_charge: float = Field(default=0.3, ge=0, le=1)
    battery_maximum_state_of_charge: float = Field(default=0.9, ge=0, le=1)
    battery_target_state_of_charge: float = Field(default=0.6, ge=0, le=1)
    soc_init: float | None = Field(default=None, ge=0, le=1)
    soc_final: float | None = Field(default=None, ge=0, le=1)
    set_nocharge_from_grid: bool = False
    set_nodischarge_to_grid: bool = True
    weight_battery_discharge: float | list[float] = 0.0
    weight_battery_charge: float | list[float] = 0.0
    number_of_deferrable_loads: int = Field(default=2, ge=0)
    nominal_power_of_deferrable_loads: list[float] = [3000.0, 750.0]
    operating_hours_of_each_deferrable_load: list[float] = [4.0, 0.0]
    start_timesteps_of_each_deferrable_load: list[int] = [0, 0]
    end_timesteps_of_each_deferrable_load: list[int] = [0, 0]
    treat_deferrable_load_as_semi_cont: list[bool] = [True, True]
    set_deferrable_load_single_constant: list[bool] = [False, False]
    load_cost_forecast_method: str = "hp_hc_periods"
    load_peak_hour_periods: dict[str, list[dict[str, str]]] = {
        "period_hp_1": [{"start": "02:54"}, {"end": "15:24"}],
        "period_hp_2": [{"start": "17:24"}, {"end": "20:24"}],
    }
    load_peak_hours_cost: float = 0.1907
    load_offpeak_hours_cost: float = 0.1419
    tariff_schedule_time_zone: str = ""
    production_price_forecast_method: str = "constant"
    photovoltaic_production_sell_price: float = 0.1419


MAPPED = frozenset(EmhassConfig.model_fields) | frozenset(RUNTIME_ALIASES)


# --------------------------------------------------------------------------- data


class EmhassData(BaseModel):
    """One horizon's forecasts and prices, per step.

    Powers in W (EMHASS's convention, mean power over the step) or energies in kWh per step;
    prices in EUR/kWh. Prices may be left out where the config defines them
    (``hp_hc_periods`` import tariff, ``constant`` feed-in price).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: datetime | None = None
    load_w: list[float] | None = None
    load_kwh: list[float] | None = None
    pv_w: list[float] | None = None
    pv_kwh: list[float] | None = None
    import_price: list[float] | None = None
    export_price: list[float] | None = None


DATA_ALIASES = {
    "timestamp": "start",
    "time": "start",
    "load_power_forecast": "load_w",
    "p_load_forecast": "load_w",
    "pv_power_forecast": "pv_w",
    "p_pv_forecast": "pv_w",
    "load_cost_forecast": "import_price",
    "unit_load_cost": "import_price",
    "import_price_eur_kwh": "import_price",
    "prod_price_forecast": "export_price",
    "unit_prod_price": "export_price",
    "export_price_eur_kwh": "export_price",
}


def read_data(path: Path) -> EmhassData:
    """Forecasts and prices from a CSV (one row per step, a header naming the columns) or a
    JSON object of lists. Column names: ``load_w``/``load_kwh``, ``pv_w``/``pv_kwh``,
    ``import_price``, ``export_price`` and optionally ``timestamp`` (the first one is the
    horizon's start); EMHASS's runtime names (``load_power_forecast``, ``pv_power_forecast``,
    ``load_cost_forecast``, ``prod_price_forecast``) are accepted too."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        raw = json.loads(text)
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: expected a JSON object of lists")
        return data_from_mapping(raw)
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows:
        raise ValueError(f"{path}: no rows")
    columns: dict[str, Any] = {}
    for name in rows[0]:
        values = [row[name] for row in rows]
        key = DATA_ALIASES.get(name.strip(), name.strip())
        if key == "start":
            columns["start"] = values[0]
        else:
            columns[key] = [float(v) for v in values]
    return EmhassData(**columns)


def data_from_mapping(raw: Mapping[str, Any]) -> EmhassData:
    fields = {DATA_ALIASES.get(k, k): v for k, v in raw.items()}
    if isinstance(fields.get("start"), list):
        fields["start"] = fields["start"][0]
    return EmhassData(**fields)


# --------------------------------------------------------------------------- mapping


@dataclass(frozen=True)
class EmhassMapping:
    """The mapped problem, the parameters ignored and notes on approximations."""

    problem: OptimisationInput
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def load_emhass_config(path: Path) -> dict[str, Any]:
    """An EMHASS ``config.json`` (or a runtime-parameter JSON) as a dict."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a JSON object of EMHASS parameters")
    return raw


def classify(config: Mapping[str, Any]) -> tuple[list[tuple[str, str]], list[str]]:
    """``(refused, ignored)``: refused parameters with reasons, ignored names."""
    refused: list[tuple[str, str]] = []
    ignored: list[str] = []
    for name, value in config.items():
        if name in MAPPED or name in DATA_KEYS:
            continue
        if name in IGNORED or name.startswith(IGNORED_PREFIXES):
            ignored.append(name)
        elif name in NEUTRAL:
            neutral, lack = NEUTRAL[name]
            if not _is_neutral(value, neutral):
                refused.append((name, f"{lack} (got {value!r}; only {neutral!r} maps)"))
            else:
                ignored.append(name)
        elif name in PER_LOAD_NEUTRAL:
            neutral, lack = PER_LOAD_NEUTRAL[name]
            values = value if isinstance(value, list) else [value]
            if not all(_is_neutral(v, neutral) for v in values):
                refused.append((name, f"{lack} in Luna (got {value!r}; only {neutral!r} maps)"))
            else:
                ignored.append(name)
        else:
            refused.append((name, "unknown EMHASS parameter (not in EMHASS 0.18.7's defaults)"))
    return refused, ignored


def _is_neutral(value: Any, neutral: Any) -> bool:
    if neutral is None or neutral == []:
        return value in (None, [], {}, "", "null")
    if isinstance(neutral, bool):
        return bool(value) is neutral
    try:
        return float(value) == float(neutral)
    except (TypeError, ValueError):
        return False


def map_emhass_config(
    config: Mapping[str, Any],
    data: EmhassData | None = None,
    *,
    start: datetime | None = None,
    timezone: str | None = None,
    soc_init: float | None = None,
    soc_final: float | None = None,
) -> EmhassMapping:
    """Luna's problem for an EMHASS configuration and one horizon's data.

    ``data`` defaults to the runtime forecast arrays in ``config`` itself; ``start`` to the
    data's first timestamp, else today's local midnight; ``timezone`` to EMHASS's
    ``time_zone``, else Luna's site time zone; ``soc_init``/``soc_final`` (fractions) to the
    config's, then as EMHASS defaults them (each other, else ``battery_target_state_of_charge``).
    Raises :class:`EmhassConfigError` listing every parameter that does not map.
    """
    refused, ignored = classify(config)
    canonical = {RUNTIME_ALIASES.get(k, k): v for k, v in config.items()}
    for name, value in (("soc_init", soc_init), ("soc_final", soc_final)):
        if value is not None:
            canonical[name] = value
    try:
        cfg = EmhassConfig(**canonical)
    except ValidationError as err:
        refused += [
            (".".join(str(p) for p in e["loc"]) or "config", e["msg"]) for e in err.errors()
        ]
        raise EmhassConfigError(refused) from None
    if data is None:
        data = data_from_mapping({k: v for k, v in config.items() if k in DATA_KEYS})
    notes: list[str] = []
    fields: dict[str, Any] = {}
    problems = list(refused)
    zone = timezone or cfg.time_zone
    if zone:
        fields["timezone"] = zone
    step_h = cfg.optimization_time_step / 60
    load = _energy(data.load_w, data.load_kwh, step_h, "load", problems)
    n = len(load) if load is not None else 0
    if load is None:
        problems.append(("load", "the data has no load forecast (load_w or load_kwh)"))
    pv = _energy(data.pv_w, data.pv_kwh, step_h, "pv", problems)
    if not cfg.set_use_pv:
        if pv is not None and any(v > 0 for v in pv):
            notes.append("set_use_pv is false: the PV forecast in the data is not used")
        pv = None
    begin = start or data.start or _today_midnight(zone)
    if begin.tzinfo is None:
        begin = begin.replace(tzinfo=ZoneInfo(zone or _site_zone()))
    import_price = data.import_price or _import_tariff(cfg, begin, n, zone, problems)
    export_price = data.export_price or _export_tariff(cfg, n, problems)
    if cfg.costfun == "cost":
        notes.append("costfun 'cost' values no feed-in: export prices set to 0")
        export_price = [0.0] * n
    objective = Objective.SELF_CONSUMPTION if cfg.costfun == "self-consumption" else Objective.COST
    if cfg.costfun == "self-consumption":
        notes.append(
            "costfun 'self-consumption': Luna minimises grid import (kWh), then cost; EMHASS "
            "weights import cost x1000 (the same plan unless import prices vary)"
        )
    import_kw = _grid_kw("maximum_power_from_grid", cfg.maximum_power_from_grid, problems)
    export_kw = _grid_kw("maximum_power_to_grid", cfg.maximum_power_to_grid, problems)
    rules: list[dict[str, Any]] = []
    if cfg.set_use_battery:
        fields["battery"] = _battery(cfg, problems, notes)
        if cfg.set_nocharge_from_grid:
            rules.append({"kind": "charge_from_pv_only", "label": "set_nocharge_from_grid"})
            notes.append(
                "set_nocharge_from_grid -> rule charge_from_pv_only: charge <= PV surplus after "
                "the loads (EMHASS bounds charge by PV production alone)"
            )
        if cfg.set_nodischarge_to_grid:
            rules.append({"kind": "no_battery_export", "label": "set_nodischarge_to_grid"})
    fields["deferrable_loads"] = _loads(cfg, step_h, n, problems, notes)
    if problems:
        raise EmhassConfigError(problems)
    fields |= {
        "start": begin,
        "step_minutes": cfg.optimization_time_step,
        "import_price_eur_kwh": import_price,
        "export_price_eur_kwh": export_price,
        "load_kwh": load,
        "pv_kwh": pv if pv is not None else 0.0,
        "grid": {"max_import_kw": import_kw, "max_export_kw": export_kw},
        "objective": objective,
        "allow_pv_curtailment": cfg.compute_curtailment,
        "rules": rules,
    }
    try:
        problem = OptimisationInput(**fields)
    except ValidationError as err:
        raise EmhassConfigError(
            [(".".join(str(p) for p in e["loc"]) or "input", e["msg"]) for e in err.errors()]
        ) from None
    return EmhassMapping(problem, sorted(ignored), notes)


def _site_zone() -> str:
    from luna.config import site_timezone

    return site_timezone()


def _today_midnight(zone: str | None) -> datetime:
    tz = zone or _site_zone()
    return local_midnight(datetime.now(ZoneInfo(tz)).date(), tz)


def _energy(
    watts: list[float] | None,
    kwh: list[float] | None,
    step_h: float,
    what: str,
    problems: list[tuple[str, str]],
) -> list[float] | None:
    if watts is not None and kwh is not None:
        problems.append((what, f"give {what}_w or {what}_kwh, not both"))
    if watts is not None:
        return [max(w, 0.0) / W_PER_KW * step_h for w in watts]
    return kwh


def _grid_kw(name: str, value: float | list[float], problems: list[tuple[str, str]]) -> float:
    values = value if isinstance(value, list) else [value]
    if not values or len(set(values)) > 1:
        problems.append(
            (
                name,
                "a per-step grid limit is not mapped; give one number and express time "
                "windows as Luna rules (max_import_kw / max_export_kw with between)",
            )
        )
        return 1.0
    kw = float(values[0]) / W_PER_KW
    if name == "maximum_power_from_grid" and kw <= 0:
        problems.append((name, "must be > 0 W"))
        return 1.0
    return max(kw, 0.0)


def _weight(name: str, value: float | list[float], problems: list[tuple[str, str]]) -> float:
    if isinstance(value, list):
        if len(set(value)) > 1:
            problems.append((name, "a time-varying battery weight is not mapped; give one number"))
            return 0.0
        value = value[0] if value else 0.0
    if value < 0:
        problems.append((name, "must be >= 0"))
    return float(value)


def _battery(
    cfg: EmhassConfig, problems: list[tuple[str, str]], notes: list[str]
) -> dict[str, Any]:
    eta_c, eta_d = cfg.battery_charge_efficiency, cfg.battery_discharge_efficiency
    w_dis = _weight("weight_battery_discharge", cfg.weight_battery_discharge, problems)
    w_chg = _weight("weight_battery_charge", cfg.weight_battery_charge, problems)
    init = cfg.soc_init if cfg.soc_init is not None else cfg.soc_final
    final = cfg.soc_final if cfg.soc_final is not None else cfg.soc_init
    target = cfg.battery_target_state_of_charge
    if w_chg > 0:
        notes.append(
            "weight_battery_charge folded into the wear cost per kWh discharged "
            "(w_dis + w_chg / (eta_c * eta_d)): the same optimum with a fixed final SoC"
        )
    return {
        "capacity_kwh": cfg.battery_nominal_energy_capacity / W_PER_KW,
        # EMHASS's power limits are cell side: AC discharge <= eta_d * P, AC charge <= P / eta_c.
        "max_charge_kw": cfg.battery_charge_power_max / eta_c / W_PER_KW,
        "max_discharge_kw": cfg.battery_discharge_power_max * eta_d / W_PER_KW,
        "charge_efficiency": eta_c,
        "discharge_efficiency": eta_d,
        "soc_min_fraction": cfg.battery_minimum_state_of_charge,
        "soc_max_fraction": cfg.battery_maximum_state_of_charge,
        "initial_soc_fraction": init if init is not None else target,
        "final_soc_min_fraction": final if final is not None else target,
        "final_soc_mode": "equal",
        "throughput_cost_eur_kwh": w_dis + w_chg / (eta_c * eta_d),
    }


def _per_load(values: list[Any], k: int, default: Any) -> Any:
    return values[k] if k < len(values) else default


def _loads(
    cfg: EmhassConfig, step_h: float, n: int, problems: list[tuple[str, str]], notes: list[str]
) -> list[dict[str, Any]]:
    count = cfg.number_of_deferrable_loads
    for name in ("nominal_power_of_deferrable_loads", "operating_hours_of_each_deferrable_load"):
        if len(getattr(cfg, name)) < count:
            problems.append((name, f"has {len(getattr(cfg, name))} entries, expected {count}"))
            return []
    loads: list[dict[str, Any]] = []
    for k in range(count):
        power_w = cfg.nominal_power_of_deferrable_loads[k]
        hours = cfg.operating_hours_of_each_deferrable_load[k]
        if hours <= 0 or power_w <= 0:
            notes.append(f"deferrable load {k}: no operating hours or power, not scheduled")
            continue
        semi_cont = bool(_per_load(cfg.treat_deferrable_load_as_semi_cont, k, True))
        single = bool(_per_load(cfg.set_deferrable_load_single_constant, k, False))
        if single and not semi_cont:
            notes.append(f"deferrable load {k}: single constant block runs at nominal power")
        first = int(_per_load(cfg.start_timesteps_of_each_deferrable_load, k, 0))
        end = int(_per_load(cfg.end_timesteps_of_each_deferrable_load, k, 0))
        # EMHASS's validate_def_timewindow: 0 (or less) means "from the start" / "to the end".
        first = max(0, min(n, first))
        end = n if end <= 0 else min(n, end)
        if first > end:
            notes.append(f"deferrable load {k}: start after end, window ignored (as EMHASS)")
            first, end = 0, n
        loads.append(
            {
                "name": f"deferrable{k}",
                "power_kw": power_w / W_PER_KW,
                "energy_kwh": power_w / W_PER_KW * hours,
                "power_mode": "fixed" if semi_cont or single else "variable",
                "single_block": single,
                "earliest_start": first,
                "latest_end": end,
            }
        )
    return loads


def _import_tariff(
    cfg: EmhassConfig,
    begin: datetime,
    n: int,
    zone: str | None,
    problems: list[tuple[str, str]],
) -> list[float]:
    if cfg.load_cost_forecast_method != "hp_hc_periods":
        problems.append(
            (
                "load_cost_forecast_method",
                f"{cfg.load_cost_forecast_method!r}: give the import prices in the data "
                "(import_price / load_cost_forecast); only 'hp_hc_periods' is computed",
            )
        )
        return [0.0] * n
    tz = ZoneInfo(cfg.tariff_schedule_time_zone or zone or _site_zone())
    windows = []
    for name, period in cfg.load_peak_hour_periods.items():
        try:
            bounds = {k: v for part in period for k, v in part.items()}
            windows.append((time.fromisoformat(bounds["start"]), time.fromisoformat(bounds["end"])))
        except (KeyError, ValueError):
            problems.append((f"load_peak_hour_periods.{name}", "expected [{start}, {end}] times"))
    step = timedelta(minutes=cfg.optimization_time_step)
    prices = []
    for t in range(n):
        clock = (begin + t * step).astimezone(tz).time()
        # pandas' indexer_between_time: both ends included, wrapping past midnight.
        peak = any((a <= clock <= b) if a <= b else (clock >= a or clock <= b) for a, b in windows)
        prices.append(cfg.load_peak_hours_cost if peak else cfg.load_offpeak_hours_cost)
    return prices


def _export_tariff(cfg: EmhassConfig, n: int, problems: list[tuple[str, str]]) -> list[float]:
    if cfg.production_price_forecast_method != "constant":
        problems.append(
            (
                "production_price_forecast_method",
                f"{cfg.production_price_forecast_method!r}: give the feed-in prices in the data "
                "(export_price / prod_price_forecast); only 'constant' is computed",
            )
        )
        return [0.0] * n
    return [cfg.photovoltaic_production_sell_price] * n


def describe(mapping: EmhassMapping) -> dict[str, Any]:
    """A JSON-ready summary of what was mapped (for ``luna optimise --json``)."""
    problem = mapping.problem
    return {
        "steps": len(problem.import_price_eur_kwh),
        "step_minutes": problem.step_minutes,
        "start": problem.start.isoformat(),
        "objective": problem.objective.value,
        "battery": problem.battery.model_dump() if problem.battery else None,
        "deferrable_loads": [load.model_dump(mode="json") for load in problem.deferrable_loads],
        "rules": [rule.model_dump(mode="json") for rule in problem.rules],
        "mean_import_price_eur_kwh": float(np.mean(problem.import_price_eur_kwh)),
        "notes": mapping.notes,
        "ignored": mapping.ignored,
    }
