"""Simulated backfills as jobs: meters, readings and prices written in the background.

Why it may run again from the start (``repeatable``): every write is an upsert (meters on
their id, readings and prices through the time-series upsert), each meter is one transaction,
and the day window and seed are fixed when the job is queued, so a second run writes the same
rows again (``readings_written`` 0 for meters already done). A backfill interrupted by a
stopping or dying worker is therefore queued again; a failure is not retried. One runs at a
time (it saturates the database writer); a cancel stops after the meter in progress, which
leaves whole meters only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from procrastinate import App
from sqlalchemy.orm import Session

from luna.jobs.control import JobBusyError, enqueue
from luna.jobs.kinds import JobKind, RunningJob
from luna.jobs.status import JobState, list_jobs
from luna.simulators.backfill import backfill, day_window
from luna.simulators.national_drivers import zone_spec
from luna.simulators.simulate_smart_meter import default_fleet


def run_backfill(
    job: RunningJob, *, meters: int, days: int, seed: int, zone: str, start: str, end: str
) -> dict[str, Any]:
    """Write ``meters`` simulated meters over ``[start, end)`` and the zone's prices."""
    totals = {"meters_done": 0, "readings": 0}
    job.progress(0, total=meters, result=dict(totals))

    def after_meter(_meter: str, rows: int) -> None:
        totals["meters_done"] += 1
        totals["readings"] += rows
        job.progress(totals["meters_done"], result=dict(totals))
        job.stop_if_asked()  # the meter just written is committed whole; stop before the next

    report = backfill(
        job.runtime.stores.engine,
        default_fleet(meters, seed),
        pd.Timestamp(start),
        pd.Timestamp(end),
        seed=seed,
        zone=zone,
        on_meter=after_meter,
    )
    return {
        **totals,
        "readings_written": report.readings_written,
        "prices": report.prices,
        "prices_written": report.prices_written,
    }


BACKFILL = JobKind(
    name="backfill", work=run_backfill, queue="backfill", repeatable=True, lock="backfill"
)


BUSY = "a backfill is already queued or running; wait or cancel it"


def enqueue_backfill(
    app: App,
    session: Session,
    *,
    meters: int,
    days: int,
    seed: int,
    zone: str,
    now: datetime | None = None,
) -> int:
    """Queue a backfill of ``days`` whole local days up to today (fixed now, so that a rerun
    writes the same window); its job id.

    Raises ValueError for days or a zone the simulator cannot make, and
    :class:`~luna.jobs.control.JobBusyError` while another backfill is queued or running.
    """
    start, end = day_window(days, end=now)
    zone_spec(zone)
    kinds = [BACKFILL.name]
    # The queueing lock alone would let a second one queue behind a running one.
    if list_jobs(session, kinds, states={JobState.QUEUED, JobState.RUNNING}, limit=1):
        raise JobBusyError(BUSY)
    arguments = {
        "meters": meters,
        "days": days,
        "seed": seed,
        "zone": zone,
        "start": start.isoformat(),
        "end": end.isoformat(),
    }
    try:
        return enqueue(app, BACKFILL, arguments, one_at_a_time=True)
    except JobBusyError as exc:
        raise JobBusyError(BUSY) from exc
