"""Data control for the admin dashboard: the live feed's state, start/stop, and backfill jobs.

The live feed is whatever ``LUNA_DATA_SOURCE`` configured (simulator, or an MQTT, Redis Streams
or Modbus TCP connector, which all report the same counters and health; its state also at
``GET /data/source``); backfills write simulated history as jobs on the queue
(:mod:`luna.jobs.backfill`, run by a worker), whose progress the dashboard polls.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from luna.api.deps import AdminUser, RuntimeDep, SessionDep, SettingsDep
from luna.api.errors import field_error
from luna.config import ZONE_PATTERN, DataSourceKind, Settings
from luna.connectors.feed import feed_status, running_here
from luna.connectors.sources import DataSource
from luna.jobs.backfill import BACKFILL, enqueue_backfill
from luna.jobs.control import JobBusyError, JobFinishedError, cancel
from luna.jobs.status import JobState, JobStatus, get_job, list_jobs
from luna.store.sql.models import MarketPrice, Meter, SmartMeterReading

router = APIRouter(prefix="/admin/data", tags=["admin"])

BACKFILL_KINDS = [BACKFILL.name]
KEEP_JOBS = 20  # backfills the dashboard lists
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
    """A backfill job (one job of the queue, ``GET /jobs/{id}``) in the dashboard's words."""

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
    queued_at: datetime | None
    started_at: datetime | None = Field(description="Null while it waits in the queue.")
    finished_at: datetime | None
    duration_s: float | None
    cancel_requested: bool

    @classmethod
    def of(cls, job: JobStatus) -> BackfillJobOut:
        args, result = job.arguments, job.result or {}
        duration = None
        if job.started_at is not None and job.finished_at is not None:
            duration = round((job.finished_at - job.started_at).total_seconds(), 2)
        return cls(
            id=job.id,
            meters=args["meters"],
            days=args["days"],
            seed=args["seed"],
            zone=args["zone"],
            state=job.state,
            meters_done=job.done,
            readings=result.get("readings", 0),
            readings_written=result.get("readings_written", 0),
            prices=result.get("prices", 0),
            prices_written=result.get("prices_written", 0),
            error=job.error,
            queued_at=job.queued_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            duration_s=duration,
            cancel_requested=job.cancel_requested,
        )


def _source(request: Request) -> DataSource | None:
    """The feed's source where this process runs it (None: another process does, or none)."""
    return running_here(request.app.state.feed)


def _source_state(request: Request, session: Session, settings: Settings) -> SourceState:
    """The feed's state: from this process's source, else as ``luna feed`` stored it."""
    state = feed_status(_source(request), session, settings)
    return SourceState(configured=settings.data_source.value, state=state)


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
        source=_source_state(request, session, settings),
    )


@router.get("/source", response_model=SourceState)
def source_state(
    request: Request, session: SessionDep, settings: SettingsDep, _admin: AdminUser
) -> SourceState:
    return _source_state(request, session, settings)


@router.post("/source/{action}", response_model=SourceState)
def control_source(
    action: Annotated[str, Path(pattern="^(start|stop)$")],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _admin: AdminUser,
) -> SourceState:
    """Pause or resume the live feed (e.g. during maintenance); a restart resets nothing."""
    source = _source(request)
    if source is None and settings.data_source is not DataSourceKind.NONE:
        where = (
            "another API replica holds it"
            if settings.feed_in_api
            else "it runs in a process of its own (luna feed, LUNA_FEED_IN_API=false)"
        )
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"the live feed does not run in this process: {where}; "
            f"stop or start that process to {action} it",
        )
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
    return _source_state(request, session, settings)


@router.get("/backfills", response_model=list[BackfillJobOut])
def list_backfills(session: SessionDep, _admin: AdminUser) -> list[BackfillJobOut]:
    """The last backfill jobs, newest first (they live in the job queue: a restart keeps them)."""
    return [BackfillJobOut.of(j) for j in list_jobs(session, BACKFILL_KINDS, limit=KEEP_JOBS)]


@router.post("/backfills", response_model=BackfillJobOut, status_code=status.HTTP_202_ACCEPTED)
def start_backfill(
    body: BackfillIn,
    runtime: RuntimeDep,
    session: SessionDep,
    settings: SettingsDep,
    _admin: AdminUser,
) -> BackfillJobOut:
    """Queue a backfill of simulated meters, readings and prices (idempotent) for a worker;
    409 while one is queued or running, 422 for a zone the simulator cannot make prices for."""
    try:
        job_id = enqueue_backfill(
            runtime.jobs,
            session,
            meters=body.meters,
            days=body.days,
            seed=body.seed,
            zone=body.zone or settings.price_zone,
        )
    except JobBusyError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    except ValueError as exc:
        raise field_error("body.zone", str(exc)) from exc
    return BackfillJobOut.of(_job(session, job_id))


def _job(session: Session, job_id: int) -> JobStatus:
    job = get_job(session, job_id, BACKFILL_KINDS)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown backfill job {job_id}")
    return job


@router.get("/backfills/{job_id}", response_model=BackfillJobOut)
def get_backfill(job_id: int, session: SessionDep, _admin: AdminUser) -> BackfillJobOut:
    return BackfillJobOut.of(_job(session, job_id))


@router.post("/backfills/{job_id}/cancel", response_model=BackfillJobOut)
def cancel_backfill(
    job_id: int, runtime: RuntimeDep, session: SessionDep, _admin: AdminUser
) -> BackfillJobOut:
    """Stops after the meter in progress (a queued one never starts); a finished job is
    returned unchanged."""
    if not _job(session, job_id).finished:
        with contextlib.suppress(JobFinishedError):  # it ended meanwhile: show how
            cancel(runtime.jobs, session, job_id, BACKFILL_KINDS)
    return BackfillJobOut.of(_job(session, job_id))
