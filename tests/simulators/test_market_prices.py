"""The day-ahead price simulator: contract, market shape, negative hours, quarter-hours."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from luna.simulators.national_drivers import national_drivers
from luna.simulators.simulate_market_prices import COLUMNS, simulate_prices
from luna.simulators.simulate_smart_meter import MeterSpec, simulate_meter

TZ = "Europe/Berlin"
ZONE = "DE-LU"
YEAR_START = pd.Timestamp("2026-01-01", tz=TZ)
YEAR_END = pd.Timestamp("2027-01-01", tz=TZ)
SEEDS = (1, 2, 3)


@pytest.fixture(scope="module")
def years() -> dict[int, pd.Series]:
    """A simulated year of hourly prices per seed, on local time."""
    out = {}
    for seed in SEEDS:
        frame = simulate_prices(ZONE, YEAR_START, YEAR_END, seed=seed)
        out[seed] = frame.set_index("ts")["price_eur_mwh"].tz_convert(TZ)
    return out


def test_frame_has_exactly_the_contract_columns_and_types():
    frame = simulate_prices(ZONE, YEAR_START, YEAR_START + pd.DateOffset(days=2), seed=1)
    assert tuple(frame.columns) == COLUMNS
    assert (frame["zone"] == ZONE).all()
    assert str(frame["ts"].dt.tz) == "UTC"
    assert frame["resolution_minutes"].dtype == np.int64
    assert (frame["resolution_minutes"] == 60).all()
    assert frame["price_eur_mwh"].dtype == np.float64
    assert len(frame) == 48


def test_a_year_has_a_market_like_level_spread_and_negative_share(years):
    for prices in years.values():
        assert len(prices) == 8760
        assert 60 < prices.mean() < 110
        assert 30 < prices.std() < 80
        assert 0.01 < (prices < 0).mean() < 0.10
        assert prices.min() >= -500
        assert prices.max() <= 4000
        assert (prices > 250).sum() >= 1  # occasional scarcity spikes


def test_negative_prices_come_at_sunny_middays_in_spring_and_summer_but_not_every_day(years):
    for seed, prices in years.items():
        summer = prices[(prices.index.month >= 4) & (prices.index.month <= 8)]
        negative_days = (summer < 0).groupby(summer.index.date).any()
        assert 5 <= negative_days.sum() < 0.8 * len(negative_days)
        negative_hours = summer[summer < 0].index.hour
        assert np.isin(negative_hours, range(9, 18)).mean() > 0.7
        solar = national_drivers(ZONE, 2026, seed)["solar"].tz_convert(TZ)
        sunny = solar.resample("D").sum().loc[lambda s: s.index.month.isin(range(4, 9))]
        dull_days = set(sunny[sunny < sunny.quantile(0.25)].index.date)
        negative = set(negative_days[negative_days].index)
        assert len(negative & dull_days) < 0.25 * len(negative)


def test_winter_weekdays_show_a_morning_and_an_evening_peak(years):
    for prices in years.values():
        winter = prices[prices.index.month.isin([1, 2, 12]) & (prices.index.day_of_week < 5)]
        by_hour = winter.groupby(winter.index.hour).mean()
        morning, evening = by_hour[7:10].max(), by_hour[17:20].max()
        midday, night = by_hour[12:15].mean(), by_hour[2:5].mean()
        assert min(morning, evening) > midday + 5
        assert min(morning, evening) > night + 20


def test_weekends_are_cheaper_than_weekdays(years):
    for prices in years.values():
        weekday = prices[prices.index.day_of_week < 5].mean()
        assert prices[prices.index.day_of_week == 6].mean() < weekday - 10


def test_quarter_hours_average_to_the_hourly_price_and_vary_within_the_hour():
    start, end = pd.Timestamp("2026-05-01", tz=TZ), pd.Timestamp("2026-06-01", tz=TZ)
    hourly = simulate_prices(ZONE, start, end, seed=4)
    quarters = simulate_prices(ZONE, start, end, seed=4, resolution_minutes=15)
    assert (quarters["resolution_minutes"] == 15).all()
    assert len(quarters) == 4 * len(hourly)
    means = quarters["price_eur_mwh"].to_numpy().reshape(-1, 4).mean(axis=1)
    np.testing.assert_allclose(means, hourly["price_eur_mwh"], atol=0.011)
    spread = np.ptp(quarters["price_eur_mwh"].to_numpy().reshape(-1, 4), axis=1)
    assert np.median(spread) > 2.0
    halves = simulate_prices(ZONE, start, end, seed=4, resolution_minutes=30)
    pairs = halves["price_eur_mwh"].to_numpy().reshape(-1, 2).mean(axis=1)
    np.testing.assert_allclose(pairs, hourly["price_eur_mwh"], atol=0.011)


@pytest.mark.parametrize(("day", "quarters"), [("2026-03-29", 92), ("2026-10-25", 100)])
def test_clock_change_days_have_92_and_100_local_quarter_hours(day, quarters):
    start = pd.Timestamp(day, tz=TZ)
    frame = simulate_prices(
        ZONE, start, start + pd.DateOffset(days=1), seed=1, resolution_minutes=15
    )
    assert len(frame) == quarters


def test_same_seed_gives_the_same_prices_and_another_seed_does_not():
    start, end = pd.Timestamp("2026-07-01", tz=TZ), pd.Timestamp("2026-07-08", tz=TZ)
    first = simulate_prices(ZONE, start, end, seed=8, resolution_minutes=15)
    assert_frame_equal(first, simulate_prices(ZONE, start, end, seed=8, resolution_minutes=15))
    other = simulate_prices(ZONE, start, end, seed=9, resolution_minutes=15)
    assert not np.allclose(first["price_eur_mwh"], other["price_eur_mwh"])


def test_a_window_equals_the_same_hours_of_a_longer_run(years):
    start, end = pd.Timestamp("2026-10-24", tz=TZ), pd.Timestamp("2026-10-27", tz=TZ)
    window = simulate_prices(ZONE, start, end, seed=1).set_index("ts")["price_eur_mwh"]
    year = years[1].tz_convert("UTC")
    pd.testing.assert_series_equal(
        window, year[(year.index >= start) & (year.index < end)], check_freq=False
    )


def test_the_solar_signal_drives_midday_prices():
    start, end = pd.Timestamp("2026-06-01", tz=TZ), pd.Timestamp("2026-07-01", tz=TZ)
    spec = MeterSpec(meter_id="PV", annual_kwh=3000.0, pv_kwp=10.0, outlier_rate=0, gap_rate=0)
    meter = simulate_meter(spec, start, end, seed=5).set_index("ts")
    per_unit = meter["production_kwh"] / (spec.pv_kwp * 0.25)
    sunny = simulate_prices(ZONE, start, end, seed=5, solar_signal=per_unit)
    dark = simulate_prices(ZONE, start, end, seed=5, solar_signal=per_unit * 0.0)
    noon = sunny["ts"].dt.tz_convert(TZ).dt.hour.between(11, 15)
    assert dark["price_eur_mwh"][noon].mean() > sunny["price_eur_mwh"][noon].mean() + 40
    night = ~sunny["ts"].dt.tz_convert(TZ).dt.hour.between(5, 21)
    np.testing.assert_allclose(sunny["price_eur_mwh"][night], dark["price_eur_mwh"][night])
    with pytest.raises(ValueError, match="per-unit"):
        simulate_prices(ZONE, start, end, seed=5, solar_signal=meter["production_kwh"] * 100)


def test_meter_pv_and_national_solar_share_the_weather_of_a_seed():
    spec = MeterSpec(meter_id="PV", annual_kwh=3000.0, pv_kwp=10.0)
    start, end = pd.Timestamp("2026-04-01", tz=TZ), pd.Timestamp("2026-09-01", tz=TZ)
    site = simulate_meter(spec, start, end, seed=6).set_index("ts")["production_kwh"]
    national = national_drivers(ZONE, 2026, 6)["solar"]
    daily_site = site.tz_convert(TZ).resample("D").sum()
    daily_national = national.tz_convert(TZ).resample("D").sum().reindex(daily_site.index)
    assert np.corrcoef(daily_site, daily_national)[0, 1] > 0.7


def test_unknown_zones_and_resolutions_are_refused():
    with pytest.raises(ValueError, match="zone"):
        simulate_prices("XX", YEAR_START, YEAR_END, seed=1)
    with pytest.raises(ValueError, match="interval"):
        simulate_prices(ZONE, YEAR_START, YEAR_END, seed=1, resolution_minutes=5)
