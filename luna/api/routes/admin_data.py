"""Data control for the admin dashboard: the live feed's state, start/stop, and backfill jobs.

The live feed is whatever ``LUNA_DATA_SOURCE`` configured (simulator or MQTT connector; its
state also at ``GET /data/source``); backfills write simulated history as background jobs
whose progress the dashboard polls.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select, text

from luna.api.deps import AdminUser, SessionDep, SettingsDep
from luna.api.errors import field_error
from luna.config import ZONE_PATTERN
from luna.connectors.sources import DataSource
from luna.simulators.backfill_jobs import BackfillJob, BackfillJobs, JobBusyError, JobState
from luna.store.sql.models import MarketPrice, Meter, SmartMeterReading

router = APIRouter(prefix="/admin/data", tags=["admin"])

# Below this many readings (by the planner's estimate) counting them exactly takes < 0.2 s.
EXACT_COUNT_BELOW = 2_000_000


class SourceState(BaseModel):
    """The configured feed; ``state`` is the source's own snapshot (null: none configured)."""

    configured: str
    state: dict[str, Any] | None


class DataOverview(BaseModel):
    meters: int
    readings: int
    readings_exact: bool = Field(description="False: the planner's estimate (large tables).")
    last_reading: datetime | None
    prices_from: datetime | None
    prices_until: datetime | None
    source: SourceState


class BackfillIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    meters: int = Field(default=5, ge=1, le=1000, description="Meters M-001... to simulate.")
    days: int = Field(default=7, ge=1, le=3660, description="Whole local days up to today.")
    seed: int = Field(default=42, description="Same seed, same data.")
    zone: str | None = Field(
        default=None, pattern=ZONE_PATTERN, description="Price zone; empty: LUNA_PRICE_ZONE."
    )


class BackfillJobOut(BaseModel):
    id: int
    meters: int
    days: int
    seed: int
    zone: str
    state: JobState
    meters_done: int
    readings: int
    readings_written: int
    prices: int
    prices_written: int
    error: str | None
    started_at: datetime
    finished_at: datetime | None
    duration_s: float | None
    cancel_requested: bool

    @classmethod
    def of(cls, job: BackfillJob) -> BackfillJobOut:
        return cls.model_validate(job.snapshot())


def _source(request: Request) -> DataSource | None:
    source: DataSource | None = request.app.state.data_source
    return source


def _source_state(request: Request, configured: str) -> SourceState:
    source = _source(request)
    return SourceState(configured=configured, state=source.status() if source else None)


def get_backfill_jobs(request: Request) -> BackfillJobs:
    jobs: BackfillJobs = request.app.state.backfill_jobs
    return jobs


@router.get("", response_model=DataOverview)
def overview(
    request: Request, session: SessionDep, settings: SettingsDep, _admin: AdminUser
) -> DataOverview:
    """What is stored and the feed; cheap at any size (a large table's count is estimated)."""
    # Latest reading per meter walks each meter's primary-key index backwards: fast at any size.
    last = session.scalar(
        text(
            "SELECT max(last) FROM meters m CROSS JOIN LATERAL ("
            " SELECT max(ts) AS last FROM smart_meter_readings r WHERE r.meter_id = m.meter_id) x"
        )
    )
    estimate = session.scalar(
        text(
            "SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint FROM pg_class c"
            " WHERE c.oid = to_regclass('smart_meter_readings')"
            " OR c.oid IN (SELECT inhrelid FROM pg_inherits"
            "  WHERE inhparent = to_regclass('smart_meter_readings'))"
        )
    )
    estimate = int(estimate or 0)
    exact = estimate < EXACT_COUNT_BELOW  # also when never analysed (estimate 0)
    if exact:
        estimate = session.scalar(select(func.count()).select_from(SmartMeterReading)) or 0
    first_price, last_price = session.execute(
        select(func.min(MarketPrice.ts), func.max(MarketPrice.ts))
    ).one()
    return DataOverview(
        meters=session.scalar(select(func.count()).select_from(Meter)) or 0,
        readings=estimate,
        readings_exact=exact,
        last_reading=last,
        prices_from=first_price,
        prices_until=last_price,
        source=_source_state(request, settings.data_source.value),
    )


@router.get("/source", response_model=SourceState)
def source_state(request: Request, settings: SettingsDep, _admin: AdminUser) -> SourceState:
    return _source_state(request, settings.data_source.value)


@router.post("/source/{action}", response_model=SourceState)
def control_source(
    action: Annotated[str, Path(pattern="^(start|stop)$")],
    request: Request,
    settings: SettingsDep,
    _admin: AdminUser,
) -> SourceState:
    """Pause or resume the live feed (e.g. during maintenance); a restart resets nothing."""
    source = _source(request)
    if source is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"no live data source is configured (LUNA_DATA_SOURCE=none); nothing to {action}",
        )
    running = bool(source.status().get("running"))
    if action == "start" and not running:
        source.start()
    elif action == "stop" and running:
        source.stop()
    return _source_state(request, settings.data_source.value)


@router.get("/backfills", response_model=list[BackfillJobOut])
def list_backfills(request: Request, _admin: AdminUser) -> list[BackfillJobOut]:
    """This process's backfill jobs, newest first."""
    return [BackfillJobOut.of(j) for j in get_backfill_jobs(request).list()]


@router.post("/backfills", response_model=BackfillJobOut, status_code=status.HTTP_202_ACCEPTED)
def start_backfill(
    body: BackfillIn, request: Request, settings: SettingsDep, _admin: AdminUser
) -> BackfillJobOut:
    """Start writing simulated meters, readings and prices (idempotent); 409 while one runs,
    422 for a zone the simulator cannot make prices for."""
    try:
        job = get_backfill_jobs(request).start(
            meters=body.meters,
            days=body.days,
            seed=body.seed,
            zone=body.zone or settings.price_zone,
        )
    except JobBusyError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    except ValueError as exc:
        raise field_error("body.zone", str(exc)) from exc
    return BackfillJobOut.of(job)


def _job(request: Request, job_id: int) -> BackfillJob:
    job = get_backfill_jobs(request).get(job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown backfill job {job_id}")
    return job


@router.get("/backfills/{job_id}", response_model=BackfillJobOut)
def get_backfill(job_id: int, request: Request, _admin: AdminUser) -> BackfillJobOut:
    return BackfillJobOut.of(_job(request, job_id))


@router.post("/backfills/{job_id}/cancel", response_model=BackfillJobOut)
def cancel_backfill(job_id: int, request: Request, _admin: AdminUser) -> BackfillJobOut:
    """Stops after the meter in progress; a finished job is returned unchanged."""
    _job(request, job_id)
    job = get_backfill_jobs(request).cancel(job_id)
    assert job is not None
    return BackfillJobOut.of(job)
