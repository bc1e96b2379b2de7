"""Workers: ``luna worker`` as a process of its own, or one inside ``luna serve``.

A worker takes jobs from the queue (LISTEN/NOTIFY, and a poll as a fallback), runs each kind's
synchronous work on a thread, beats a heartbeat into ``procrastinate_workers`` and, beside
that, watches for jobs whose worker stopped beating (killed, or cut off from the database):
procrastinate finds them (:meth:`~procrastinate.manager.JobManager.get_stalled_jobs`) but
leaves them "doing" forever; :func:`recover_stalled_jobs` requeues the repeatable ones and
fails the others, with the reason in ``job_progress``. It also deletes, about hourly, the jobs
that ended more than ``LUNA_JOBS_RETAIN_DAYS`` ago (:mod:`luna.jobs.retention`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from procrastinate import App
from procrastinate.app import WorkerOptions
from procrastinate.exceptions import ConnectorException
from procrastinate.jobs import Status
from sqlalchemy import Engine

from luna.jobs.kinds import RUNTIME_KEY, write_progress
from luna.jobs.queue import KINDS, build_worker_app
from luna.jobs.retention import prune_finished_jobs

if TYPE_CHECKING:
    from luna.runtime import Runtime

log = logging.getLogger(__name__)

HEARTBEAT_S = 10.0  # procrastinate's default; LUNA_JOBS_STALLED_AFTER_S must be well above
PRUNE_EVERY_S = 3600.0  # retention is in days: an hour late is nothing, and each run is cheap


async def recover_stalled_jobs(app: App, engine: Engine, stalled_after_s: float) -> list[int]:
    """Requeue or fail the running jobs whose worker has not beaten for ``stalled_after_s``;
    the ids handled. Safe to run in several workers at once: a job another one handled first
    is skipped."""
    handled = []
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after_s):
        kind = KINDS.get(job.task_name)
        if kind is None or job.id is None:
            continue  # not one of Luna's kinds
        why = f"its worker stopped responding (no heartbeat for {stalled_after_s:g} s)"
        again = kind.repeatable and job.attempts + 1 < kind.max_attempts
        if again:
            why += "; queued again"
        # The reason first: a requeued job may start at once, and its new attempt clears it.
        await asyncio.to_thread(write_progress, engine, job.id, error=why)
        try:
            if again:
                await app.job_manager.retry_job(job)
            else:
                await app.job_manager.finish_job_by_id_async(
                    job.id, Status.FAILED, delete_job=False
                )
        except ConnectorException:
            log.info("stalled job %d was handled elsewhere", job.id)
            continue
        log.warning("job %d (%s): %s", job.id, job.task_name, why)
        handled.append(job.id)
    return handled


async def _watch_stalled_jobs(app: App, engine: Engine, stalled_after_s: float) -> None:
    while True:
        try:
            await recover_stalled_jobs(app, engine, stalled_after_s)
        except Exception:  # a database hiccup must not stop the worker; try again later
            log.exception("checking for stalled jobs failed")
        await asyncio.sleep(max(stalled_after_s / 2, HEARTBEAT_S))


async def _prune_finished_jobs(engine: Engine, retain_days: int) -> None:
    """Delete the jobs past retention now and then about hourly. Every worker does this (so it
    happens whichever of them runs); at any one time one of them prunes, the others skip."""
    while True:
        try:
            pruned = await asyncio.to_thread(prune_finished_jobs, engine, retain_days, wait=False)
            if pruned is not None and (pruned.total or pruned.kept):
                log.info(
                    "pruned %d finished jobs older than %d days (%s); kept %d still read",
                    pruned.total,
                    retain_days,
                    ", ".join(f"{k} {n}" for k, n in pruned.deleted.items()) or "none",
                    pruned.kept,
                )
        except Exception:  # a database hiccup must not stop the worker; try again later
            log.exception("pruning finished jobs failed")
        await asyncio.sleep(PRUNE_EVERY_S)


async def run_worker(
    runtime: Runtime,
    *,
    queues: Iterable[str] | None = None,
    concurrency: int = 1,
    name: str | None = None,
    install_signal_handlers: bool = True,
    until_empty: bool = False,
) -> None:
    """Run a worker until it is cancelled (or, with signal handlers, SIGINT/SIGTERM), or with
    ``until_empty`` until the queue has nothing left for it.

    On a stop, running jobs get ``LUNA_JOBS_SHUTDOWN_GRACE_S`` to finish, then are asked to
    stop; a repeatable one goes back to the queue. Beside the jobs it watches for stalled ones
    and, unless ``LUNA_JOBS_RETAIN_DAYS`` is 0, prunes finished ones.
    """
    settings = runtime.settings
    engine = runtime.stores.engine
    app = build_worker_app(settings)
    async with app.open_async():
        chores = [
            asyncio.create_task(
                _watch_stalled_jobs(app, engine, settings.jobs_stalled_after_s),
                name="luna-stalled-jobs",
            )
        ]
        if settings.jobs_retain_days > 0:
            chores.append(
                asyncio.create_task(
                    _prune_finished_jobs(engine, settings.jobs_retain_days),
                    name="luna-prune-jobs",
                )
            )
        options: WorkerOptions = {
            "concurrency": concurrency,
            "wait": not until_empty,
            "name": name or "luna-worker",
            "additional_context": {RUNTIME_KEY: runtime},
            "install_signal_handlers": install_signal_handlers,
            "shutdown_graceful_timeout": settings.jobs_shutdown_grace_s,
            "update_heartbeat_interval": HEARTBEAT_S,
            "stalled_worker_timeout": settings.jobs_stalled_after_s,
        }
        if queues:
            options["queues"] = list(queues)
        try:
            await app.run_worker_async(**options)
        finally:
            for chore in chores:
                chore.cancel()
            for chore in chores:
                with contextlib.suppress(asyncio.CancelledError):
                    await chore


class InProcessWorker:
    """One worker on the API's event loop (``LUNA_JOBS_IN_PROCESS_WORKER``), so that the
    embedded default runs jobs without a second command; its work runs on threads, so requests
    are not held up."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="luna-in-process-worker")

    async def _run(self) -> None:
        try:
            await run_worker(self._runtime, name="luna-serve", install_signal_handlers=False)
        except Exception:  # e.g. the database is gone at start-up: the API itself keeps serving
            log.exception("the in-process job worker stopped")

    async def stop(self) -> None:
        """Stop taking jobs; wait for running ones as long as the grace setting allows."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
