"""Error metrics: MAPE ignores near-zero actuals, sMAPE stays bounded across zero."""

from __future__ import annotations

import numpy as np
import pytest

from luna.forecasting import metrics


def test_mape_ignores_near_zero_actuals():
    actual = np.array([0.0, 0.001, 10.0, 20.0])
    predicted = np.array([5.0, 5.0, 11.0, 18.0])
    assert metrics.mape(actual, predicted) == pytest.approx(10.0)


def test_smape_is_zero_for_perfect_forecast_and_bounded_across_zero():
    actual = np.array([-10.0, 0.0, 50.0])
    assert metrics.smape(actual, actual.copy()) == 0.0
    assert metrics.smape(actual, -actual) <= 200.0


def test_rmse_weighs_large_errors_more_than_mae():
    actual = np.zeros(4)
    predicted = np.array([0.0, 0.0, 0.0, 4.0])
    assert metrics.mae(actual, predicted) == 1.0
    assert metrics.rmse(actual, predicted) == 2.0
