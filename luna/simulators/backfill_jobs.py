"""Backfills as background jobs with progress, so an admin can start one from the dashboard.

One job runs at a time (a backfill saturates the database writer); each job reports how many
meters are done, and a cancelled job stops after the meter in progress, which leaves whole
meters only (each meter is one transaction, see :func:`luna.simulators.backfill.backfill`).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine

from luna.config import site_price_zone
from luna.simulators.backfill import backfill, day_window
from luna.simulators.national_drivers import zone_spec
from luna.simulators.simulate_smart_meter import default_fleet

log = logging.getLogger(__name__)


class JobState(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class JobBusyError(RuntimeError):
    """Another backfill is still running."""


class _CancelledError(Exception):
    """Raised from the progress callback to stop after the meter just written."""


@dataclass
class BackfillJob:
    """What the dashboard shows about one backfill; mutated only by its worker thread."""

    id: int
    meters: int
    days: int
    seed: int
    zone: str
    state: JobState = JobState.RUNNING
    meters_done: int = 0
    readings: int = 0
    readings_written: int = 0
    prices: int = 0
    prices_written: int = 0
    error: str | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    duration_s: float | None = None
    cancel_requested: bool = False

    def snapshot(self) -> dict[str, Any]:
        return asdict(self)


class BackfillJobs:
    """The jobs of this process, newest first; keeps the last ``keep`` of them."""

    def __init__(self, engine: Engine, *, keep: int = 20) -> None:
        self._engine = engine
        self._keep = keep
        self._jobs: list[BackfillJob] = []
        self._threads: dict[int, threading.Thread] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def start(self, *, meters: int, days: int, seed: int, zone: str | None = None) -> BackfillJob:
        """Start a backfill of prices in ``zone`` (default: the site's); a ValueError for days
        or a zone the simulator cannot make, before a thread exists."""
        zone = zone or site_price_zone()
        day_window(days)
        zone_spec(zone)
        with self._lock:
            if any(j.state is JobState.RUNNING for j in self._jobs):
                raise JobBusyError("a backfill is already running; wait or cancel it")
            job = BackfillJob(id=next(self._ids), meters=meters, days=days, seed=seed, zone=zone)
            self._jobs.insert(0, job)
            del self._jobs[self._keep :]
            thread = threading.Thread(
                target=self._run, args=(job,), name=f"backfill-{job.id}", daemon=True
            )
            self._threads[job.id] = thread
        thread.start()
        return job

    def get(self, job_id: int) -> BackfillJob | None:
        with self._lock:
            return next((j for j in self._jobs if j.id == job_id), None)

    def list(self) -> list[BackfillJob]:
        with self._lock:
            return list(self._jobs)

    def cancel(self, job_id: int) -> BackfillJob | None:
        job = self.get(job_id)
        if job is not None and job.state is JobState.RUNNING:
            job.cancel_requested = True
        return job

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel what runs and wait a little for it (the meter in progress completes)."""
        for job in self.list():
            self.cancel(job.id)
        for thread in list(self._threads.values()):
            thread.join(timeout)

    def _run(self, job: BackfillJob) -> None:
        began = time.perf_counter()

        def progress(_meter: str, rows: int) -> None:
            job.meters_done += 1
            job.readings += rows
            if job.cancel_requested:
                raise _CancelledError

        try:
            start, end = day_window(job.days)
            report = backfill(
                self._engine,
                default_fleet(job.meters, job.seed),
                start,
                end,
                seed=job.seed,
                zone=job.zone,
                on_meter=progress,
            )
            job.readings_written = report.readings_written
            job.prices, job.prices_written = report.prices, report.prices_written
            job.state = JobState.DONE
        except _CancelledError:
            job.state = JobState.CANCELLED
        except Exception as exc:  # reported on the dashboard, never kills the process
            log.exception("backfill job %d failed", job.id)
            job.error = f"{type(exc).__name__}: {exc}"
            job.state = JobState.FAILED
        finally:
            job.duration_s = round(time.perf_counter() - began, 2)
            job.finished_at = datetime.now(UTC)
