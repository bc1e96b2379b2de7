"""Gather the data a playbook rests on: stored readings and prices, and engine forecasts.

Plans start where the stored readings end (the site's "now"). Prices for the plan come from
``market_prices`` where the day-ahead auction has published them, and from the price forecast
for the rest; which one was used is recorded, because it changes how sure the plan can be.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from luna.config import Settings
from luna.forecasting import Forecast, TargetKind, forecast
from luna.forecasting.history import HistoryError, load_history, site_for
from luna.graphs.playbook.errors import MeterNotVisibleError, PlaybookError
from luna.graphs.playbook.state import MeterInfo
from luna.store.sql.models import Meter, Role, User
from luna.store.sql.series import (
    PriceAgg,
    ReadingAgg,
    Resolution,
    aggregate_prices,
    aggregate_readings,
    price_resolutions,
)

STEP = timedelta(minutes=15)
_PRICE_RESOLUTION = {15: Resolution.MIN15, 60: Resolution.HOUR}


def load_meter(session: Session, meter_id: str, user: User | None) -> MeterInfo:
    """The meter, if it exists and ``user`` (None: a trusted caller) may see it."""
    meter = session.get(Meter, meter_id)
    if meter is None:
        raise PlaybookError(f"unknown meter '{meter_id}'")
    if user is not None and user.role is not Role.ADMIN and meter.owner_id != user.id:
        raise MeterNotVisibleError(f"unknown meter '{meter_id}'")
    return MeterInfo(
        meter_id=meter.meter_id,
        owner_id=meter.owner_id,
        zone=meter.zone,
        pv_kwp=float(meter.pv_kwp or 0.0),
        attributes=dict(meter.attributes or {}),
    )


def readings_end(conn: Connection, meter_id: str) -> datetime:
    """One step after the meter's latest reading: where plans start and look-backs end."""
    latest = conn.execute(
        text("SELECT max(ts) FROM smart_meter_readings WHERE meter_id = :m"), {"m": meter_id}
    ).scalar_one()
    if latest is None:
        raise PlaybookError(f"meter '{meter_id}' has no readings")
    latest_utc: datetime = latest if latest.tzinfo else latest.replace(tzinfo=UTC)
    return latest_utc.astimezone(UTC) + STEP


@dataclass(frozen=True)
class Forecasts:
    """How forecasts are made for playbooks: short selection backtests keep them to seconds."""

    settings: Settings
    history_days: int
    selection_days: int
    model: str | None
    timescale: bool

    def series(
        self, conn: Connection, kind: TargetKind, meter: MeterInfo, end: datetime
    ) -> pd.Series:
        try:
            history = load_history(
                conn,
                self.settings,
                kind,
                meter_id=meter.meter_id,
                zone=meter.zone,
                days=self.history_days,
                end=end,
                timescale=self.timescale,
            )
        except HistoryError as exc:
            raise PlaybookError(str(exc)) from exc
        return history.series

    def predict(self, series: pd.Series, kind: TargetKind, steps: int) -> Forecast:
        try:
            return forecast(
                series,
                kind,
                horizon_steps=steps,
                model=self.model,
                site=site_for(self.settings),
                selection_days=self.selection_days,
            )
        except ValueError as exc:
            raise PlaybookError(f"{kind.value} forecast failed: {exc}") from exc


def _stored_spot(
    conn: Connection, zone: str, start: datetime, n_steps: int, settings: Settings, ts: bool
) -> list[float | None]:
    """Stored day-ahead prices (EUR/MWh) per 15-minute step; None where none is stored."""
    resolutions = [r for r in price_resolutions(conn, zone) if r in _PRICE_RESOLUTION]
    if not resolutions:
        return [None] * n_steps
    minutes = resolutions[0]
    end = start + n_steps * STEP
    buckets = aggregate_prices(
        conn,
        zone,
        minutes,
        start - timedelta(minutes=minutes),
        end,
        _PRICE_RESOLUTION[minutes],
        PriceAgg.AVG,
        settings.timezone,
        ts,
    )
    by_start = {b.ts.astimezone(UTC): b.price_eur_mwh for b in buckets}
    width = timedelta(minutes=minutes)
    out: list[float | None] = []
    for k in range(n_steps):
        step_start = start + k * STEP
        bucket = datetime.fromtimestamp(
            step_start.timestamp() // width.total_seconds() * width.total_seconds(), tz=UTC
        )
        out.append(by_start.get(bucket))
    return out


def spot_prices(
    conn: Connection, meter: MeterInfo, start: datetime, n_steps: int, fc: Forecasts
) -> tuple[list[float], str, Forecast | None]:
    """Day-ahead prices per step: stored where published, forecast for the rest."""
    stored = _stored_spot(conn, meter.zone, start, n_steps, fc.settings, fc.timescale)
    if all(p is not None for p in stored):
        return [float(p) for p in stored if p is not None], "stored", None
    try:
        history = load_history(
            conn,
            fc.settings,
            TargetKind.PRICE,
            zone=meter.zone,
            days=fc.history_days,
            timescale=fc.timescale,
        )
    except HistoryError as exc:
        raise PlaybookError(f"no prices for the plan and none to forecast from: {exc}") from exc
    index = pd.DatetimeIndex(history.series.index)
    last_end = index[-1] + (index[-1] - index[-2])
    horizon_end = pd.Timestamp(start + n_steps * STEP)
    step = index[-1] - index[-2]
    steps = max(1, math.ceil((horizon_end - last_end) / step))
    predicted = fc.predict(history.series, TargetKind.PRICE, steps)
    by_start = dict(zip(pd.DatetimeIndex(predicted.timestamps), predicted.values, strict=True))
    prices: list[float] = []
    for k, value in enumerate(stored):
        if value is not None:
            prices.append(float(value))
            continue
        at = pd.Timestamp(start + k * STEP).floor(step)
        if at not in by_start:
            raise PlaybookError(f"no price, stored or forecast, for {at.isoformat()}")
        prices.append(float(by_start[at]))
    source = "forecast" if all(p is None for p in stored) else "mixed"
    return prices, source, predicted


def net_import_and_prices(
    conn: Connection, meter: MeterInfo, end: datetime, days: int, settings: Settings, ts: bool
) -> pd.DataFrame:
    """15-minute grid import (consumption net of same-interval PV) with the hour's spot price."""
    start = end - timedelta(days=days)
    buckets = aggregate_readings(
        conn, [meter.meter_id], start, end, Resolution.MIN15, ReadingAgg.SUM, settings.timezone, ts
    )
    if not buckets:
        raise PlaybookError(f"meter '{meter.meter_id}' has no readings in the last {days} days")
    frame = pd.DataFrame(
        {
            "consumption_kwh": [b.consumption_kwh for b in buckets],
            "production_kwh": [b.production_kwh for b in buckets],
        },
        index=pd.DatetimeIndex([b.ts for b in buckets]).tz_convert("UTC"),
    )
    frame["import_kwh"] = (frame.consumption_kwh - frame.production_kwh).clip(lower=0.0)
    prices = aggregate_prices(
        conn,
        meter.zone,
        60 if 60 in price_resolutions(conn, meter.zone) else 15,
        start,
        end,
        Resolution.HOUR,
        PriceAgg.AVG,
        settings.timezone,
        ts,
    )
    hourly = pd.Series(
        [p.price_eur_mwh for p in prices],
        index=pd.DatetimeIndex([p.ts for p in prices]).tz_convert("UTC"),
    )
    frame["spot_eur_mwh"] = hourly.reindex(pd.DatetimeIndex(frame.index).floor("h")).to_numpy()
    priced = frame.dropna(subset=["spot_eur_mwh"])
    if priced.empty:
        raise PlaybookError(f"no stored prices for zone '{meter.zone}' in the last {days} days")
    return priced
