"""Energy KPIs of a site for the morning overview: energy, self-consumption, autarky, costs.

Pure functions over per-interval readings with the spot price of their interval, so the numbers
the dashboard shows are defined once and testable without a database. Periods are local days
(the site's time zone, DST-aware) cut at the same clock time, so "today so far" is compared with
"yesterday until the same time", not with a whole day.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PriceFn = Callable[[float], float]


@dataclass(frozen=True)
class IntervalEnergy:
    """One meter's energy over one interval, and the day-ahead price then (None if unknown)."""

    meter_id: str
    ts: datetime
    interval_minutes: int
    consumption_kwh: float
    production_kwh: float
    spot_eur_mwh: float | None


@dataclass(frozen=True)
class Window:
    """A half-open local-time window ``[start, end)``."""

    name: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class EnergyTotals:
    """What a meter (or several, summed) did in a window; rates are None when undefined."""

    consumption_kwh: float
    production_kwh: float
    self_consumed_kwh: float
    grid_import_kwh: float
    grid_export_kwh: float
    self_consumption_rate: float | None
    autarky_rate: float | None
    import_cost_eur: float
    feed_in_revenue_eur: float
    net_cost_eur: float
    avg_import_price_ct_kwh: float | None
    peak_import_kw: float
    intervals: int
    unpriced_intervals: int


@dataclass(frozen=True)
class EnergySums:
    """The additive part of :class:`EnergyTotals`: sums and counts add up and the peak takes the
    larger, so a window's figures are the ``+`` of its parts (days, meters) in any order."""

    consumption_kwh: float = 0.0
    production_kwh: float = 0.0
    self_consumed_kwh: float = 0.0
    grid_import_kwh: float = 0.0
    grid_export_kwh: float = 0.0
    import_cost_eur: float = 0.0
    feed_in_revenue_eur: float = 0.0
    peak_import_kw: float = 0.0
    intervals: int = 0
    unpriced_intervals: int = 0

    def __add__(self, other: EnergySums) -> EnergySums:
        return EnergySums(
            consumption_kwh=self.consumption_kwh + other.consumption_kwh,
            production_kwh=self.production_kwh + other.production_kwh,
            self_consumed_kwh=self.self_consumed_kwh + other.self_consumed_kwh,
            grid_import_kwh=self.grid_import_kwh + other.grid_import_kwh,
            grid_export_kwh=self.grid_export_kwh + other.grid_export_kwh,
            import_cost_eur=self.import_cost_eur + other.import_cost_eur,
            feed_in_revenue_eur=self.feed_in_revenue_eur + other.feed_in_revenue_eur,
            peak_import_kw=max(self.peak_import_kw, other.peak_import_kw),
            intervals=self.intervals + other.intervals,
            unpriced_intervals=self.unpriced_intervals + other.unpriced_intervals,
        )

    def totals(self) -> EnergyTotals:
        """The figures with their rates; a rate is None where its denominator is zero."""
        own, cons, prod, imp = (
            self.self_consumed_kwh,
            self.consumption_kwh,
            self.production_kwh,
            self.grid_import_kwh,
        )
        return EnergyTotals(
            consumption_kwh=cons,
            production_kwh=prod,
            self_consumed_kwh=own,
            grid_import_kwh=imp,
            grid_export_kwh=self.grid_export_kwh,
            self_consumption_rate=own / prod if prod > 0 else None,
            autarky_rate=own / cons if cons > 0 else None,
            import_cost_eur=self.import_cost_eur,
            feed_in_revenue_eur=self.feed_in_revenue_eur,
            net_cost_eur=self.import_cost_eur - self.feed_in_revenue_eur,
            avg_import_price_ct_kwh=self.import_cost_eur / imp * 100.0 if imp > 0 else None,
            peak_import_kw=self.peak_import_kw,
            intervals=self.intervals,
            unpriced_intervals=self.unpriced_intervals,
        )


def energy_sums(
    rows: Iterable[IntervalEnergy], import_price: PriceFn, export_price: PriceFn
) -> EnergySums:
    """Sum the intervals: self-consumption is ``min(consumption, production)`` per interval and
    meter (behind one grid connection); grid import/export are what is left over.

    Import is priced at the gross working price of its interval (``import_price``, EUR/kWh from
    the spot price), export at the feed-in tariff (``export_price``); intervals without a spot
    price are counted in ``unpriced_intervals`` and add no cost.
    """
    cons = prod = own = imp = exp = cost = revenue = peak = 0.0
    n = unpriced = 0
    for r in rows:
        n += 1
        self_used = min(r.consumption_kwh, r.production_kwh)
        grid_in = r.consumption_kwh - self_used
        grid_out = r.production_kwh - self_used
        cons += r.consumption_kwh
        prod += r.production_kwh
        own += self_used
        imp += grid_in
        exp += grid_out
        peak = max(peak, grid_in * 60.0 / r.interval_minutes)
        if r.spot_eur_mwh is None:
            unpriced += 1
        else:
            cost += grid_in * import_price(r.spot_eur_mwh)
            revenue += grid_out * export_price(r.spot_eur_mwh)
    return EnergySums(cons, prod, own, imp, exp, cost, revenue, peak, n, unpriced)


def totals(
    rows: Iterable[IntervalEnergy], import_price: PriceFn, export_price: PriceFn
) -> EnergyTotals:
    """The figures of the intervals (see :func:`energy_sums`) with their rates."""
    return energy_sums(rows, import_price, export_price).totals()


def _at(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """The local moment ``day`` at ``clock`` (a DST gap resolves forward, fold 0)."""
    return datetime.combine(day, clock, tzinfo=tz)


def comparison_windows(as_of: datetime, tz: str) -> list[Window]:
    """Today so far and the periods it is compared with, each cut at ``as_of``'s clock time.

    ``today``; ``yesterday`` and ``last_week`` (the same weekday a week ago) until the same
    time; ``month_to_date`` and ``previous_month_to_date`` (the same days of the month before,
    clamped to its length). Windows are local: on a DST day "today until 08:00" is 7 or 9 hours
    after midnight in UTC, and the comparison day is cut at 08:00 local as well.
    """
    zone = ZoneInfo(tz)
    local = as_of.astimezone(zone)
    today, clock = local.date(), local.time().replace(tzinfo=None)
    month_start = today.replace(day=1)
    prev_start = (month_start - timedelta(days=1)).replace(day=1)
    prev_day = min(today.day, calendar.monthrange(prev_start.year, prev_start.month)[1])

    def day_until_clock(name: str, day: date) -> Window:
        return Window(name, _at(day, time(0), zone), _at(day, clock, zone))

    return [
        day_until_clock("today", today),
        day_until_clock("yesterday", today - timedelta(days=1)),
        day_until_clock("last_week", today - timedelta(days=7)),
        Window("month_to_date", _at(month_start, time(0), zone), _at(today, clock, zone)),
        Window(
            "previous_month_to_date",
            _at(prev_start, time(0), zone),
            _at(prev_start.replace(day=prev_day), clock, zone),
        ),
    ]


def split_at_midnight(window: Window, tz: str) -> tuple[Window, Window]:
    """``window`` as its whole local days ``[start, midnight)`` and the rest of its last day
    ``[midnight, end)``, where midnight begins the local day of ``end``; either may be empty.

    Whole days end before today's clock time moves, so figures of the first part can be kept
    until their data changes; the second part is at most one day.
    """
    zone = ZoneInfo(tz)
    midnight = _at(window.end.astimezone(zone).date(), time(0), zone)
    cut = min(max(midnight, window.start), window.end)
    return (
        Window(f"{window.name}:days", window.start, cut),
        Window(f"{window.name}:last_day", cut, window.end),
    )


def in_window(rows: Sequence[IntervalEnergy], window: Window) -> list[IntervalEnergy]:
    return [r for r in rows if window.start <= r.ts < window.end]


@dataclass(frozen=True)
class PricePoint:
    ts: datetime
    spot_eur_mwh: float


@dataclass(frozen=True)
class PriceWindow:
    start: datetime
    end: datetime
    avg_spot_eur_mwh: float


def extreme_windows(
    prices: Sequence[PricePoint], hours: int
) -> tuple[PriceWindow | None, PriceWindow | None]:
    """The cheapest and the most expensive ``hours`` consecutive hourly prices (None if the
    series is shorter). Consecutive means adjacent points one hour apart."""
    best: PriceWindow | None = None
    worst: PriceWindow | None = None
    for i in range(len(prices) - hours + 1):
        run = prices[i : i + hours]
        if run[-1].ts - run[0].ts != timedelta(hours=hours - 1):
            continue
        avg = sum(p.spot_eur_mwh for p in run) / hours
        window = PriceWindow(run[0].ts, run[-1].ts + timedelta(hours=1), avg)
        if best is None or avg < best.avg_spot_eur_mwh:
            best = window
        if worst is None or avg > worst.avg_spot_eur_mwh:
            worst = window
    return best, worst
