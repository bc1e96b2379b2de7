"""Battery and load-shift playbooks: a day-ahead schedule from the optimiser, as actions.

The optimiser plans against the site tariff's gross working price (day-ahead price plus fixed
surcharges and VAT, :class:`~luna.domain.tariff.Tariff`) and its feed-in tariff. Actions are the
schedule's charge/discharge runs or each device's run window; the EUR effect of an action is the
change in energy cost against the optimiser's naive baseline over that window.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, time
from typing import Any

import numpy as np

from luna.domain.tariff import Tariff
from luna.forecasting import Forecast
from luna.graphs.playbook import defaults
from luna.graphs.playbook.binding import binding_text
from luna.graphs.playbook.errors import PlaybookError
from luna.graphs.playbook.figures import figure, number_text, window_text
from luna.graphs.playbook.schema import (
    Language,
    PlaybookAction,
    PlaybookEvidence,
    PlaybookFigure,
    PlaybookKind,
    PlaybookRequest,
)
from luna.graphs.playbook.state import Analysis, MeterInfo
from luna.graphs.playbook.texts import text
from luna.optimisation import (
    DeferrableLoad,
    OptimisationInfeasible,
    OptimisationInput,
    ScheduleResult,
    StepGrid,
    optimise,
)

MAX_ACTIONS = 6
_ACTIVE_KWH = 1e-3


@dataclass(frozen=True)
class PlanData:
    start: datetime
    n_steps: int
    spot_eur_mwh: list[float]
    price_source: str
    load: Forecast
    pv: Forecast | None
    price_forecast: Forecast | None


def _clock_boundary(grid: StepGrid, clock: time, after: int) -> int | None:
    for k in range(after, grid.n_steps + 1):
        if grid.boundaries[k].time() == clock:
            return k
    return None


def _deferrable_loads(
    meter: MeterInfo,
    grid: StepGrid,
    assumptions: list[str],
    labels: dict[str, str],
    language: Language,
) -> list[DeferrableLoad]:
    loads = []
    for device in defaults.shiftable_devices(meter.attributes):
        label = text(language, f"device.{device.name}")
        first = _clock_boundary(grid, device.opens, 0)
        first = 0 if first is None or first >= grid.n_steps else first
        end = grid.n_steps
        if device.closes is not None:
            end = _clock_boundary(grid, device.closes, first + 1) or grid.n_steps
        hours = (end - first) * grid.step_hours
        energy = device.energy_kwh
        if energy > device.power_kw * hours * 0.9:
            energy = round(device.power_kw * hours * 0.9, 1)
            assumptions.append(
                text(language, "plan.assumption.device_fit", device=label, energy=energy)
            )
        if device.single_block:
            per_step = device.power_kw * grid.step_hours
            energy = max(per_step, round(energy / per_step) * per_step)
        if energy <= 0:
            continue
        loads.append(
            DeferrableLoad(
                name=device.name,
                power_kw=device.power_kw,
                energy_kwh=energy,
                power_mode="fixed" if device.power_mode == "fixed" else "variable",
                single_block=device.single_block,
                earliest_start=first,
                latest_end=end,
            )
        )
        labels[device.name] = device.label
        source = "plan.source.meter" if device.name != "dishwasher" else "plan.source.default"
        assumptions.append(
            text(
                language,
                "plan.assumption.device",
                device=label,
                energy=energy,
                power=device.power_kw,
                opens=grid.clock(first),
                closes=grid.end_clock(end),
                source=text(language, source),
            )
        )
    return loads


def build_problem(
    request: PlaybookRequest, meter: MeterInfo, data: PlanData, timezone: str, tariff: Tariff
) -> tuple[OptimisationInput, list[str], dict[str, str]]:
    """The optimisation problem, the assumptions it makes in words, and device labels."""
    lang = request.language
    labels: dict[str, str] = {}
    assumptions = [
        text(
            lang,
            "plan.assumption.prices",
            tariff=tariff.name,
            surcharges=tariff.surcharges_net_ct_kwh,
            vat=tariff.vat * 100,
        )
    ]
    pv = data.pv.values if data.pv is not None else [0.0] * data.n_steps
    if data.pv is not None:
        assumptions.append(text(lang, "plan.assumption.feed_in", feed_in=tariff.feed_in_ct_kwh))
    grid = StepGrid(data.start, 15, data.n_steps, timezone)
    battery = None
    loads: list[DeferrableLoad] = []
    if request.kind is PlaybookKind.BATTERY:
        battery, documented = defaults.battery_for(meter.attributes)
        origin = "plan.origin.manual" if documented else "plan.origin.meter"
        assumptions.append(
            text(
                lang,
                "plan.assumption.battery",
                origin=text(lang, origin),
                capacity=battery.capacity_kwh,
                power=battery.max_charge_kw,
                round_trip=defaults.BATTERY_ROUND_TRIP * 100,
                soc_min=battery.soc_min_fraction * 100,
                soc_max=battery.soc_max_fraction * 100,
                soc_start=battery.initial_soc_fraction * 100,
            )
        )
    else:
        loads = _deferrable_loads(meter, grid, assumptions, labels, lang)
    problem = OptimisationInput(
        start=data.start,
        step_minutes=15,
        timezone=timezone,
        import_price_eur_kwh=[tariff.import_price_eur_kwh(p) for p in data.spot_eur_mwh],
        export_price_eur_kwh=[
            tariff.export_price_eur_kwh(p) if data.pv is not None else 0.0
            for p in data.spot_eur_mwh
        ],
        load_kwh=[max(v, 0.0) for v in data.load.values],
        pv_kwh=[max(v, 0.0) for v in pv],
        grid=defaults.grid_for(meter.attributes, meter.pv_kwp),
        battery=battery,
        deferrable_loads=loads,
    )
    return problem, assumptions, labels


def _baseline_step_cost(problem: OptimisationInput) -> np.ndarray:
    """Per-step cost of the naive baseline (battery idle, loads as early as possible)."""
    grid = problem.step_grid
    demand = np.asarray(problem.load_kwh, dtype=float)
    for load in problem.deferrable_loads:
        first, end = load.window(grid)
        remaining = load.energy_kwh
        for t in range(first, end):
            step = min(load.power_kw * grid.step_hours, remaining)
            demand[t] += step
            remaining -= step
            if remaining <= 1e-12:
                break
    net = demand - np.asarray(problem.pv_kwh)
    export_cap = problem.grid.max_export_kw * grid.step_hours
    imports = np.maximum(net, 0.0)
    exports = np.minimum(np.maximum(-net, 0.0), export_cap)
    cost: np.ndarray = (
        np.asarray(problem.import_price_eur_kwh) * imports
        - np.asarray(problem.export_price_eur_kwh) * exports
    )
    return cost


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    runs, start = [], None
    for t, flag in enumerate(mask):
        if flag and start is None:
            start = t
        elif not flag and start is not None:
            runs.append((start, t))
            start = None
    if start is not None:
        runs.append((start, len(mask)))
    return runs


def _confidence(price_source: str, depends_on_forecast: bool) -> Any:
    if price_source != "stored":
        return "low"
    return "medium" if depends_on_forecast else "high"


def _battery_actions(
    result: ScheduleResult, delta: np.ndarray, price_source: str, language: Language
) -> list[PlaybookAction]:
    charge = np.array([s.battery_charge_kwh for s in result.steps])
    discharge = np.array([s.battery_discharge_kwh for s in result.steps])
    actions = []
    for mode, series in (("charge", charge), ("discharge", discharge)):
        for first, end in _runs(series > _ACTIVE_KWH):
            energy = float(series[first:end].sum())
            start, stop = result.steps[first].start, result.steps[end - 1].end
            pv = sum(s.pv_kwh for s in result.steps[first:end])
            prices = [s.import_price_eur_kwh for s in result.steps[first:end]]
            mean_ct = 100 * float(np.mean(prices))
            actions.append(
                PlaybookAction(
                    title=text(language, f"plan.{mode}.title"),
                    device="battery",
                    start=start,
                    end=stop,
                    window=window_text(start, stop, language),
                    energy_kwh=round(energy, 2),
                    cost_change_eur=round(float(delta[first:end].sum()), 2),
                    confidence=_confidence(price_source, mode == "discharge" or pv > 0),
                    detail=text(
                        language,
                        f"plan.{mode}.detail",
                        energy=number_text(energy, 1, language),
                        price=number_text(mean_ct, 2, language),
                    ),
                )
            )
    return actions


def _shift_actions(
    problem: OptimisationInput,
    result: ScheduleResult,
    labels: dict[str, str],
    price_source: str,
    language: Language,
) -> list[PlaybookAction]:
    grid = problem.step_grid
    prices = np.asarray(problem.import_price_eur_kwh)
    actions = []
    for load, outcome in zip(problem.deferrable_loads, result.deferrable_loads, strict=True):
        if outcome.first_run is None or outcome.last_run_end is None:
            continue
        first, end = load.window(grid)
        baseline = np.zeros(grid.n_steps)
        remaining = load.energy_kwh
        for t in range(first, end):
            baseline[t] = min(load.power_kw * grid.step_hours, remaining)
            remaining -= baseline[t]
        baseline_cost = float(prices @ baseline)
        planned = np.array([s.deferrable_kwh[load.name] for s in result.steps])
        title = "plan.shift_later.title" if planned.argmax() > first else "plan.shift.title"
        actions.append(
            PlaybookAction(
                title=text(language, title, device=text(language, f"device.{load.name}")),
                device=labels.get(load.name, load.name),
                start=outcome.first_run,
                end=outcome.last_run_end,
                window=window_text(outcome.first_run, outcome.last_run_end, language),
                energy_kwh=round(outcome.energy_kwh, 2),
                cost_change_eur=round(outcome.energy_cost_eur - baseline_cost, 2),
                confidence=_confidence(price_source, False),
                detail=text(
                    language,
                    "plan.shift.detail",
                    opens=grid.clock(first),
                    cost=number_text(outcome.energy_cost_eur, 2, language),
                    baseline=number_text(baseline_cost, 2, language),
                ),
            )
        )
    return actions


def analyse_schedule(
    request: PlaybookRequest, meter: MeterInfo, data: PlanData, timezone: str, tariff: Tariff
) -> Analysis:
    problem, assumptions, labels = build_problem(request, meter, data, timezone, tariff)
    try:
        # A playbook states what each binding constraint costs: exact re-solves, not the duals'
        # first-order estimate (up to 2x too high for a whole relaxation, docs/optimiser.md).
        result = optimise(problem, explain="exact")
    except OptimisationInfeasible as exc:
        raise PlaybookError(f"no feasible schedule: {exc}") from exc
    lang = request.language
    step_cost = np.array([s.cost_eur for s in result.steps])
    delta = step_cost - _baseline_step_cost(problem)
    if request.kind is PlaybookKind.BATTERY:
        actions = _battery_actions(result, delta, data.price_source, lang)
    else:
        actions = _shift_actions(problem, result, labels, data.price_source, lang)
    actions = sorted(
        sorted(actions, key=lambda a: abs(a.cost_change_eur or 0.0), reverse=True)[:MAX_ACTIONS],
        key=lambda a: a.start or data.start,
    )
    prices_ct = [100 * p for p in problem.import_price_eur_kwh]
    figures: list[PlaybookFigure] = [
        figure("savings_eur", result.savings_eur, "EUR", lang),
        figure("plan_cost_eur", result.total_cost_eur, "EUR", lang),
        figure("baseline_cost_eur", result.baseline_cost_eur, "EUR", lang),
        figure("horizon_h", request.horizon_hours, "h", lang),
        figure("cheapest_ct", min(prices_ct), "ct/kWh", lang),
        figure("dearest_ct", max(prices_ct), "ct/kWh", lang),
        figure("load_kwh", sum(problem.load_kwh), "kWh", lang),
    ]
    if result.savings_pct is not None:
        figures.insert(1, figure("savings_pct", result.savings_pct, "%", lang))
    if problem.battery is not None:
        charged = sum(s.battery_charge_kwh for s in result.steps)
        figures += [
            figure("charged_kwh", charged, "kWh", lang),
            figure("wear_eur", result.battery_wear_cost_eur, "EUR", lang),
            figure("capacity_kwh", problem.battery.capacity_kwh, "kWh", lang),
            figure("battery_kw", problem.battery.max_charge_kw, "kW", lang),
        ]
    if data.pv is not None:
        figures.append(figure("pv_kwh", sum(problem.pv_kwh), "kWh", lang))
    forecasts = [_forecast_evidence(data.load)]
    mae = data.load.backtest.mae if data.load.backtest else 0.0
    risks = [
        text(lang, "plan.risk.load_forecast", model=data.load.model, mae=number_text(mae, 3, lang))
    ]
    if data.pv is not None:
        forecasts.append(_forecast_evidence(data.pv))
        risks.append(text(lang, "plan.risk.pv_forecast"))
    if data.price_forecast is not None:
        forecasts.append(_forecast_evidence(data.price_forecast))
        risks.append(text(lang, "plan.risk.price_forecast"))
    binding = result.binding_constraints[:3]
    headline = text(
        lang,
        f"plan.headline.{request.kind.value}",
        meter=meter.meter_id,
        saving=figures[0].text,
        hours=request.horizon_hours,
    )
    evidence = PlaybookEvidence(
        data_window=window_text(result.steps[0].start, result.steps[-1].end, lang),
        price_source=_price_source(data.price_source),
        forecasts=forecasts,
        engine={
            "engine": "optimiser",
            "solver": result.solver,
            "baseline_policy": result.baseline_policy,
            "savings_eur": round(result.savings_eur, 2),
            "binding_constraints": [b.message for b in binding],
        },
    )
    soc = [step.soc_pct for step in result.steps if step.soc_pct is not None]
    if soc:  # the battery's state-of-charge range over the plan, for checks and the UI
        evidence.engine["soc_pct_min"] = round(min(soc), 1)
        evidence.engine["soc_pct_max"] = round(max(soc), 1)
    queries = (
        [
            "battery recommended state-of-charge window for daily cycling",
            "dynamic tariff working price day-ahead price plus fixed surcharges",
        ]
        if problem.battery is not None
        else [
            "Arbeitspreis Day-Ahead-Börsenpreis stündlich feste Aufschläge",
            "steuerbare Verbrauchseinrichtungen § 14a Netzbetreiber Steuerung",
        ]
    )
    inputs = {
        "optimisation_input": problem.model_dump(mode="json"),
        "spot_eur_mwh": data.spot_eur_mwh,
        "forecasts": {
            "consumption": data.load.model_dump(mode="json"),
            "pv": data.pv.model_dump(mode="json") if data.pv is not None else None,
            "price": (
                data.price_forecast.model_dump(mode="json")
                if data.price_forecast is not None
                else None
            ),
        },
        "result": result.model_dump(mode="json"),
        "tariff": asdict(tariff),
    }
    return Analysis(
        headline=headline,
        actions=actions,
        figures=figures,
        assumptions=assumptions
        + [
            text(lang, "plan.assumption.binding", constraint=binding_text(b, lang)) for b in binding
        ],
        risks=risks,
        evidence=evidence,
        queries=queries,
        inputs=inputs,
    )


def _price_source(source: str) -> Any:
    return source if source in ("stored", "forecast", "mixed") else "none"


def _forecast_evidence(fc: Forecast) -> dict[str, Any]:
    return {
        "kind": fc.kind.value,
        "model": fc.model,
        "steps": len(fc.values),
        "total": round(sum(fc.values), 3),
        "backtest_mae": round(fc.backtest.mae, 4) if fc.backtest else None,
    }
