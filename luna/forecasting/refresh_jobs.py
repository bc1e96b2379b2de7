"""Stored forecasts kept current in the background: which targets to refresh, and when.

Two triggers: after a commit that changed readings or prices (seen through
:func:`~luna.store.sql.series_writes.watch_writes`: ingest API, MQTT, simulator, backfills), the
meters and zones it touched, ``delay`` seconds later, so the many commits of a backfill or an
MQTT feed make one refresh per target, never one per batch and never inside the writer's
request; and a periodic sweep of whatever is due (no forecast yet, or newer data than it rests
on: writes by other processes such as ``luna simulate``, refreshes that failed).

This class only decides *which* and *when*, on the process's scheduler
(:attr:`luna.runtime.Runtime.scheduler`, which also fires scheduled learning cycles); the
refreshes themselves are jobs on the queue (:mod:`luna.jobs.forecast`), one per target, which
any worker runs: ``submit`` queues them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from luna.config import Settings
from luna.forecasting.stored import due_targets
from luna.store.sql.forecasts import PRICE, ForecastTarget, meter_targets
from luna.store.sql.series_writes import SeriesWrites, watch_writes

log = logging.getLogger(__name__)

SWEEP_JOB = "forecast-sweep"
Submit = Callable[[list[ForecastTarget]], object]  # queues a refresh of each target


class ForecastRefresher:
    """Submits refreshes of stored forecasts after writes (debounced) and in a periodic sweep."""

    def __init__(self, scheduler: Any, engine: Engine, settings: Settings, submit: Submit) -> None:
        self._scheduler = scheduler
        self._engine = engine
        self._settings = settings
        self._submit = submit
        self._lock = threading.Lock()  # guards the pending sets and the scheduled flag
        self._stop = threading.Event()
        self._meters: set[str] = set()
        self._zones: set[str] = set()
        self._scheduled = False
        self._unwatch: Callable[[], None] | None = None

    def start(self) -> None:
        self._unwatch = watch_writes(self._engine, self._written)
        self._scheduler.add_job(
            self.sweep,
            "interval",
            minutes=self._settings.forecast_sweep_minutes,
            id=SWEEP_JOB,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            replace_existing=True,
        )

    def request(self, *, meters: Iterable[str] = (), zones: Iterable[str] = ()) -> None:
        """Refresh these meters' and zones' forecasts after the delay (merged with others)."""
        with self._lock:
            self._meters.update(meters)
            self._zones.update(zones)
            if self._scheduled or self._stop.is_set() or not (self._meters or self._zones):
                return
            self._scheduled = True
        self._scheduler.add_job(
            self._submit_pending, "date", run_date=self._after_delay(), misfire_grace_time=None
        )

    def refresh_soon(self, target: ForecastTarget) -> None:
        """A reader found ``target``'s forecast stale: refresh its meter or zone."""
        if target.kind == PRICE:
            self.request(zones=[target.zone] if target.zone else [])
        else:
            self.request(meters=[target.meter_id] if target.meter_id else [])

    def sweep(self) -> list[ForecastTarget]:
        """Submit every target that is due; the targets."""
        if self._stop.is_set():
            return []
        return self._hand_over(due_targets(self._engine))

    def shutdown(self) -> None:
        """Stop watching and sweeping (what was submitted stays queued)."""
        self._stop.set()
        if self._unwatch is not None:
            self._unwatch()
        if self._scheduler.get_job(SWEEP_JOB) is not None:
            self._scheduler.remove_job(SWEEP_JOB)

    def _written(self, writes: SeriesWrites) -> None:
        # On the committing thread, inside its commit: note and return.
        self.request(meters=writes.meters, zones=writes.zones)

    def _after_delay(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self._settings.forecast_refresh_delay_s)

    def _submit_pending(self) -> None:
        with self._lock:
            meters, self._meters = self._meters, set()
            zones, self._zones = self._zones, set()
            self._scheduled = False
        if self._stop.is_set():
            return
        with self._engine.connect() as conn:
            targets = meter_targets(conn, meters)
        targets += [ForecastTarget(PRICE, None, zone) for zone in sorted(zones)]
        self._hand_over(targets)

    def _hand_over(self, targets: list[ForecastTarget]) -> list[ForecastTarget]:
        if targets:
            try:
                self._submit(targets)
            except Exception:  # the queue's database is away: the next sweep submits them
                log.exception("could not queue %d forecast refreshes", len(targets))
            else:
                log.info("forecast refreshes queued: %d", len(targets))
        return targets
