"""``query_timeseries``: a meter's consumption, PV production or energy cost, or day-ahead
prices, over time.

The only way the agent reads time series: fixed, parameterised bucket queries of
:mod:`luna.store.sql.series` (the model never writes SQL), over meters the asking user may see.
The cost is the overview's: grid import (consumption minus PV in the same quarter hour) at the
tariff's gross working price of its quarter hour (:mod:`luna.store.sql.energy_sums`, the same
cached sums as ``GET /data/kpis``), so chat and dashboard never disagree.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

from luna.config import ZONE_PATTERN
from luna.domain.kpis import EnergySums
from luna.store.sql.energy_sums import span_sums
from luna.store.sql.series import (
    PriceAgg,
    PriceBucket,
    ReadingAgg,
    ReadingBucket,
    Resolution,
    aggregate_prices,
    aggregate_readings,
    costing_resolution,
    price_resolutions,
)
from luna.tools.context import ToolContext, resolve_meter_ids
from luna.tools.periods import PERIOD_HELP, Period, describe_range, resolve_range
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

NAME = "query_timeseries"
_PEAK_SPAN = timedelta(days=62)  # quarter hours searched for the peak kW, at most
MAX_RANGE = timedelta(days=3 * 366)
# Which figure of the result the question is about: the rules set it (``luna.graphs.agent.
# measures``) so the answer written by code leads with it and a follow-up keeps it; hidden from
# the model's grammar, which would only guess it.
Focus = Literal["total", "mean", "max", "min", "peak_hour", "peak_kw"]
_STAMP = {
    Resolution.MIN15: "%a %Y-%m-%d %H:%M",
    Resolution.HOUR: "%a %Y-%m-%d %H:%M",
    Resolution.DAY: "%a %Y-%m-%d",
    Resolution.MONTH: "%Y-%m",
}


class TimeseriesArgs(BaseModel):
    """Arguments of ``query_timeseries``."""

    series: Literal["consumption", "production", "self_consumption", "cost", "price"] = Field(
        description="consumption or production (PV) of a meter in kWh, the PV it used itself "
        "(self_consumption, kWh), its energy cost in EUR (grid import at the tariff's working "
        "price), or the day-ahead price of a zone in EUR/MWh"
    )
    meter_id: str | None = Field(
        default=None,
        max_length=64,
        description="Meter id like M-001; empty: all of the user's meters summed",
    )
    zone: str | None = Field(
        default=None,
        pattern=ZONE_PATTERN,
        description="Price zone (prices); empty: the site's",
        json_schema_extra=ADVANCED,
    )
    period: Period | None = Field(default=None, description=f"Named period: {PERIOD_HELP}")
    start: str | None = Field(default=None, description="ISO date instead of a period")
    end: str | None = Field(default=None, description="ISO date, inclusive; empty: now")
    resolution: Literal["15min", "hour", "day", "month"] = Field(
        default="day", description="Bucket size"
    )
    aggregation: Literal["sum", "avg", "max", "min"] | None = Field(
        default=None,
        description="Per bucket: sum (energy default), avg (price default), max, min",
    )
    focus: Focus | None = Field(
        default=None,
        description="The figure the question asks for (total, mean, max, min, peak_hour, "
        "peak_kw); the answer leads with it",
        json_schema_extra=ADVANCED,
    )


def _stamp(ts: datetime, resolution: Resolution, tz: str) -> str:
    return ts.astimezone(ZoneInfo(tz)).strftime(_STAMP[resolution])


def _check_span(start: datetime, end: datetime, resolution: Resolution, limit: int) -> None:
    if end - start > MAX_RANGE:
        raise ToolInputError("range longer than three years; narrow it")
    points = (end - start) / resolution.approx
    if points > limit:
        raise ToolInputError(
            f"{resolution.value} buckets over this range give ~{points:,.0f} points (limit "
            f"{limit:,}); choose a coarser resolution"
        )


def _listing(
    stamps: list[tuple[str, float]], unit: str, max_points: int, digits: int = 2
) -> tuple[str, list[dict[str, Any]]]:
    """Up to ``max_points`` values as text and rows; longer series are only summarised."""
    rows = [{"ts": s, "value": round(v, 4)} for s, v in stamps]
    if len(stamps) > max_points:
        return (
            f"({len(stamps)} buckets: too many to list; ask with a coarser resolution "
            "or a shorter period to see single values)",
            rows[:max_points],
        )
    text = "; ".join(f"{s} {v:.{digits}f}" for s, v in stamps)
    return f"values ({unit}): {text}", rows


def _energy(ctx: ToolContext, args: TimeseriesArgs, start: datetime, end: datetime) -> ToolOutput:
    resolution = Resolution(args.resolution)
    agg_name = args.aggregation or "sum"
    if agg_name == "min":
        raise ToolInputError("aggregation 'min' is only available for prices; use sum, avg or max")
    agg = ReadingAgg(agg_name)
    tz = ctx.timezone
    with ctx.sessions() as session:
        meters = resolve_meter_ids(session, ctx, args.meter_id)
        conn = session.connection()
        buckets = aggregate_readings(conn, meters, start, end, resolution, agg, tz, ctx.timescale)
        hourly: list[ReadingBucket] = []
        if buckets and resolution is not Resolution.MIN15:
            hourly = aggregate_readings(
                conn, meters, start, end, Resolution.HOUR, ReadingAgg.SUM, tz, ctx.timescale
            )
        quarters: list[ReadingBucket] = []
        if buckets and end - start <= _PEAK_SPAN:
            quarters = aggregate_readings(
                conn, meters, start, end, Resolution.MIN15, ReadingAgg.SUM, tz, ctx.timescale
            )
    field = "consumption_kwh" if args.series == "consumption" else "production_kwh"
    what = f"{args.series} of {', '.join(meters)}"
    span = describe_range(start, end, tz)
    query = (
        f"smart_meter_readings {field}, meters {', '.join(meters)}, {span}, "
        f"{resolution.value} {agg.value}"
    )
    figures: dict[str, Any] = {
        "kind": "energy",
        "series": args.series,
        "meter": args.meter_id,
        "meters": meters,
        "period": args.period,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "aggregation": agg.value,
        "focus": args.focus,
    }
    if not buckets:
        summary = f"{what}, {span}: no readings stored in this range."
        figures["empty"] = True
        return summary, artifact([data_ref(NAME, what, query, summary, [], figures)])
    values = [(b.ts, float(getattr(b, field))) for b in buckets]
    lines = [f"{what}, {span}, {resolution.value} {agg.value} (kWh):"]
    if agg is ReadingAgg.SUM:
        total = sum(v for _, v in values)
        intervals = sum(b.intervals for b in buckets)
        lines.append(f"total {total:.2f} kWh over {len(values)} buckets ({intervals} readings)")
        figures["total_kwh"] = round(total, 3)
    peak_ts, peak = max(values, key=lambda p: p[1])
    low_ts, low = min(values, key=lambda p: p[1])
    lines.append(
        f"highest bucket {_stamp(peak_ts, resolution, tz)}: {peak:.2f} kWh; "
        f"lowest {_stamp(low_ts, resolution, tz)}: {low:.2f} kWh"
    )
    if quarters:  # the highest quarter-hour mean power, the peak a grid operator bills
        q_ts, q_kwh = max(((b.ts, float(getattr(b, field))) for b in quarters), key=lambda p: p[1])
        figures["peak_kw"] = {"start": q_ts.isoformat(), "kw": round(q_kwh * 4, 3)}
        lines.append(
            f"highest quarter hour {_stamp(q_ts, Resolution.MIN15, tz)}: {q_kwh * 4:.2f} kW"
        )
    if resolution is Resolution.HOUR:  # the highest bucket is the peak hour
        figures["peak_hour"] = {"start": peak_ts.isoformat(), "kwh": round(peak, 3)}
    if hourly and resolution is not Resolution.HOUR:
        h_ts, h_val = max(((b.ts, float(getattr(b, field))) for b in hourly), key=lambda p: p[1])
        h_end = (h_ts + timedelta(hours=1)).astimezone(ZoneInfo(tz))
        lines.append(
            f"peak hour: {_stamp(h_ts, Resolution.HOUR, tz)}–{h_end:%H:%M}, {h_val:.2f} kWh"
        )
        figures["peak_hour"] = {"start": h_ts.isoformat(), "kwh": round(h_val, 3)}
    listing, rows = _listing(
        [(_stamp(ts, resolution, tz), v) for ts, v in values], "kWh", ctx.max_points
    )
    lines.append(listing)
    summary = "\n".join(lines[:-1])
    content = clip("\n".join(lines))
    return content, artifact([data_ref(NAME, what, query, summary, rows, figures)])


def _site_sums(
    ctx: ToolContext, args: TimeseriesArgs, start: datetime, end: datetime
) -> ToolOutput:
    """What the meters did over the whole range, as the overview sums it: the energy cost of
    the grid import (with the import and its mean price, feed-in revenue beside it) and the
    PV used on site (self-consumption, with the consumption and production it splits)."""
    tz, zone, tariff = ctx.timezone, args.zone or ctx.price_zone, ctx.tariff
    with ctx.sessions() as session:
        meters = resolve_meter_ids(session, ctx, args.meter_id)
        conn = session.connection()
        available = price_resolutions(conn, zone)
        price_minutes = costing_resolution(available)
        span = (start, end)
        sums = span_sums(conn, meters, zone, price_minutes, [span], tariff)
    total = EnergySums()
    for meter in meters:
        total += sums.get((meter, span), EnergySums())
    totals = total.totals()
    what = f"{args.series.replace('_', '-')} of {', '.join(meters)}"
    words = describe_range(start, end, tz)
    query = (
        f"smart_meter_readings × market_prices {zone}, meters {', '.join(meters)}, {words}: "
        f"grid import at the working price (day-ahead + {tariff.surcharges_net_ct_kwh} ct/kWh "
        f"net, + {tariff.vat * 100:g} % VAT)"
    )
    figures: dict[str, Any] = {
        "kind": "cost" if args.series == "cost" else "self_consumption",
        "meter": args.meter_id,
        "meters": meters,
        "period": args.period,
        "start": start.isoformat(),
        "end": end.isoformat(),
    }
    if totals.intervals == 0:
        summary = f"{what}, {words}: no readings stored in this range."
        figures["empty"] = True
        return summary, artifact([data_ref(NAME, what, query, summary, [], figures)])
    figures |= {
        "cost_eur": round(totals.import_cost_eur, 2),
        "import_kwh": round(totals.grid_import_kwh, 3),
        "avg_price_ct_kwh": (
            round(totals.avg_import_price_ct_kwh, 2)
            if totals.avg_import_price_ct_kwh is not None
            else None
        ),
        "feed_in_eur": round(totals.feed_in_revenue_eur, 2),
        "unpriced_intervals": totals.unpriced_intervals,
        "self_consumed_kwh": round(totals.self_consumed_kwh, 3),
        "consumption_kwh": round(totals.consumption_kwh, 3),
        "production_kwh": round(totals.production_kwh, 3),
    }
    summary = (
        f"{what}, {words}: {totals.import_cost_eur:.2f} EUR for {totals.grid_import_kwh:.2f} kWh "
        f"grid import (working price incl. VAT, without the monthly base price); feed-in "
        f"revenue {totals.feed_in_revenue_eur:.2f} EUR; {totals.unpriced_intervals} of "
        f"{totals.intervals} quarter hours without a price; PV used on site "
        f"{totals.self_consumed_kwh:.2f} kWh of {totals.production_kwh:.2f} kWh produced "
        f"(consumption {totals.consumption_kwh:.2f} kWh)"
    )
    return summary, artifact([data_ref(NAME, what, query, summary, [], figures)])


def _prices(ctx: ToolContext, args: TimeseriesArgs, start: datetime, end: datetime) -> ToolOutput:
    resolution = Resolution(args.resolution)
    agg_name = args.aggregation or "avg"
    if agg_name == "sum":
        raise ToolInputError("aggregation 'sum' makes no sense for prices; use avg, min or max")
    agg = PriceAgg(agg_name)
    tz, zone = ctx.timezone, args.zone or ctx.price_zone
    with ctx.sessions() as session:
        conn = session.connection()
        available = price_resolutions(conn, zone)
        if not available:
            raise ToolInputError(f"no prices stored for zone '{zone}'")
        wanted = int(resolution.approx.total_seconds() // 60)
        fine_enough = [m for m in available if m <= wanted]
        source = max(fine_enough) if fine_enough else min(available)
        buckets: list[PriceBucket] = aggregate_prices(
            conn, zone, source, start, end, resolution, agg, tz, ctx.timescale
        )
    span = describe_range(start, end, tz)
    what = f"day-ahead price {zone}"
    query = f"market_prices {zone} ({source}-min source), {span}, {resolution.value} {agg}"
    figures: dict[str, Any] = {
        "kind": "price",
        "zone": zone,
        "period": args.period,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "resolution": resolution.value,
        "aggregation": agg.value,
        "focus": args.focus,
    }
    if not buckets:
        summary = f"{what}, {span}: no prices stored in this range."
        figures["empty"] = True
        return summary, artifact([data_ref(NAME, what, query, summary, [], figures)])
    values = [(b.ts, b.price_eur_mwh) for b in buckets]
    mean = sum(v for _, v in values) / len(values)
    peak_ts, peak = max(values, key=lambda p: p[1])
    low_ts, low = min(values, key=lambda p: p[1])
    figures |= {
        "mean_eur_mwh": round(mean, 3),
        "max": {"start": peak_ts.isoformat(), "eur_mwh": round(peak, 3)},
        "min": {"start": low_ts.isoformat(), "eur_mwh": round(low, 3)},
    }
    lines = [
        f"{what}, {span}, {resolution.value} {agg.value} (EUR/MWh; 10 EUR/MWh = 1 ct/kWh, "
        "energy only, without taxes and fees):",
        f"mean {mean:.1f} EUR/MWh ({mean / 10:.2f} ct/kWh); "
        f"highest {_stamp(peak_ts, resolution, tz)}: {peak:.1f}; "
        f"lowest {_stamp(low_ts, resolution, tz)}: {low:.1f}",
    ]
    listing, rows = _listing(
        [(_stamp(ts, resolution, tz), v) for ts, v in values], "EUR/MWh", ctx.max_points, 1
    )
    lines.append(listing)
    summary = "\n".join(lines[:-1])
    return clip("\n".join(lines)), artifact([data_ref(NAME, what, query, summary, rows, figures)])


def query_timeseries_tool(ctx: ToolContext) -> BaseTool:
    @guarded(NAME)
    def run(**kwargs: Any) -> ToolOutput:
        args = TimeseriesArgs.model_validate(kwargs)
        start, end = resolve_range(
            args.period, args.start, args.end, ctx.now().astimezone(UTC), ctx.timezone
        )
        resolution = Resolution(args.resolution)
        _check_span(start, end, resolution, ctx.settings.data_max_points)
        if args.series == "price":
            return _prices(ctx, args, start, end)
        if args.series in ("cost", "self_consumption"):
            return _site_sums(ctx, args, start, end)
        return _energy(ctx, args, start, end)

    return StructuredTool.from_function(
        func=run,
        name=NAME,
        description=(
            "Read stored smart-meter energy (consumption or PV production, kWh) or its cost "
            "(EUR) of the user's meter, or day-ahead market prices of a zone, for a period. "
            "Returns the total, the highest and lowest bucket, the peak hour and the values. "
            "Use it for questions about past or today's consumption, production, costs or "
            "prices."
        ),
        args_schema=TimeseriesArgs,
        response_format="content_and_artifact",
        handle_tool_error=True,
        handle_validation_error=validation_message,
    )
