"""End to end: the learned model earns its place, PV sleeps at night, intervals are honest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pvlib
import pytest

from luna.forecasting import backtest, forecast
from tests.forecasting import synthetic


@pytest.fixture(scope="module")
def consumption() -> pd.Series:
    # 2024-03-01 .. 2024-05-29: the last 14 days hold Ascension (May 9) and Whit Monday (May 20)
    return synthetic.consumption(start_local="2024-03-01", days=90)


def test_gradient_boosting_beats_seasonal_naive_on_weekly_pattern_with_holidays(consumption):
    report = backtest(consumption, "consumption", days=14, horizon_steps=96)
    learned = report.score("gradient_boosting")
    baseline = report.score(report.baseline)
    assert report.baseline == "seasonal_naive_weekly"
    assert learned.mae < 0.7 * baseline.mae
    assert learned.improvement_vs_baseline_pct["mae"] > 30.0
    assert report.best_model == "gradient_boosting"


def test_forecast_uses_the_model_with_lowest_backtest_mae(consumption):
    result = forecast(consumption, "consumption", 96, selection_days=7)
    assert result.model == "gradient_boosting"
    assert result.backtest is not None
    assert result.backtest.model == "gradient_boosting"


def test_holiday_is_forecast_like_a_day_off(consumption):
    history = consumption.loc[: pd.Timestamp("2024-05-19 23:45", tz="Europe/Berlin")]
    result = forecast(history, "consumption", horizon_days=1, model="gradient_boosting")
    whit_monday = result.to_frame()["point"]
    actual = consumption.reindex(whit_monday.index)
    assert np.mean(np.abs(whit_monday - actual)) < 0.2


def test_intervals_contain_the_point_forecast(consumption):
    frame = forecast(consumption, "consumption", 192, quantiles=(0.05, 0.5, 0.95)).to_frame()
    assert list(frame.columns) == ["point", "p5", "p50", "p95"]
    assert (frame["p5"] <= frame["point"]).all()
    assert (frame["point"] <= frame["p95"]).all()
    assert (frame["p5"] < frame["p95"]).all()


def test_intervals_cover_about_the_nominal_share_of_held_out_data(consumption):
    hits, total = 0, 0
    for day in range(5):
        cut = len(consumption) - (5 - day) * 96
        result = forecast(consumption.iloc[:cut], "consumption", 96, model="gradient_boosting")
        frame = result.to_frame()
        actual = consumption.iloc[cut : cut + 96].to_numpy()
        hits += int(((actual >= frame["p10"]) & (actual <= frame["p90"])).sum())
        total += len(actual)
    assert 0.7 <= hits / total <= 0.9


def test_pv_forecast_is_exactly_zero_at_night_and_positive_at_noon():
    history = synthetic.pv(start_local="2024-05-01", days=40)
    result = forecast(history, "pv", 192)
    frame = result.to_frame()
    location = pvlib.location.Location(synthetic.LATITUDE, synthetic.LONGITUDE)
    elevation = location.get_solarposition(frame.index + pd.Timedelta(minutes=7.5))["elevation"]
    night = (elevation < -2.0).to_numpy()
    assert night.sum() > 40
    assert (frame.loc[night] == 0.0).all().all()
    noon = frame.index.tz_convert("Europe/Berlin").hour == 13
    assert (frame.loc[noon, "point"] > 0.3).all()
    assert (frame.to_numpy() >= 0.0).all()


def test_price_backtest_scores_smape_and_volume_backtest_scores_mape(consumption):
    prices = backtest(synthetic.price(days=30), "price", days=5, horizon_steps=24)
    assert all(s.smape is not None and s.mape is None for s in prices.scores)
    volumes = backtest(consumption, "consumption", days=3, horizon_steps=96, models=[])
    assert [s.model for s in volumes.scores] == ["seasonal_naive_weekly"]
    assert volumes.scores[0].mape is not None
    assert volumes.scores[0].smape is None


def test_hourly_price_forecast_can_be_negative_and_beats_daily_naive():
    prices = synthetic.price(days=45)
    report = backtest(prices, "price", days=10, horizon_steps=24)
    assert report.score("gradient_boosting").mae < report.score("seasonal_naive_daily").mae
    result = forecast(prices, "price", 24)
    assert result.step_minutes == 60
    assert min(result.quantiles["p10"]) < 0.0


def test_unknown_model_name_raises_value_error(consumption):
    with pytest.raises(ValueError, match="unknown model"):
        forecast(consumption, "consumption", 96, model="prophet")


def test_backtest_longer_than_history_raises_value_error():
    with pytest.raises(ValueError, match="too short"):
        backtest(synthetic.consumption(days=20), "consumption", days=30, horizon_steps=96)


def test_invalid_quantile_level_raises_value_error(consumption):
    with pytest.raises(ValueError, match="between 0 and 1"):
        forecast(consumption, "consumption", 96, quantiles=(0.1, 1.2))
