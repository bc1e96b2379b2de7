"""KPI arithmetic (self-consumption per interval, autarky, costs) and the local-time windows
the overview compares, including DST days and short months."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from luna.domain.kpis import (
    EnergySums,
    IntervalEnergy,
    PricePoint,
    Window,
    comparison_windows,
    energy_sums,
    extreme_windows,
    in_window,
    split_at_midnight,
    totals,
)

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def row(minutes: int, consumption: float, production: float, spot: float | None, meter: str = "M"):
    return IntervalEnergy(meter, T0 + timedelta(minutes=minutes), 15, consumption, production, spot)


def import_price(spot: float) -> float:
    return 0.30 + spot / 1000.0  # EUR/kWh


def export_price(spot: float) -> float:
    return 0.0 if spot < 0 else 0.08


def test_self_consumption_is_counted_per_interval_not_over_the_day():
    # Over the whole window production equals consumption, but in no interval do both happen:
    # nothing is self-consumed, everything is imported and exported.
    rows = [row(0, 1.0, 0.0, 100.0), row(15, 0.0, 1.0, 100.0)]
    t = totals(rows, import_price, export_price)
    assert t.self_consumed_kwh == 0.0
    assert t.grid_import_kwh == 1.0
    assert t.grid_export_kwh == 1.0
    assert t.autarky_rate == 0.0
    assert t.self_consumption_rate == 0.0


def test_rates_costs_and_peak_follow_their_definitions():
    rows = [
        row(0, 2.0, 0.5, 100.0),  # 0.5 own, 1.5 import at 0.40, peak 6 kW
        row(15, 1.0, 3.0, -20.0),  # 1.0 own, 2.0 export unpaid (negative price)
        row(30, 0.5, 1.0, 50.0),  # 0.5 own, 0.5 export at 0.08
    ]
    t = totals(rows, import_price, export_price)
    assert t.consumption_kwh == pytest.approx(3.5)
    assert t.production_kwh == pytest.approx(4.5)
    assert t.self_consumed_kwh == pytest.approx(2.0)
    assert t.autarky_rate == pytest.approx(2.0 / 3.5)
    assert t.self_consumption_rate == pytest.approx(2.0 / 4.5)
    assert t.import_cost_eur == pytest.approx(1.5 * 0.40)
    assert t.feed_in_revenue_eur == pytest.approx(0.5 * 0.08)
    assert t.net_cost_eur == pytest.approx(0.60 - 0.04)
    assert t.avg_import_price_ct_kwh == pytest.approx(40.0)
    assert t.peak_import_kw == pytest.approx(6.0)


def test_meters_are_separate_grid_connections():
    # One meter's PV cannot cover another meter's load.
    rows = [row(0, 1.0, 0.0, 80.0, "A"), row(0, 0.0, 1.0, 80.0, "B")]
    assert totals(rows, import_price, export_price).self_consumed_kwh == 0.0


def test_unpriced_intervals_are_counted_and_cost_nothing():
    t = totals([row(0, 1.0, 0.0, None), row(15, 1.0, 0.0, 0.0)], import_price, export_price)
    assert t.unpriced_intervals == 1
    assert t.import_cost_eur == pytest.approx(0.30)


def test_empty_window_has_no_rates():
    t = totals([], import_price, export_price)
    assert (t.autarky_rate, t.self_consumption_rate, t.avg_import_price_ct_kwh) == (
        None,
        None,
        None,
    )


def test_sums_of_parts_add_up_to_the_sums_of_the_whole():
    rows = [
        row(0, 2.0, 0.5, 100.0, "A"),
        row(15, 1.0, 3.0, -20.0, "A"),
        row(0, 0.5, 1.0, None, "B"),
        row(30, 4.0, 0.0, 50.0, "B"),
    ]
    parts = [energy_sums(rows[:1], import_price, export_price)]
    parts += [energy_sums(rows[1:3], import_price, export_price)]
    parts += [energy_sums(rows[3:], import_price, export_price)]
    whole = totals(rows, import_price, export_price)
    combined = sum(parts, EnergySums()).totals()
    assert vars(combined) == pytest.approx(vars(whole))
    assert combined.peak_import_kw == pytest.approx(16.0)  # the largest part, not a sum
    assert EnergySums().totals() == totals([], import_price, export_price)


def test_a_window_splits_into_its_whole_days_and_its_last_day():
    as_of = datetime(2026, 11, 24, 8, 30, tzinfo=BERLIN)
    w = {x.name: x for x in comparison_windows(as_of, "Europe/Berlin")}
    days, last = split_at_midnight(w["month_to_date"], "Europe/Berlin")
    midnight = datetime(2026, 11, 24, tzinfo=BERLIN)
    assert (days.start, days.end) == (datetime(2026, 11, 1, tzinfo=BERLIN), midnight)
    assert (last.start, last.end) == (midnight, as_of)
    days, last = split_at_midnight(w["yesterday"], "Europe/Berlin")  # one day: no whole days
    assert days.start == days.end == w["yesterday"].start
    assert (last.start, last.end) == (w["yesterday"].start, w["yesterday"].end)
    at_midnight = Window("w", datetime(2026, 11, 20, tzinfo=BERLIN), midnight)
    days, last = split_at_midnight(at_midnight, "Europe/Berlin")  # ends at midnight: no rest
    assert (days.start, days.end, last.start, last.end) == (
        at_midnight.start,
        midnight,
        midnight,
        midnight,
    )


def test_windows_cut_every_day_at_the_same_local_clock_time():
    as_of = datetime(2026, 11, 24, 8, 30, tzinfo=BERLIN)
    w = {x.name: x for x in comparison_windows(as_of, "Europe/Berlin")}
    assert (w["today"].start, w["today"].end) == (datetime(2026, 11, 24, tzinfo=BERLIN), as_of)
    assert w["yesterday"].end == datetime(2026, 11, 23, 8, 30, tzinfo=BERLIN)
    assert w["last_week"].start == datetime(2026, 11, 17, tzinfo=BERLIN)
    assert w["month_to_date"].start == datetime(2026, 11, 1, tzinfo=BERLIN)
    assert w["previous_month_to_date"].end == datetime(2026, 10, 24, 8, 30, tzinfo=BERLIN)


def test_dst_day_windows_are_local_days():
    # 2026-03-29: clocks jump 02:00 → 03:00; until 08:00 local is 7 hours, the day before 8.
    as_of = datetime(2026, 3, 29, 8, 0, tzinfo=BERLIN)
    w = {x.name: x for x in comparison_windows(as_of, "Europe/Berlin")}

    def hours(x):  # elapsed time, not wall-clock difference
        return x.end.astimezone(UTC) - x.start.astimezone(UTC)

    assert hours(w["today"]) == timedelta(hours=7)
    assert hours(w["yesterday"]) == timedelta(hours=8)
    assert w["today"].start.astimezone(UTC) == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)


def test_previous_month_is_clamped_to_its_length():
    as_of = datetime(2026, 3, 31, 12, 0, tzinfo=BERLIN)
    w = {x.name: x for x in comparison_windows(as_of, "Europe/Berlin")}
    assert w["previous_month_to_date"].end == datetime(2026, 2, 28, 12, 0, tzinfo=BERLIN)


def test_in_window_is_half_open():
    rows = [row(0, 1, 0, 1), row(15, 1, 0, 1), row(30, 1, 0, 1)]
    w = comparison_windows(T0 + timedelta(minutes=30), "UTC")[0]
    assert [r.ts for r in in_window(rows, w)] == [T0, T0 + timedelta(minutes=15)]


def test_extreme_windows_find_cheapest_and_dearest_consecutive_hours():
    spots = [50, 40, 10, 5, 20, 90, 95, 30]
    prices = [PricePoint(T0 + timedelta(hours=i), s) for i, s in enumerate(spots)]
    cheap, dear = extreme_windows(prices, 2)
    assert cheap is not None
    assert dear is not None
    assert (cheap.start, cheap.end) == (T0 + timedelta(hours=2), T0 + timedelta(hours=4))
    assert cheap.avg_spot_eur_mwh == pytest.approx(7.5)
    assert dear.start == T0 + timedelta(hours=5)


def test_extreme_windows_skip_gaps_and_short_series():
    prices = [PricePoint(T0, 1.0), PricePoint(T0 + timedelta(hours=2), 2.0)]
    assert extreme_windows(prices, 2) == (None, None)
