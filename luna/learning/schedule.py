"""Scheduled learning cycles: a crontab expression (``LUNA_LEARNING_SCHEDULE``) starts a cycle.

A scheduled start is an ordinary cycle (actor ``schedule``) queued as a job like one started
through the API (:mod:`luna.jobs.learning`), and goes through the same gate; if a cycle is
already queued or running when the schedule fires, that firing is skipped and logged, never
queued, so cycles still run one at a time (also when several API replicas fire together: the
database admits one running cycle).
"""

from __future__ import annotations

import logging

from apscheduler.triggers.cron import CronTrigger

from luna.jobs.learning import enqueue_learning
from luna.learning.cycles import CycleConflictError
from luna.runtime import Runtime

log = logging.getLogger(__name__)

ACTOR = "schedule"
JOB_ID = "learning-cycle"


def parse_schedule(crontab: str, timezone: str) -> CronTrigger:
    """The trigger of a five-field crontab expression; ValueError names what is wrong."""
    return CronTrigger.from_crontab(crontab, timezone=timezone)


def run_scheduled_cycle(runtime: Runtime) -> int | None:
    """Queue one cycle now for a worker; its id, or None (and a log line) when another cycle is
    running or it could not be queued."""
    try:
        cycle_id = enqueue_learning(runtime.jobs, runtime, "full", ACTOR)
    except CycleConflictError as exc:
        log.info("scheduled learning cycle skipped: %s", exc)
        return None
    except Exception:  # the cycle row keeps the reason; the scheduler thread must survive
        log.exception("scheduled learning cycle not queued")
        return None
    log.info("scheduled learning cycle %s queued", cycle_id)
    return cycle_id


class LearningSchedule:
    """Fires :func:`run_scheduled_cycle` on the configured crontab from the process's scheduler
    (:attr:`Runtime.scheduler`, shared with the forecast refreshes); a worker runs the cycle."""

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
