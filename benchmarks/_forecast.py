"""Forecasting benchmark: fit+predict time for one meter, and 60-day backtests on simulated data.

``run()`` times the learned model on 90 days of 15-min history with a 48 h horizon (the
figure the engine must keep within a few seconds on 2 cores) and the whole ``forecast()``
call, which adds the selection backtest. ``backtest_figures()`` scores every model by rolling
origin on simulated consumption, PV and day-ahead prices.

    .venv/bin/python -m benchmarks._forecast              # timings
    .venv/bin/python -m benchmarks._forecast --backtest   # plus the 60-day backtests (24 h)
    .venv/bin/python -m benchmarks._forecast --backtest --48h --coverage
"""

from __future__ import annotations

import statistics
import sys
import time

import pandas as pd

from luna.forecasting import Site, backtest, forecast
from luna.forecasting.kinds import TargetKind
from luna.forecasting.local_time import future_index
from luna.forecasting.models import GRADIENT_BOOSTING, build_model
from luna.forecasting.prepare import prepare
from luna.simulators.simulate_market_prices import simulate_prices
from luna.simulators.simulate_smart_meter import MeterSpec, default_fleet, simulate_meter

SEED = 7
END = pd.Timestamp("2024-06-01", tz="Europe/Berlin")
# (meter, column, kind) from default_fleet(12, 7): a household, a business, a household with
# heat pump, a household with EV (consumption), two PV systems.
METERS = (
    ("M-001", "consumption_kwh", "consumption"),
    ("M-002", "consumption_kwh", "consumption"),
    ("M-006", "consumption_kwh", "consumption"),
    ("M-012", "consumption_kwh", "consumption"),
    ("M-007", "production_kwh", "pv"),
    ("M-008", "production_kwh", "pv"),
)


def _fleet() -> dict[str, MeterSpec]:
    return {spec.meter_id: spec for spec in default_fleet(12, SEED)}


def _meter(spec: MeterSpec, column: str, days: int) -> pd.Series:
    start = END - pd.DateOffset(days=days)
    frame = simulate_meter(spec, start, END, seed=SEED)
    return frame.set_index("ts")[column]


def _site(spec: MeterSpec) -> Site:
    return Site(latitude=spec.latitude, longitude=spec.longitude)


def _fit_predict_seconds(series: pd.Series, kind: TargetKind, site: Site, horizon: int) -> float:
    started = time.perf_counter()
    prepared = prepare(series, kind, site)
    model = build_model(GRADIENT_BOOSTING, kind, site, prepared.step, horizon)
    model.fit(prepared.values)
    model.predict(prepared.values, future_index(prepared.values.index[-1], prepared.step, horizon))
    return time.perf_counter() - started


def run() -> dict[str, float]:
    """Seconds for one meter, 90 days of 15-min history, 48 h (192-step) horizon."""
    fleet = _fleet()
    results: dict[str, float] = {}
    for meter, column, kind in (METERS[0], METERS[4]):
        spec = fleet[meter]
        series = _meter(spec, column, 90)
        target = TargetKind(kind)
        _fit_predict_seconds(series, target, _site(spec), 192)  # warm caches (clear sky, imports)
        times = [_fit_predict_seconds(series, target, _site(spec), 192) for _ in range(3)]
        results[f"{kind}_fit_predict_s"] = round(statistics.median(times), 3)
        started = time.perf_counter()
        forecast(series, kind, 192, site=_site(spec))
        results[f"{kind}_forecast_with_selection_s"] = round(time.perf_counter() - started, 3)
    return results


def backtest_figures(days: int = 60, horizon_hours: int = 24) -> dict[str, float]:
    """MAE/RMSE/MAPE (sMAPE for prices) per model and series, and the learned model's margin.

    History runs from 2024-01-01 to 2024-06-01 local; the last ``days`` local midnights are
    the origins, the models are refitted weekly.
    """
    fleet = _fleet()
    history_days = (END - pd.Timestamp("2024-01-01", tz="Europe/Berlin")).days
    series: list[tuple[str, str, pd.Series, Site, int]] = []
    for meter, column, kind in METERS:
        spec = fleet[meter]
        series.append((meter, kind, _meter(spec, column, history_days), _site(spec), 15))
    start = END - pd.DateOffset(days=history_days)
    for minutes in (60, 15):
        prices = simulate_prices("DE-LU", start, END, resolution_minutes=minutes, seed=SEED)
        name = f"DE-LU-{minutes}min"
        series.append((name, "price", prices.set_index("ts")["price_eur_mwh"], Site(), minutes))
    figures: dict[str, float] = {}
    for name, kind, values, site, minutes in series:
        horizon = horizon_hours * 60 // minutes
        report = backtest(values, kind, days=days, horizon_steps=horizon, site=site)
        for score in report.scores:
            key = f"{name}.{kind}.{score.model}"
            figures[f"{key}.mae"] = round(score.mae, 4)
            figures[f"{key}.rmse"] = round(score.rmse, 4)
            percentage = score.smape if score.smape is not None else score.mape
            figures[f"{key}.{'smape' if kind == 'price' else 'mape'}"] = round(percentage or 0, 2)
        learned = report.score(GRADIENT_BOOSTING).improvement_vs_baseline_pct
        figures[f"{name}.{kind}.margin_vs_{report.baseline}.mae_pct"] = learned["mae"]
        figures[f"{name}.{kind}.best_is_learned"] = float(report.best_model == GRADIENT_BOOSTING)
    return figures


def interval_coverage(origins: int = 14, selection_days: int = 14) -> dict[str, float]:
    """Share of held-out actuals inside the p10-p90 band of day-ahead forecasts (nominal 0.8).

    One ``forecast()`` (with model selection) per local midnight of the last ``origins`` days.
    """
    fleet = _fleet()
    cases = []
    for meter, column, kind in (METERS[1], METERS[4]):
        spec = fleet[meter]
        cases.append((meter, kind, _meter(spec, column, 120), _site(spec)))
    prices = simulate_prices("DE-LU", END - pd.DateOffset(days=120), END, seed=SEED)
    cases.append(("DE-LU-60min", "price", prices.set_index("ts")["price_eur_mwh"], Site()))
    figures: dict[str, float] = {}
    for name, kind, values, site in cases:
        inside = total = 0
        for day in range(origins, 0, -1):
            cut = (END - pd.DateOffset(days=day)).tz_convert("UTC")
            history, future = values[values.index < cut], values[values.index >= cut]
            frame = forecast(
                history, kind, horizon_days=1, site=site, selection_days=selection_days
            ).to_frame()
            actual = future.reindex(frame.index)
            known = actual.notna()
            if kind == "pv":
                known &= frame["p90"] > 0  # nights are exact zeros, not a test of the band
            band = (actual >= frame["p10"]) & (actual <= frame["p90"])
            inside += int(band[known].sum())
            total += int(known.sum())
        figures[f"{name}.{kind}.p10_p90_coverage"] = round(inside / total, 3)
    return figures


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
    if "--backtest" in sys.argv:
        hours = 48 if "--48h" in sys.argv else 24
        for key, value in backtest_figures(horizon_hours=hours).items():
            print(f"{key}: {value}")
    if "--coverage" in sys.argv:
        for key, value in interval_coverage().items():
            print(f"{key}: {value}")
