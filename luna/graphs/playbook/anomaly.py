"""Anomaly playbook: hours in which consumption left the forecast's prediction interval.

The last ``horizon_hours`` of stored consumption are compared with a forecast made from the
history before them (a backtest of that window). An hour is unusual when its measured energy
lies outside the sum of the quarter hours' 80 % interval bounds; summing the bounds widens the
interval, so the test is conservative. Each run of unusual hours becomes one action, with the
extra (or missing) energy and what it cost at the hour's working price.
"""

from __future__ import annotations

import pandas as pd

from luna.domain.tariff import Tariff
from luna.forecasting import Forecast
from luna.graphs.playbook.errors import PlaybookError
from luna.graphs.playbook.figures import figure, number_text, window_text
from luna.graphs.playbook.schema import PlaybookAction, PlaybookEvidence, PlaybookRequest
from luna.graphs.playbook.state import Analysis, MeterInfo
from luna.graphs.playbook.texts import text

MAX_ACTIONS = 6


def hourly_comparison(
    actual: pd.Series, predicted: Forecast, spot_eur_mwh: pd.Series, timezone: str
) -> pd.DataFrame:
    """Per local hour: measured, forecast, interval bounds, spot price, and the verdict."""
    frame = predicted.to_frame()
    frame["actual"] = actual.reindex(frame.index)
    frame = frame.dropna(subset=["actual"])
    hour = pd.DatetimeIndex(frame.index).floor("h")
    hourly = frame.groupby(hour).sum()
    hourly["spot"] = spot_eur_mwh.reindex(hourly.index).to_numpy()
    hourly["low"] = hourly["p10"]
    hourly["high"] = hourly["p90"]
    hourly["deviation"] = hourly["actual"] - hourly["point"]
    hourly["outside"] = (hourly["actual"] > hourly["high"]) | (hourly["actual"] < hourly["low"])
    hourly.index = pd.DatetimeIndex(hourly.index).tz_convert(timezone)
    return hourly


def _runs(hourly: pd.DataFrame) -> list[pd.DataFrame]:
    runs: list[pd.DataFrame] = []
    current: list[pd.Timestamp] = []
    for ts, outside in zip(pd.DatetimeIndex(hourly.index), hourly["outside"], strict=True):
        if outside and (not current or ts - current[-1] == pd.Timedelta(hours=1)):
            current.append(ts)
            continue
        if current:
            runs.append(hourly.loc[current])
        current = [ts] if outside else []
    if current:
        runs.append(hourly.loc[current])
    return runs


def analyse_anomaly(
    request: PlaybookRequest,
    meter: MeterInfo,
    actual: pd.Series,
    predicted: Forecast,
    spot_eur_mwh: pd.Series,
    timezone: str,
    tariff: Tariff,
) -> Analysis:
    lang = request.language
    hourly = hourly_comparison(actual, predicted, spot_eur_mwh, timezone)
    if hourly.empty:
        raise PlaybookError("no measured consumption in the look-back window")
    actions = []
    for run in _runs(hourly):
        start = run.index[0].to_pydatetime()
        end = (run.index[-1] + pd.Timedelta(hours=1)).to_pydatetime()
        deviation = float(run["deviation"].sum())
        prices = run["spot"].fillna(hourly["spot"].mean())
        cost = float(
            sum(
                d * tariff.import_price_eur_kwh(p)
                for d, p in zip(run["deviation"], prices, strict=True)
            )
        )
        width = float((run["high"] - run["low"]).sum())
        beyond = float(
            (run["actual"] - run["high"]).clip(lower=0).sum()
            + (run["low"] - run["actual"]).clip(lower=0).sum()
        )
        title = "anomaly.higher.title" if deviation > 0 else "anomaly.lower.title"
        actions.append(
            PlaybookAction(
                title=text(lang, title),
                device="whole meter",
                start=start,
                end=end,
                window=window_text(start, end, lang),
                energy_kwh=round(deviation, 2),
                cost_change_eur=round(cost, 2),
                confidence="high" if beyond > 0.5 * max(width, 1e-9) else "medium",
                detail=text(
                    lang,
                    "anomaly.detail",
                    **{
                        column: number_text(float(run[column].sum()), 2, lang)
                        for column in ("actual", "point", "low", "high")
                    },
                ),
            )
        )
    actions = sorted(actions, key=lambda a: abs(a.energy_kwh or 0.0), reverse=True)[:MAX_ACTIONS]
    actions.sort(key=lambda a: a.start or hourly.index[0])
    unusual = int(hourly["outside"].sum())
    excess = float(hourly.loc[hourly["outside"], "deviation"].sum())
    excess_cost = sum(a.cost_change_eur or 0.0 for a in actions)
    mae = predicted.backtest.mae if predicted.backtest is not None else None
    figures = [
        figure("unusual_hours", unusual, "h", lang),
        figure("hours", len(hourly), "h", lang),
        figure("deviation_kwh", excess, "kWh", lang),
        figure("deviation_eur", excess_cost, "EUR", lang),
        figure("actual_kwh", float(hourly["actual"].sum()), "kWh", lang),
        figure("forecast_kwh", float(hourly["point"].sum()), "kWh", lang),
    ]
    window = window_text(
        hourly.index[0].to_pydatetime(),
        (hourly.index[-1] + pd.Timedelta(hours=1)).to_pydatetime(),
        lang,
    )
    headline = text(
        lang,
        {0: "anomaly.headline.none", 1: "anomaly.headline.one"}.get(unusual, "anomaly.headline"),
        count=unusual,
        meter=meter.meter_id,
        window=window,
    )
    risks = [text(lang, "anomaly.risk.chance")]
    if mae is not None:
        risks.append(
            text(
                lang, "anomaly.risk.forecast", model=predicted.model, mae=number_text(mae, 3, lang)
            )
        )
    evidence = PlaybookEvidence(
        data_window=window,
        price_source="stored" if hourly["spot"].notna().all() else "mixed",
        forecasts=[
            {
                "kind": predicted.kind.value,
                "model": predicted.model,
                "steps": len(predicted.values),
                "backtest_mae": round(mae, 4) if mae is not None else None,
            }
        ],
        engine={"engine": "forecast backtest", "interval": "p10–p90", "unusual_hours": unusual},
    )
    inputs = {
        "actual_kwh": {
            ts.isoformat(): float(v)
            for ts, v in zip(pd.DatetimeIndex(actual.index), actual, strict=True)
        },
        "forecast": predicted.model_dump(mode="json"),
        "hourly": {
            "hours": [ts.isoformat() for ts in pd.DatetimeIndex(hourly.index)],
            **{
                column: hourly[column].astype(float).round(4).tolist()
                for column in ("actual", "point", "low", "high")
            },
            "outside": hourly["outside"].astype(bool).tolist(),
        },
    }
    return Analysis(
        headline=headline,
        actions=actions,
        figures=figures,
        assumptions=[
            text(lang, "anomaly.assumption.forecast", model=predicted.model, window=window),
            text(lang, "anomaly.assumption.prices"),
        ],
        risks=risks,
        evidence=evidence,
        queries=[
            "Ersatzwerte fehlende Messwerte viertelstündliche Messwerte Abrechnung",
            "Luna-IEMS optimisation plans every 15 minutes",
        ],
        inputs=inputs,
    )
