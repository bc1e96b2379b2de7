"""``optimise_schedule``: when to charge a battery or run a deferrable load on a given day.

Inputs come from the data layer, never from the model's memory: the day's stored day-ahead
prices (a price forecast where the day is not stored yet) and the meter's consumption and PV
forecast. The optimiser runs on hourly steps, which keeps it fast and the answer short.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pandas as pd
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field
from sqlalchemy.engine import Connection

from luna.forecasting import TargetKind, forecast
from luna.forecasting.history import load_history
from luna.optimisation import (
    Battery,
    DeferrableLoad,
    GridConnection,
    OptimisationInfeasible,
    OptimisationInput,
    ScheduleResult,
    ScheduleStep,
    optimise,
)
from luna.store.sql.models import Meter
from luna.store.sql.series import PriceAgg, Resolution, aggregate_prices, price_resolutions
from luna.tools.context import ToolContext, resolve_meter
from luna.tools.periods import describe_range, period_range
from luna.tools.results import (
    ADVANCED,
    ToolInputError,
    ToolOutput,
    artifact,
    clip,
    data_ref,
    guarded,
    validation_message,
)

NAME = "optimise_schedule"
HISTORY_DAYS = 35
SELECTION_DAYS = 5
DEFAULT_BATTERY = (10.0, 5.0)  # kWh, kW: a typical home battery (e.g. Luna Store 10)
_CLOCK = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"


class LoadArgs(BaseModel):
    """A deferrable load: energy that must be delivered between two clock times."""

    name: str = Field(min_length=1, max_length=40, pattern=r"^[\w\-. ]+$")
    power_kw: float = Field(gt=0, le=50)
    energy_kwh: float = Field(gt=0, le=200)
    earliest: str = Field(default="00:00", pattern=_CLOCK, description="HH:MM local")
    latest: str = Field(default="24:00", pattern=_CLOCK, description="HH:MM local")


class ScheduleArgs(BaseModel):
    """Arguments of ``optimise_schedule``."""

    meter_id: str | None = Field(default=None, max_length=64, description="Meter; empty: yours")
    day: Literal["today", "tomorrow"] = Field(default="tomorrow", description="Day to plan")
    battery_capacity_kwh: float | None = Field(default=None, gt=0, le=1000)
    battery_power_kw: float | None = Field(default=None, gt=0, le=500)
    initial_soc_pct: float = Field(default=50.0, ge=0, le=100)
    loads: list[LoadArgs] = Field(default_factory=list, max_length=5)
    surcharge_ct_kwh: float = Field(
        default=0.0, ge=0, le=100, description="Fixed add-on per kWh on top of the spot price"
    )
    feed_in_ct_kwh: float = Field(
        default=0.0, ge=0, le=100, description="Feed-in price", json_schema_extra=ADVANCED
    )
    grid_kw: float = Field(
        default=30.0,
        gt=0,
        le=1000,
        description="Grid connection limit",
        json_schema_extra=ADVANCED,
    )


def _hours(start: datetime, end: datetime, tz: str) -> pd.DatetimeIndex:
    return pd.date_range(start, end, freq="1h", inclusive="left").tz_convert(tz)


def _stored_prices(
    conn: Connection, ctx: ToolContext, zone: str, index: pd.DatetimeIndex
) -> pd.Series | None:
    sources = price_resolutions(conn, zone)
    if not sources:
        return None
    buckets = aggregate_prices(
        conn,
        zone,
        min(sources),
        index[0].to_pydatetime(),
        (index[-1] + pd.Timedelta(hours=1)).to_pydatetime(),
        Resolution.HOUR,
        PriceAgg.AVG,
        ctx.timezone,
        ctx.timescale,
    )
    if len(buckets) != len(index):
        return None
    return pd.Series([b.price_eur_mwh for b in buckets], index=index)


def _hourly_forecast(series: pd.Series, kind: TargetKind, index: pd.DatetimeIndex) -> pd.Series:
    """Actuals where stored, else the forecast, per hour over ``index`` (kWh summed, EUR/MWh
    averaged)."""
    series = series.tz_convert("UTC")
    step = series.index[1] - series.index[0]
    end = (index[-1] + pd.Timedelta(hours=1)).tz_convert("UTC")
    last = series.index[-1] + step
    combined = series
    if end > last:
        steps = int((end - last) / step)
        if steps * step > pd.Timedelta(days=7):
            raise ToolInputError(
                f"stored {kind.value} data ends {last:%Y-%m-%d}: too old to forecast this day"
            )
        result = forecast(series, kind, horizon_steps=steps, selection_days=SELECTION_DAYS)
        combined = pd.concat([series, result.to_frame()["point"]])
    hourly = combined.resample("1h").agg("mean" if kind is TargetKind.PRICE else "sum")
    return hourly.reindex(index.tz_convert("UTC")).fillna(0.0).set_axis(index)


def _inputs(
    ctx: ToolContext, args: ScheduleArgs, meter: Meter, index: pd.DatetimeIndex, conn: Connection
) -> tuple[OptimisationInput, list[str]]:
    notes: list[str] = []
    prices = _stored_prices(conn, ctx, meter.zone, index)
    if prices is None:
        history = load_history(
            conn, ctx.settings, TargetKind.PRICE, zone=meter.zone, days=HISTORY_DAYS
        )
        prices = _hourly_forecast(history.series, TargetKind.PRICE, index)
        notes.append("prices for this day are not published yet: used a price forecast")
    load_history_ = load_history(
        conn, ctx.settings, TargetKind.CONSUMPTION, meter_id=meter.meter_id, days=HISTORY_DAYS
    )
    load = _hourly_forecast(load_history_.series, TargetKind.CONSUMPTION, index)
    pv = pd.Series(0.0, index=index)
    if (meter.pv_kwp or 0) > 0:
        pv_history = load_history(
            conn, ctx.settings, TargetKind.PV, meter_id=meter.meter_id, days=HISTORY_DAYS
        )
        pv = _hourly_forecast(pv_history.series, TargetKind.PV, index)
    battery = None
    capacity, power = args.battery_capacity_kwh, args.battery_power_kw
    if capacity is None and power is None and not args.loads:
        capacity, power = DEFAULT_BATTERY
        notes.append(f"no battery given: assumed {capacity:g} kWh / {power:g} kW")
    if capacity is not None or power is not None:
        capacity = capacity or (power or DEFAULT_BATTERY[1]) * 2
        power = power or capacity / 2
        battery = Battery(
            capacity_kwh=capacity,
            max_charge_kw=power,
            max_discharge_kw=power,
            initial_soc_fraction=args.initial_soc_pct / 100,
        )
    local = ZoneInfo(ctx.timezone)
    day = index[0].tz_convert(local).date()

    def at(clock: str) -> datetime:
        if clock == "24:00":
            return datetime.combine(day + timedelta(days=1), time(), tzinfo=local)
        return datetime.combine(day, time.fromisoformat(clock), tzinfo=local)

    loads = [
        DeferrableLoad(
            name=load_args.name,
            power_kw=load_args.power_kw,
            energy_kwh=load_args.energy_kwh,
            earliest_start=max(at(load_args.earliest), index[0].to_pydatetime()),
            latest_end=at(load_args.latest),
        )
        for load_args in args.loads
    ]
    surcharge = args.surcharge_ct_kwh / 100
    problem = OptimisationInput(
        start=index[0].to_pydatetime(),
        step_minutes=60,
        timezone=ctx.timezone,
        import_price_eur_kwh=[p / 1000 + surcharge for p in prices],
        export_price_eur_kwh=[args.feed_in_ct_kwh / 100] * len(index),
        load_kwh=[max(float(v), 0.0) for v in load],
        pv_kwh=[max(float(v), 0.0) for v in pv],
        grid=GridConnection(max_import_kw=args.grid_kw, max_export_kw=args.grid_kw),
        battery=battery,
        deferrable_loads=loads,
    )
    return problem, notes


def _runs(result: ScheduleResult, field: str, tz: str) -> list[str]:
    """Contiguous runs of a non-zero flow as ``02:00–05:00 (6.2 kWh)``."""
    local = ZoneInfo(tz)
    groups: list[list[ScheduleStep]] = [[]]
    for step in result.steps:
        if getattr(step, field) > 0.01:
            groups[-1].append(step)
        elif groups[-1]:
            groups.append([])
    return [
        f"{g[0].start.astimezone(local):%H:%M}–{g[-1].end.astimezone(local):%H:%M} "
        f"({sum(getattr(s, field) for s in g):.1f} kWh)"
        for g in groups
        if g
    ]


def describe(result: ScheduleResult, tz: str) -> list[str]:
    local = ZoneInfo(tz)
    lines = [result.summary().splitlines()[0]]
    charge, discharge = (
        _runs(result, "battery_charge_kwh", tz),
        _runs(result, "battery_discharge_kwh", tz),
    )
    if charge or discharge:
        lines.append(
            f"battery: charge {', '.join(charge) or 'never'}; "
            f"discharge {', '.join(discharge) or 'never'}"
        )
    for load in result.deferrable_loads:
        when = (
            f"{load.first_run.astimezone(local):%H:%M}–{load.last_run_end.astimezone(local):%H:%M}"
            if load.first_run and load.last_run_end
            else "not run"
        )
        lines.append(
            f"{load.name}: {when}, {load.energy_kwh:.1f} kWh, {load.energy_cost_eur:.2f} EUR"
        )
    binding = [b.message for b in result.binding_constraints[:4]]
    if binding:
        lines.append("binding constraints: " + " ".join(binding))
    return lines


def optimise_schedule_tool(ctx: ToolContext) -> BaseTool:
    @guarded(NAME)
    def run(**kwargs: Any) -> ToolOutput:
        args = ScheduleArgs.model_validate(kwargs)
        now = ctx.now().astimezone(UTC)
        day_start, day_end = period_range(args.day, now, ctx.timezone)
        start = max(
            day_start, (now + timedelta(minutes=59)).replace(minute=0, second=0, microsecond=0)
        )
        if day_end - start < timedelta(hours=1):
            raise ToolInputError("this day is almost over; plan 'tomorrow' instead")
        index = _hours(start, day_end, ctx.timezone)
        with ctx.sessions() as session:
            meter = resolve_meter(session, ctx, args.meter_id)
            problem, notes = _inputs(ctx, args, meter, index, session.connection())
        try:
            result = optimise(problem, explain="exact")  # savings the customer reads: exact
        except OptimisationInfeasible as exc:
            raise ToolInputError(f"no feasible schedule: {exc.reason}") from exc
        span = describe_range(start, day_end, ctx.timezone)
        lines = [f"schedule for {meter.meter_id}, {span}, hourly:", *describe(result, ctx.timezone)]
        lines += [f"note: {n}" for n in notes]
        rows = [
            {
                "ts": f"{s.start:%H:%M}",
                "price_ct_kwh": round(s.import_price_eur_kwh * 100, 2),
                "load_kwh": round(s.load_kwh, 3),
                "pv_kwh": round(s.pv_kwh, 3),
                "charge_kwh": round(s.battery_charge_kwh, 3),
                "discharge_kwh": round(s.battery_discharge_kwh, 3),
                "grid_import_kwh": round(s.grid_import_kwh, 3),
            }
            for s in result.steps
        ]
        summary = "\n".join(lines)
        query = f"optimiser on stored prices and forecasts, {meter.meter_id}, {span}"
        ref = data_ref(NAME, f"schedule {meter.meter_id} {args.day}", query, summary, rows)
        return clip(summary), artifact(
            [ref], savings_eur=result.savings_eur, cost_eur=result.total_cost_eur
        )

    return StructuredTool.from_function(
        func=run,
        name=NAME,
        description=(
            "Plan when to charge and discharge a home battery and when to run deferrable loads "
            "(EV, dishwasher, heat pump) today or tomorrow, against stored day-ahead prices "
            "and the meter's consumption and PV forecast. Returns the schedule, the savings "
            "against a naive baseline and the binding constraints."
        ),
        args_schema=ScheduleArgs,
        response_format="content_and_artifact",
        handle_tool_error=True,
        handle_validation_error=validation_message,
    )
