"""The smart-meter simulator: contract, physics, BDEW shapes, calendar and determinism."""

from __future__ import annotations

import warnings
from datetime import datetime

import holidays
import numpy as np
import pandas as pd
import pytest
from demandlib import bdew
from pandas.testing import assert_frame_equal

from luna.simulators.load_profiles import PROFILES, quarter_hour_values
from luna.simulators.simulate_smart_meter import (
    COLUMNS,
    MeterSpec,
    default_fleet,
    simulate_fleet,
    simulate_meter,
)

TZ = "Europe/Berlin"
YEAR_START = pd.Timestamp("2026-01-01", tz=TZ)
YEAR_END = pd.Timestamp("2027-01-01", tz=TZ)
CLEAN = {"outlier_rate": 0.0, "gap_rate": 0.0}


def local(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame.set_index("ts")[column].tz_convert(TZ)


@pytest.fixture(scope="module")
def household_with_pv() -> tuple[MeterSpec, pd.DataFrame]:
    spec = MeterSpec(
        meter_id="M-TEST", profile="H25", annual_kwh=3500.0, pv_kwp=8.0, noise_sigma=0.35, **CLEAN
    )
    return spec, simulate_meter(spec, YEAR_START, YEAR_END, seed=11)


def test_frame_has_exactly_the_contract_columns_and_types(household_with_pv):
    _, frame = household_with_pv
    assert tuple(frame.columns) == COLUMNS
    assert str(frame["ts"].dt.tz) == "UTC"
    assert frame["interval_minutes"].dtype == np.int64
    assert (frame["interval_minutes"] == 15).all()
    assert (frame["meter_id"] == "M-TEST").all()
    assert frame["ts"].is_monotonic_increasing
    assert frame["ts"].is_unique
    assert (frame[["consumption_kwh", "production_kwh"]] >= 0).all().all()
    assert frame["ts"].iloc[0] == YEAR_START.tz_convert("UTC")
    assert len(frame) == 365 * 96


def test_pv_produces_nothing_at_night(household_with_pv):
    _, frame = household_with_pv
    pv = local(frame, "production_kwh")
    night = (pv.index.hour >= 23) | (pv.index.hour < 3)
    assert (pv[night] == 0.0).all()
    assert (pv[pv.index.month == 12].loc[lambda s: s.index.hour >= 18] == 0.0).all()


def test_summer_pv_far_exceeds_winter_pv_and_the_yield_is_german(household_with_pv):
    spec, frame = household_with_pv
    pv = local(frame, "production_kwh")
    monthly = pv.groupby(pv.index.month).sum()
    assert monthly[6] > 3 * monthly[12]
    assert monthly.idxmax() in (4, 5, 6, 7, 8)
    assert 850 < pv.sum() / spec.pv_kwp < 1150  # kWh/kWp, central Germany
    assert pv.max() * 4 / spec.pv_kwp < 1.0  # never above peak power


def test_household_consumption_peaks_in_the_evening(household_with_pv):
    _, frame = household_with_pv
    use = local(frame, "consumption_kwh")
    evening = use[(use.index.hour >= 18) & (use.index.hour < 21)].mean()
    night = use[(use.index.hour >= 2) & (use.index.hour < 5)].mean()
    assert evening > 1.8 * night


def test_business_consumption_follows_working_hours_and_weekdays():
    spec = MeterSpec(meter_id="G-1", profile="G25", annual_kwh=30000.0, **CLEAN)
    use = local(simulate_meter(spec, YEAR_START, YEAR_END, seed=1), "consumption_kwh")
    office = use[(use.index.hour >= 9) & (use.index.hour < 16)]
    assert office.mean() > 2 * use[use.index.hour < 5].mean()
    assert (
        office[office.index.day_of_week < 5].mean()
        > 1.5 * office[office.index.day_of_week == 6].mean()
    )


def test_annual_energy_matches_annual_kwh_before_outliers_and_gaps(household_with_pv):
    spec, frame = household_with_pv
    assert frame["consumption_kwh"].sum() == pytest.approx(spec.annual_kwh, rel=0.03)
    quiet = spec.model_copy(update={"noise_sigma": 0.0})
    exact = simulate_meter(quiet, YEAR_START, YEAR_END, seed=11)
    assert exact["consumption_kwh"].sum() == pytest.approx(spec.annual_kwh, rel=1e-3)


@pytest.mark.parametrize(("day", "quarters"), [("2026-03-29", 92), ("2026-10-25", 100)])
def test_clock_change_days_have_92_and_100_local_quarter_hours(day, quarters):
    spec = MeterSpec(meter_id="M-DST", annual_kwh=3000.0, pv_kwp=5.0, **CLEAN)
    start = pd.Timestamp(day, tz=TZ)
    frame = simulate_meter(spec, start, start + pd.DateOffset(days=1), seed=0)
    assert len(frame) == quarters
    assert (local(frame, "consumption_kwh").index.date == start.date()).all()


def test_same_seed_gives_the_same_frame_and_another_seed_does_not():
    spec = MeterSpec(meter_id="M-7", annual_kwh=3000.0, pv_kwp=6.0)
    start, end = pd.Timestamp("2026-05-01", tz=TZ), pd.Timestamp("2026-05-15", tz=TZ)
    first = simulate_meter(spec, start, end, seed=5)
    assert_frame_equal(first, simulate_meter(spec, start, end, seed=5))
    other = simulate_meter(spec, start, end, seed=6)
    assert not first["consumption_kwh"].equals(other["consumption_kwh"])
    assert not first["production_kwh"].equals(other["production_kwh"])


def test_meters_differ_in_noise_but_share_the_weather():
    start, end = pd.Timestamp("2026-06-01", tz=TZ), pd.Timestamp("2026-07-01", tz=TZ)
    a, b = (
        simulate_meter(
            MeterSpec(meter_id=m, annual_kwh=3000.0, pv_kwp=5.0, **CLEAN), start, end, seed=3
        )
        for m in ("M-A", "M-B")
    )
    assert not np.allclose(a["consumption_kwh"], b["consumption_kwh"])
    daily_a = local(a, "production_kwh").resample("D").sum()
    daily_b = local(b, "production_kwh").resample("D").sum()
    assert np.corrcoef(daily_a, daily_b)[0, 1] > 0.95


def test_a_window_equals_the_same_rows_of_a_longer_run(household_with_pv):
    spec, year = household_with_pv
    start, end = pd.Timestamp("2026-03-28", tz=TZ), pd.Timestamp("2026-04-02", tz=TZ)
    window = simulate_meter(spec, start, end, seed=11)
    inside = year[(year["ts"] >= start) & (year["ts"] < end)].reset_index(drop=True)
    assert_frame_equal(window, inside)


def test_a_window_across_new_year_is_continuous():
    spec = MeterSpec(meter_id="M-NY", annual_kwh=3000.0, **CLEAN)
    start = pd.Timestamp("2025-12-31", tz=TZ)
    frame = simulate_meter(spec, start, start + pd.DateOffset(days=2), seed=1)
    assert len(frame) == 2 * 96
    assert (frame["ts"].diff().dropna() == pd.Timedelta("15min")).all()


def test_hourly_intervals_sum_the_quarter_hours_of_the_profile():
    spec = MeterSpec(meter_id="M-H", annual_kwh=3000.0, noise_sigma=0.0, **CLEAN)
    start, end = pd.Timestamp("2026-02-02", tz=TZ), pd.Timestamp("2026-02-09", tz=TZ)
    quarter = simulate_meter(spec, start, end, seed=1)
    hourly = simulate_meter(spec, start, end, interval_minutes=60, seed=1)
    assert (hourly["interval_minutes"] == 60).all()
    summed = quarter["consumption_kwh"].to_numpy().reshape(-1, 4).sum(axis=1)
    np.testing.assert_allclose(hourly["consumption_kwh"], summed, atol=2e-3)


def test_gaps_drop_rows_at_the_configured_rate():
    spec = MeterSpec(meter_id="M-GAP", annual_kwh=3000.0, outlier_rate=0.0, gap_rate=0.02)
    frame = simulate_meter(spec, YEAR_START, YEAR_END, seed=2)
    missing = 1 - len(frame) / (365 * 96)
    assert 0.014 < missing < 0.026
    steps = frame["ts"].diff().dropna()
    assert (steps > pd.Timedelta("15min")).sum() > 20  # several separate outages


def test_outliers_appear_at_the_configured_rate():
    base = MeterSpec(meter_id="M-OUT", annual_kwh=3000.0, outlier_rate=0.0, gap_rate=0.0)
    spiky = base.model_copy(update={"outlier_rate": 0.005})
    clean = simulate_meter(base, YEAR_START, YEAR_END, seed=4)
    dirty = simulate_meter(spiky, YEAR_START, YEAR_END, seed=4)
    changed = dirty["consumption_kwh"] != clean["consumption_kwh"]
    assert 0.0035 < changed.mean() < 0.0065
    ratio = dirty["consumption_kwh"][changed] / clean["consumption_kwh"][changed]
    assert (ratio > 2.5).all()
    assert dirty["production_kwh"].equals(clean["production_kwh"])


def test_heat_pump_and_ev_add_their_energy_with_winter_heating():
    base = MeterSpec(meter_id="M-FLEX", annual_kwh=3000.0, noise_sigma=0.0, **CLEAN)
    flexible = base.model_copy(update={"heat_pump_kwh": 4000.0, "ev_kwh": 2000.0})
    plain = local(simulate_meter(base, YEAR_START, YEAR_END, seed=9), "consumption_kwh")
    extra = local(simulate_meter(flexible, YEAR_START, YEAR_END, seed=9), "consumption_kwh") - plain
    assert extra.sum() == pytest.approx(6000.0, rel=0.02)
    monthly = extra.groupby(extra.index.month).sum()
    assert monthly[1] > 2 * monthly[7]
    assert extra.max() * 4 <= 11.0 + 3.0  # charger power plus the heat pump


def test_profile_lookup_reproduces_demandlib_except_the_bdew_saturday_eves():
    index = pd.date_range("2026-01-01", periods=365 * 96, freq="15min")
    calendar = holidays.country_holidays("DE", years=2026)
    eves = np.isin(index.normalize(), pd.to_datetime(["2026-12-24", "2026-12-31"]))
    for profile in PROFILES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reference = getattr(bdew, profile)(index, holidays=calendar).to_numpy()
        ours = quarter_hour_values(profile, index, None)
        np.testing.assert_allclose(ours[~eves], reference[~eves], rtol=1e-12)
    # Thursday 24 December 2026 takes the Saturday profile, as the BDEW rules say.
    saturday = quarter_hour_values(
        "G25", pd.date_range("2026-12-19", periods=96, freq="15min"), None
    )
    eve = quarter_hour_values("G25", pd.date_range("2026-12-24", periods=96, freq="15min"), None)
    np.testing.assert_allclose(eve, saturday)


def test_state_holidays_follow_the_bundesland():
    # Corpus Christi (4 June 2026) is a holiday in Bavaria, not in Berlin.
    day = pd.date_range("2026-06-04", periods=96, freq="15min")
    assert not np.allclose(
        quarter_hour_values("G25", day, "BY"), quarter_hour_values("G25", day, "BE")
    )
    with pytest.raises(ValueError, match="Bundesland"):
        MeterSpec(meter_id="x", annual_kwh=1.0, state="XX")


def test_default_fleet_is_deterministic_mixed_and_prefix_stable():
    fleet = default_fleet(100, seed=42)
    assert [m.meter_id for m in fleet[:3]] == ["M-001", "M-002", "M-003"]
    assert fleet == default_fleet(100, seed=42)
    assert fleet[:10] == default_fleet(10, seed=42)
    assert fleet != default_fleet(100, seed=43)
    profiles = pd.Series([m.profile for m in fleet]).value_counts()
    households = profiles.reindex(["H25", "P25", "S25"]).fillna(0).sum()
    assert households > 60
    assert profiles.get("G25", 0) > 5
    with_pv = sum(m.pv_kwp > 0 for m in fleet)
    assert 15 < with_pv < 60
    assert 15 < sum(m.heat_pump_kwh > 0 for m in fleet) < 30  # ~20 % of ~80 households
    assert 7 < sum(m.ev_kwh > 0 for m in fleet) < 25  # ~15 %


def test_small_fleets_always_show_flexible_loads():
    """Eight meters at seed 42 draw no heat pump or EV; the showcase households add them."""
    showcase = {"M-001": (False, True), "M-004": (True, False), "M-005": (True, True)}
    for seed in (42, 1, 7):
        fleet = {m.meter_id: m for m in default_fleet(8, seed=seed)}
        for meter_id, (needs_heat_pump, needs_ev) in showcase.items():
            meter = fleet[meter_id]
            if meter.profile not in ("H25", "P25", "S25"):
                continue
            if needs_heat_pump:
                assert meter.heat_pump_kwh > 0, (seed, meter)
            if needs_ev:
                assert meter.ev_kwh > 0, (seed, meter)


def test_fleet_yields_one_frame_per_meter_lazily():
    fleet = default_fleet(3, seed=1)
    start = pd.Timestamp("2026-01-05", tz=TZ)
    frames = simulate_fleet(fleet, start, start + pd.DateOffset(days=1), seed=1)
    assert not isinstance(frames, list)
    assert [f["meter_id"].iloc[0] for f in frames] == ["M-001", "M-002", "M-003"]
    with pytest.raises(ValueError, match="timezone-aware"):
        simulate_fleet(fleet, datetime(2026, 1, 1), datetime(2026, 1, 2), seed=1)


@pytest.mark.parametrize(
    ("start", "end", "interval", "message"),
    [
        (datetime(2026, 1, 1), datetime(2026, 1, 2), 15, "timezone-aware"),
        (YEAR_START + pd.Timedelta("5min"), YEAR_END, 15, "grid"),
        (YEAR_END, YEAR_START, 15, "after"),
        (YEAR_START, YEAR_END, 10, "interval"),
    ],
)
def test_bad_windows_are_refused(start, end, interval, message):
    spec = MeterSpec(meter_id="M-1", annual_kwh=1000.0)
    with pytest.raises(ValueError, match=message):
        simulate_meter(spec, start, end, interval_minutes=interval, seed=0)
