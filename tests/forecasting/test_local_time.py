"""Local-time arithmetic: DST days have 92/100 quarter-hours and lags keep the clock time."""

from __future__ import annotations

import pandas as pd
import pytest

from luna.forecasting import forecast, steps_to_local_midnight
from luna.forecasting.local_time import shift_local_days
from tests.forecasting import synthetic

QUARTER = pd.Timedelta(minutes=15)
HOUR = pd.Timedelta(hours=1)


def _local_2345(day: str) -> pd.Timestamp:
    return pd.Timestamp(f"{day} 23:45", tz="Europe/Berlin").tz_convert("UTC")


@pytest.mark.parametrize(
    ("day_before", "expected"),
    [("2024-03-30", 92), ("2024-10-26", 100), ("2024-06-10", 96)],
)
def test_day_ahead_horizon_counts_quarter_hours_of_the_local_day(day_before, expected):
    steps = steps_to_local_midnight(_local_2345(day_before), QUARTER, 1, "Europe/Berlin")
    assert steps == expected


def test_day_ahead_horizon_on_spring_forward_day_has_23_hours():
    last = pd.Timestamp("2024-03-30 23:00", tz="Europe/Berlin").tz_convert("UTC")
    assert steps_to_local_midnight(last, HOUR, 1, "Europe/Berlin") == 23


def test_horizon_from_midday_covers_rest_of_today_and_tomorrow():
    last = pd.Timestamp("2024-06-10 11:45", tz="Europe/Berlin").tz_convert("UTC")
    assert steps_to_local_midnight(last, QUARTER, 1, "Europe/Berlin") == 48 + 96


def test_shift_back_one_day_keeps_local_clock_time_across_dst():
    target = pd.DatetimeIndex([pd.Timestamp("2024-03-31 12:00", tz="Europe/Berlin")])
    source = shift_local_days(target.tz_convert("UTC"), 1, "Europe/Berlin")
    assert source[0] == pd.Timestamp("2024-03-30 12:00", tz="Europe/Berlin")
    assert target[0] - source[0] == pd.Timedelta(hours=23)


def test_shift_into_missing_clock_hour_falls_back_to_24_hours():
    target = pd.DatetimeIndex([pd.Timestamp("2024-04-01 02:30", tz="Europe/Berlin")])
    source = shift_local_days(target.tz_convert("UTC"), 1, "Europe/Berlin")
    assert target[0] - source[0] == pd.Timedelta(hours=24)


def test_forecast_for_spring_forward_day_has_92_steps_ending_at_local_midnight():
    history = synthetic.consumption(start_local="2024-03-01", days=30)
    assert history.index[-1] == _local_2345("2024-03-30")
    result = forecast(history, "consumption", horizon_days=1, model="seasonal_naive_weekly")
    frame = result.to_frame()
    assert len(frame) == 92
    local = frame.index.tz_convert("Europe/Berlin")
    assert local[0] == pd.Timestamp("2024-03-31 00:00", tz="Europe/Berlin")
    assert local[-1] == pd.Timestamp("2024-03-31 23:45", tz="Europe/Berlin")


def test_forecast_for_fall_back_day_has_100_steps():
    history = synthetic.consumption(start_local="2024-10-01", days=26)
    result = forecast(history, "consumption", horizon_days=1, model="gradient_boosting")
    assert len(result.values) == 100
    assert len(result.quantiles["p90"]) == 100


def test_giving_both_or_neither_horizon_raises_value_error():
    history = synthetic.consumption(days=20)
    with pytest.raises(ValueError, match="exactly one"):
        forecast(history, "consumption")
    with pytest.raises(ValueError, match="exactly one"):
        forecast(history, "consumption", 96, horizon_days=1)
