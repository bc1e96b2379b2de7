"""Input checks and cleaning: bad input fails loudly, gaps and spikes are repaired."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from luna.forecasting import forecast
from luna.forecasting.kinds import Site, TargetKind
from luna.forecasting.prepare import prepare
from tests.forecasting import synthetic


def test_non_monotonic_index_raises_value_error():
    series = synthetic.consumption(days=10)
    shuffled = series.iloc[np.r_[1, 0, 2 : len(series)]]
    with pytest.raises(ValueError, match="strictly increasing"):
        forecast(shuffled, "consumption", 96)


def test_duplicate_timestamps_raise_value_error():
    series = synthetic.consumption(days=10)
    doubled = pd.concat([series.iloc[:5], series.iloc[4:]])
    with pytest.raises(ValueError, match="strictly increasing"):
        forecast(doubled, "consumption", 96)


def test_tz_naive_index_raises_value_error():
    series = synthetic.consumption(days=10)
    naive = pd.Series(series.to_numpy(), index=series.index.tz_localize(None))
    with pytest.raises(ValueError, match="tz-aware"):
        forecast(naive, "consumption", 96)


def test_all_nan_series_raises_value_error():
    series = synthetic.consumption(days=10) * np.nan
    with pytest.raises(ValueError, match="all NaN"):
        forecast(series, "consumption", 96)


def test_too_short_history_raises_value_error():
    with pytest.raises(ValueError, match="too short"):
        forecast(synthetic.consumption(days=1), "consumption", 96)


def test_history_too_short_for_weekly_baseline_raises_value_error():
    with pytest.raises(ValueError, match="too short"):
        forecast(synthetic.consumption(days=6), "consumption", 96)


def test_off_grid_timestamps_raise_value_error():
    series = synthetic.consumption(days=10)
    moved = series.index.to_series()
    moved.iloc[10] += pd.Timedelta(minutes=7)
    with pytest.raises(ValueError, match="regular"):
        prepare(pd.Series(series.to_numpy(), index=pd.DatetimeIndex(moved)), "consumption", Site())


def test_short_gap_is_interpolated_and_long_gap_stays_missing():
    series = synthetic.consumption(days=10)
    holed = series.drop(series.index[100:104]).drop(series.index[500:600])
    prepared = prepare(holed, TargetKind.CONSUMPTION, Site())
    assert len(prepared.values) == len(series)
    assert prepared.values.iloc[100:104].notna().all()
    assert prepared.values.iloc[500:600].isna().all()
    assert not prepared.observed.iloc[100:104].any()
    assert prepared.observed.iloc[:100].all()


def test_spike_is_clipped_back_to_plausible_range():
    series = synthetic.consumption(days=10)
    spiked = series.copy()
    spiked.iloc[300] = 1000.0
    prepared = prepare(spiked, TargetKind.CONSUMPTION, Site())
    assert prepared.values.iloc[300] < 5.0
    assert prepared.values.drop(series.index[300]).equals(
        prepare(series, TargetKind.CONSUMPTION, Site()).values.drop(series.index[300])
    )


def test_negative_volume_is_clipped_to_zero():
    series = synthetic.consumption(days=10)
    series.iloc[50] = -3.0
    prepared = prepare(series, TargetKind.CONSUMPTION, Site())
    assert prepared.values.iloc[50] >= 0.0


def test_forecast_from_history_with_gaps_is_finite():
    series = synthetic.consumption(days=30)
    holed = series.drop(series.index[-300:-200]).drop(series.index[-1000:-990])
    result = forecast(holed, "consumption", 96, model="seasonal_naive_weekly")
    assert len(result.values) == 96
    assert np.isfinite(result.values).all()
    assert result.timestamps[0] == series.index[-1] + pd.Timedelta(minutes=15)
