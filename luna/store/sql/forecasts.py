"""Stored forecasts: save, find and check the freshness of precomputed forecasts.

A target is a meter's consumption or PV, or a zone's price (``kind`` as the engine's target
kind names it). A row rests on the history up to ``based_on``; it is stale once a reading or
price newer than that is stored. The forecasting layer computes them
(:mod:`luna.forecasting.stored`); this module only reads and writes rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection

from luna.store.sql.models import Meter, StoredForecast

PRICE = "price"
_T = StoredForecast


@dataclass(frozen=True)
class ForecastTarget:
    """What a forecast is of: ``kind`` of meter ``meter_id``, or the price of ``zone``."""

    kind: str
    meter_id: str | None = None
    zone: str | None = None

    @classmethod
    def of(cls, kind: str, meter_id: str | None, zone: str | None) -> ForecastTarget:
        """The target of a request: prices have no meter, meter kinds no zone."""
        if kind == PRICE:
            return cls(kind, None, zone)
        return cls(kind, meter_id, None)

    def __str__(self) -> str:
        return f"{self.zone} price" if self.kind == PRICE else f"{self.meter_id} {self.kind}"


@dataclass(frozen=True)
class ForecastRow:
    target: ForecastTarget
    horizon_hours: int
    model: str
    step_minutes: int
    mae: float | None
    points: list[list[Any]]  # [ts (UTC ISO), value, p10, p90] per step
    based_on: datetime
    computed_at: datetime


@dataclass(frozen=True)
class TargetState:
    """A target with its newest stored data and the newest stored forecast (None: none)."""

    target: ForecastTarget
    last_data: datetime
    based_on: datetime | None
    horizon_hours: int | None

    @property
    def due(self) -> bool:
        """No forecast yet, or one resting on older data than is stored now."""
        return self.based_on is None or self.last_data > self.based_on


def _is(target: ForecastTarget) -> ColumnElement[bool]:
    def equal(column: Any, value: str | None) -> ColumnElement[bool]:
        matches: ColumnElement[bool] = column.is_(None) if value is None else column == value
        return matches

    return and_(
        _T.kind == target.kind, equal(_T.meter_id, target.meter_id), equal(_T.zone, target.zone)
    )


def save_forecast(
    conn: Connection,
    target: ForecastTarget,
    *,
    horizon_hours: int,
    model: str,
    step_minutes: int,
    mae: float | None,
    points: Sequence[Sequence[Any]],
    based_on: datetime,
    computed_at: datetime,
) -> bool:
    """Upsert the target's forecast for this horizon; False if a stored one rests on newer data
    (two refreshes raced: the newer history wins). Shorter horizons of the target resting on
    no newer data are dropped: this row serves them by slicing."""
    values = {
        "kind": target.kind,
        "meter_id": target.meter_id,
        "zone": target.zone,
        "horizon_hours": horizon_hours,
        "model": model,
        "step_minutes": step_minutes,
        "mae": mae,
        "points": [list(p) for p in points],
        "based_on": based_on,
        "computed_at": computed_at,
    }
    statement = insert(_T).values(values)
    upsert = statement.on_conflict_do_update(
        constraint="uq_stored_forecasts_target",
        set_={c: statement.excluded[c] for c in values if c not in ("kind", "meter_id", "zone")},
        where=_T.based_on <= statement.excluded.based_on,
    ).returning(_T.id)
    if conn.execute(upsert).first() is None:
        return False
    conn.execute(
        delete(_T).where(_is(target), _T.horizon_hours < horizon_hours, _T.based_on <= based_on)
    )
    return True


def find_forecast(conn: Connection, target: ForecastTarget, hours: int) -> ForecastRow | None:
    """The stored forecast of ``target`` covering at least ``hours``: the one on the newest
    data, and of those the shortest."""
    row = conn.execute(
        select(_T.__table__)
        .where(_is(target), _T.horizon_hours >= hours)
        .order_by(_T.based_on.desc(), _T.horizon_hours)
        .limit(1)
    ).first()
    if row is None:
        return None
    return ForecastRow(
        target=target,
        horizon_hours=row.horizon_hours,
        model=row.model,
        step_minutes=row.step_minutes,
        mae=row.mae,
        points=row.points,
        based_on=row.based_on,
        computed_at=row.computed_at,
    )


def stored_horizon(conn: Connection, target: ForecastTarget) -> int | None:
    """The longest horizon stored for ``target``, if any."""
    return conn.execute(select(func.max(_T.horizon_hours)).where(_is(target))).scalar()


# Each max(ts) walks the primary-key index backwards: one lookup per meter or resolution.
_LAST_READING = text("SELECT max(ts) FROM smart_meter_readings WHERE meter_id = :key")
_LAST_PRICE = text(
    "SELECT max(last) FROM (VALUES (15), (30), (60)) AS r(res) CROSS JOIN LATERAL ("
    " SELECT max(ts) AS last FROM market_prices p"
    " WHERE p.zone = :key AND p.resolution_minutes = r.res) x"
)


def last_data(conn: Connection, target: ForecastTarget) -> datetime | None:
    """Timestamp of the newest reading of the target's meter, or price of its zone."""
    query, key = (
        (_LAST_PRICE, target.zone) if target.kind == PRICE else (_LAST_READING, target.meter_id)
    )
    return _utc(conn.execute(query, {"key": key}).scalar())


def target_states(conn: Connection) -> list[TargetState]:
    """Every target there is data for: each meter's consumption, PV where the meter has PV,
    and the price of each meter's zone and of each zone with a stored forecast."""
    stored = {
        ForecastTarget(r.kind, r.meter_id, r.zone): (r.based_on, r.horizon)
        for r in conn.execute(
            select(
                _T.kind,
                _T.meter_id,
                _T.zone,
                func.max(_T.based_on).label("based_on"),
                func.max(_T.horizon_hours).label("horizon"),
            ).group_by(_T.kind, _T.meter_id, _T.zone)
        )
    }
    meters = conn.execute(
        text(
            "SELECT m.meter_id, coalesce(m.pv_kwp, 0) > 0 AS pv, m.zone, x.last FROM meters m"
            " CROSS JOIN LATERAL (SELECT max(ts) AS last FROM smart_meter_readings r"
            "  WHERE r.meter_id = m.meter_id) x ORDER BY m.meter_id"
        )
    ).all()
    found: list[tuple[ForecastTarget, datetime | None]] = []
    for meter in meters:
        found.append((ForecastTarget("consumption", meter.meter_id), meter.last))
        if meter.pv:
            found.append((ForecastTarget("pv", meter.meter_id), meter.last))
    zones = {m.zone for m in meters} | {t.zone for t in stored if t.kind == PRICE and t.zone}
    for zone in sorted(zones):
        target = ForecastTarget(PRICE, None, zone)
        found.append((target, last_data(conn, target)))
    states = []
    for target, last in found:
        if last is None:
            continue
        based_on, horizon = stored.get(target, (None, None))
        states.append(TargetState(target, last, based_on, horizon))
    return states


def meter_targets(conn: Connection, meter_ids: Iterable[str]) -> list[ForecastTarget]:
    """The targets of these meters: consumption, and PV where the meter has PV."""
    rows = conn.execute(
        select(Meter.meter_id, Meter.pv_kwp)
        .where(Meter.meter_id.in_(sorted(meter_ids)))
        .order_by(Meter.meter_id)
    )
    targets = []
    for meter_id, pv_kwp in rows:
        targets.append(ForecastTarget("consumption", meter_id))
        if pv_kwp:
            targets.append(ForecastTarget("pv", meter_id))
    return targets


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
