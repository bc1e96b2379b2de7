"""Input checks and cleaning before any model sees a series.

Meter and market series arrive with gaps, spikes and sometimes broken indexes. Everything a
model gets is a float series on a regular UTC grid: short gaps interpolated, long gaps left as
NaN (the models skip or fall back around them), spikes clipped robustly per local hour.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from luna.forecasting.kinds import Site, TargetKind

DAY = pd.Timedelta(days=1)
MAX_INTERPOLATED_GAP = pd.Timedelta(hours=2)
OUTLIER_MADS = 6.0


def infer_step(series: pd.Series) -> pd.Timedelta:
    """Check the index and return the sampling step (most frequent spacing).

    Raises ValueError for anything a forecast cannot be built on: no tz-aware DatetimeIndex,
    timestamps out of order or repeated, a step that does not divide a day, or timestamps off
    the grid that the step defines.
    """
    if not isinstance(series, pd.Series):
        raise ValueError("expected a pandas Series indexed by timestamps")
    index = series.index
    if not isinstance(index, pd.DatetimeIndex):
        raise ValueError("the series index must be a DatetimeIndex")
    if index.tz is None:
        raise ValueError("the series index must be tz-aware (UTC timestamps)")
    if len(index) < 2:
        raise ValueError("history too short: need at least two timestamps")
    if not index.is_monotonic_increasing or index.has_duplicates:
        raise ValueError("the series index must be strictly increasing (sorted, no duplicates)")
    diffs = pd.Series(index[1:] - index[:-1])
    step = pd.Timedelta(diffs.mode().iloc[0])
    if step < pd.Timedelta(minutes=1) or DAY % step != pd.Timedelta(0):
        raise ValueError(f"unsupported step {step}: it must divide one day (e.g. 15 or 60 min)")
    if ((index - index[0]) % step != pd.Timedelta(0)).any():
        raise ValueError(f"timestamps are not on a regular {step} grid")
    return step


def regularise(series: pd.Series, step: pd.Timedelta) -> pd.Series:
    """Reindex to the full UTC grid and interpolate gaps of at most two hours."""
    values = pd.to_numeric(series, errors="coerce").astype(float)
    values.index = pd.DatetimeIndex(series.index).tz_convert("UTC")
    grid = pd.date_range(values.index[0], values.index[-1], freq=step, name="ts")
    values = values.reindex(grid)
    max_steps = max(1, int(MAX_INTERPOLATED_GAP / step))
    missing = values.isna()
    run_id = (missing != missing.shift()).cumsum()
    run_length = missing.groupby(run_id).transform("size")
    short_gap = missing & (run_length <= max_steps)
    filled = values.interpolate(method="time", limit_area="inside")
    return values.where(~short_gap, filled)


def clip_outliers(series: pd.Series, site: Site, mads: float = OUTLIER_MADS) -> pd.Series:
    """Clip values further than ``mads`` robust deviations from their local hour's median.

    Grouping by local hour of day keeps the daily shape (a PV noon peak is no outlier) while a
    meter glitch ten times the usual load is pulled back to a plausible bound.
    """
    hour = pd.Series(
        pd.DatetimeIndex(series.index).tz_convert(site.timezone).hour, index=series.index
    )
    median = series.groupby(hour).transform("median")
    deviation = (series - median).abs()
    mad = deviation.groupby(hour).transform("median") * 1.4826
    overall = float(np.nanmedian(deviation.to_numpy())) * 1.4826
    typical = float(np.nanquantile(np.abs(series.to_numpy()), 0.99))
    floor = max(overall, 1e-3 * typical, 1e-9)
    scale = np.maximum(mad.fillna(floor).to_numpy(), floor)
    lower = median.to_numpy() - mads * scale
    upper = median.to_numpy() + mads * scale
    return pd.Series(np.clip(series.to_numpy(), lower, upper), index=series.index)


@dataclass(frozen=True)
class Prepared:
    """A cleaned series on a regular UTC grid, and which of its values were measured."""

    values: pd.Series
    observed: pd.Series
    step: pd.Timedelta

    @property
    def days(self) -> float:
        return float((self.values.index[-1] - self.values.index[0] + self.step) / DAY)

    def before(self, origin: pd.Timestamp) -> pd.Series:
        """The history a forecast made at ``origin`` may use."""
        return self.values.loc[self.values.index < origin]


def prepare(series: pd.Series, kind: TargetKind, site: Site, *, min_days: float = 2.0) -> Prepared:
    """Validate and clean ``series`` for ``kind``.

    Raises ValueError when there are no numeric values or they span less than ``min_days``.
    """
    step = infer_step(series)
    raw = pd.to_numeric(series, errors="coerce").astype(float)
    if raw.notna().sum() == 0:
        raise ValueError("the series holds no numeric values (all NaN)")
    raw = raw.loc[raw.first_valid_index() : raw.last_valid_index()]
    values = regularise(raw, step)
    span = values.index[-1] - values.index[0] + step
    if span < min_days * DAY:
        raise ValueError(f"history too short: {span} of data, need at least {min_days:g} days")
    measured = pd.DatetimeIndex(raw.dropna().index).tz_convert("UTC")
    observed = pd.Series(values.index.isin(measured), index=values.index, dtype=bool)
    if kind.non_negative:
        values = values.clip(lower=0.0)
    cleaned = clip_outliers(values, site)
    cleaned.name = series.name
    return Prepared(cleaned, observed, step)
