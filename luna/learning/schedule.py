"""Scheduled learning cycles: a crontab expression (``LUNA_LEARNING_SCHEDULE``) starts a cycle.

A scheduled start is an ordinary cycle (actor ``schedule``) and goes through the same gate; if
a cycle is already running when the schedule fires, that firing is skipped and logged, never
queued, so cycles still run one at a time.
"""

from __future__ import annotations

import logging

from apscheduler.triggers.cron import CronTrigger

from luna.learning.cycles import CycleConflictError, run_cycle, start_cycle
from luna.runtime import Runtime

log = logging.getLogger(__name__)

ACTOR = "schedule"
JOB_ID = "learning-cycle"


def parse_schedule(crontab: str, timezone: str) -> CronTrigger:
    """The trigger of a five-field crontab expression; ValueError names what is wrong."""
    return CronTrigger.from_crontab(crontab, timezone=timezone)


def run_scheduled_cycle(runtime: Runtime) -> int | None:
    """Start and run one cycle now; None (and a log line) when another cycle is running."""
    try:
        cycle_id = start_cycle(runtime, actor=ACTOR)
    except CycleConflictError as exc:
        log.info("scheduled learning cycle skipped: %s", exc)
        return None
    try:
        status = run_cycle(runtime, cycle_id)
        log.info("scheduled learning cycle %s: %s", cycle_id, status)
    except Exception:  # the cycle row keeps the failure; the scheduler thread must survive
        log.exception("scheduled learning cycle %s failed", cycle_id)
    return cycle_id


class LearningSchedule:
    """Runs :func:`run_scheduled_cycle` on the configured crontab, as a job on the process's
    scheduler (:attr:`Runtime.scheduler`, shared with the forecast refreshes)."""

    def __init__(self, runtime: Runtime, crontab: str) -> None:
        self._runtime = runtime
        self._trigger = parse_schedule(crontab, runtime.settings.timezone)

    def start(self) -> None:
        self._runtime.scheduler.add_job(
            run_scheduled_cycle,
            self._trigger,
            args=(self._runtime,),
            id=JOB_ID,
            max_instances=1,
            coalesce=True,
            replace_existing=True,
        )

    def next_run(self) -> str | None:
        job = self._runtime.scheduler.get_job(JOB_ID)
        when = getattr(job, "next_run_time", None)
        return when.isoformat() if when is not None else None

    def shutdown(self) -> None:
        """Remove the job; the scheduler itself stops with the runtime."""
        if self._runtime.scheduler.get_job(JOB_ID) is not None:
            self._runtime.scheduler.remove_job(JOB_ID)
