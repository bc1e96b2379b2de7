"""``forecast``: consumption, PV or price for the next hours, with an 80 % interval.

The engine forecasts at the stored step (15 min for meters); the tool sums or averages that
into at most ``max_points`` buckets so the model reads a short table, and reports the model the
engine chose and its backtest error.
"""

from __future__ import annotations

import math
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pandas as pd
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

from luna.config import ZONE_PATTERN
from luna.forecasting import Forecast, TargetKind, forecast
from luna.forecasting.history import load_history
from luna.tools.context import ToolContext, resolve_meter
from luna.tools.results import (
    ADVANCED,
    ToolOutput,
    artifact,
    clip,
    data_ref,
    guarded,
    validation_message,
)

NAME = "forecast"
HISTORY_DAYS = 35  # enough for the weekly and gradient-boosting models
SELECTION_DAYS = 7  # backtest origins for model choice: keeps a forecast within seconds
_BUCKET_HOURS = (1, 2, 3, 4, 6, 12, 24)


class ForecastArgs(BaseModel):
    """Arguments of ``forecast``."""

    target: Literal["consumption", "pv", "price"] = Field(
        description="consumption or pv (PV production) of a meter, or the day-ahead price"
    )
    meter_id: str | None = Field(
        default=None, max_length=64, description="Meter id like M-001; empty: your only meter"
    )
    zone: str | None = Field(
        default=None,
        pattern=ZONE_PATTERN,
        description="Price zone (price); empty: the site's",
        json_schema_extra=ADVANCED,
    )
    horizon_hours: int = Field(default=24, ge=1, le=168, description="Hours ahead, 1 to 168")


def bucket_hours(horizon_hours: int, max_points: int) -> int:
    """The smallest bucket (in hours) that shows the horizon in at most ``max_points`` rows."""
    need = math.ceil(horizon_hours / max(max_points, 1))
    return next((h for h in _BUCKET_HOURS if h >= need), 24)


def summarise(result: Forecast, hours: int, tz: str) -> pd.DataFrame:
    """Forecast per ``hours``-bucket: energy summed, prices averaged (p10/p90 likewise).

    Summing per-step quantiles gives a wider band than the true quantile of the sum: a
    conservative interval, which is what a planning answer wants.
    """
    frame = result.to_frame().tz_convert(ZoneInfo(tz))
    how = "mean" if result.kind is TargetKind.PRICE else "sum"
    grouped = frame.resample(f"{hours}h").agg(how)
    return grouped


def forecast_tool(ctx: ToolContext) -> BaseTool:
    @guarded(NAME)
    def run(**kwargs: Any) -> ToolOutput:
        args = ForecastArgs.model_validate(kwargs)
        kind = TargetKind(args.target)
        with ctx.sessions() as session:
            meter_id = None
            if kind is not TargetKind.PRICE:
                meter_id = resolve_meter(session, ctx, args.meter_id).meter_id
            history = load_history(
                session.connection(),
                ctx.settings,
                kind,
                meter_id=meter_id,
                zone=args.zone or ctx.price_zone,
                days=HISTORY_DAYS,
                timescale=ctx.timescale,
            )
        step = history.series.index[1] - history.series.index[0]
        steps = max(1, int(pd.Timedelta(hours=args.horizon_hours) / step))
        result = forecast(
            history.series,
            kind,
            horizon_steps=steps,
            site=history.site,
            selection_days=SELECTION_DAYS,
        )
        hours = bucket_hours(args.horizon_hours, ctx.max_points)
        table = summarise(result, hours, ctx.timezone)
        unit = "EUR/MWh" if kind is TargetKind.PRICE else "kWh"
        first, last = table.index[0], table.index[-1] + pd.Timedelta(hours=hours)
        score = result.backtest
        lines = [
            f"forecast {history.label}, {first:%Y-%m-%d %H:%M} – {last:%Y-%m-%d %H:%M} "
            f"({ctx.timezone}), per {hours} h, {unit}, model {result.model}"
            + (f" (backtest MAE {score.mae:.3f} per step)" if score is not None else ""),
        ]
        if kind is TargetKind.PRICE:
            lines.append(
                f"mean {table['point'].mean():.1f} EUR/MWh; lowest bucket "
                f"{table['point'].idxmin():%a %H:%M} {table['point'].min():.1f}; highest "
                f"{table['point'].idxmax():%a %H:%M} {table['point'].max():.1f}"
            )
        else:
            lines.append(
                f"total {table['point'].sum():.2f} kWh (80 % interval "
                f"{table['p10'].sum():.2f}–{table['p90'].sum():.2f}); highest bucket "
                f"{table['point'].idxmax():%a %H:%M} {table['point'].max():.2f} kWh"
            )
        rows: list[dict[str, Any]] = [
            {
                "ts": f"{ts:%Y-%m-%d %H:%M}",
                "value": round(float(r["point"]), 3),
                "p10": round(float(r["p10"]), 3),
                "p90": round(float(r["p90"]), 3),
            }
            for ts, r in table.iterrows()
        ]
        lines.append(
            "values (point [p10–p90]): "
            + "; ".join(f"{r['ts'][5:]} {r['value']} [{r['p10']}–{r['p90']}]" for r in rows)
        )
        summary = "\n".join(lines[:2])
        query = f"{history.label}: {HISTORY_DAYS} days of stored history, {result.model}"
        # The meter the figures are of, so no answer can give them as another meter's.
        figures = {
            "kind": "forecast",
            "target": kind.value,
            "meters": [meter_id] if meter_id else [],
        }
        ref = data_ref(NAME, f"forecast {history.label}", query, summary, rows, figures)
        return clip("\n".join(lines)), artifact([ref], model=result.model)

    return StructuredTool.from_function(
        func=run,
        name=NAME,
        description=(
            "Forecast a meter's consumption or PV production (kWh), or the day-ahead price, "
            "for the next hours from stored history. Returns values with an 80 % interval "
            "(p10–p90) and the model used."
        ),
        args_schema=ForecastArgs,
        response_format="content_and_artifact",
        handle_tool_error=True,
        handle_validation_error=validation_message,
    )
