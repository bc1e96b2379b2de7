"""The seasonal-naive baseline repeats the shifted series exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd

from luna.forecasting.local_time import future_index
from luna.forecasting.models.seasonal_naive import SeasonalNaive

QUARTER = pd.Timedelta(minutes=15)


def _random_series(days: int, start: str = "2024-06-03") -> pd.Series:
    index = pd.date_range(start, periods=96 * days, freq="15min", tz="UTC")
    return pd.Series(np.random.default_rng(1).random(len(index)), index=index)


def test_daily_naive_repeats_yesterday_exactly():
    history = _random_series(5)
    index = future_index(history.index[-1], QUARTER, 96)
    predicted = SeasonalNaive("d", 1, "Europe/Berlin").predict(history, index)
    np.testing.assert_array_equal(predicted, history.iloc[-96:].to_numpy())


def test_daily_naive_repeats_last_day_twice_for_a_48h_horizon():
    history = _random_series(5)
    index = future_index(history.index[-1], QUARTER, 192)
    predicted = SeasonalNaive("d", 1, "Europe/Berlin").predict(history, index)
    last_day = history.iloc[-96:].to_numpy()
    np.testing.assert_array_equal(predicted, np.concatenate([last_day, last_day]))


def test_weekly_naive_repeats_same_day_last_week_exactly():
    history = _random_series(15)
    index = future_index(history.index[-1], QUARTER, 192)
    predicted = SeasonalNaive("w", 7, "Europe/Berlin").predict(history, index)
    np.testing.assert_array_equal(predicted, history.iloc[-7 * 96 : -5 * 96].to_numpy())


def test_daily_naive_skips_a_gap_to_the_day_before():
    history = _random_series(5)
    history.iloc[-96:-90] = np.nan
    index = future_index(history.index[-1], QUARTER, 96)
    predicted = SeasonalNaive("d", 1, "Europe/Berlin").predict(history, index)
    np.testing.assert_array_equal(predicted[:6], history.iloc[-192:-186].to_numpy())
    np.testing.assert_array_equal(predicted[6:], history.iloc[-90:].to_numpy())
