"""Workers: ``luna worker`` as a process of its own, or one inside ``luna serve``.

A worker takes jobs from the queue (LISTEN/NOTIFY, and a poll as a fallback), runs each kind's
synchronous work on a thread, beats a heartbeat into ``procrastinate_workers`` and, beside
that, watches for jobs whose worker stopped beating (killed, or cut off from the database):
procrastinate finds them (:meth:`~procrastinate.manager.JobManager.get_stalled_jobs`) but
leaves them "doing" forever; :func:`recover_stalled_jobs` requeues the repeatable ones and
fails the others, with the reason in ``job_progress``. After each look, and before each pruning,
it ends the playbooks, eval runs and learning cycles whose job ended without ending them
(:mod:`luna.jobs.settle`). It also deletes, about hourly, the jobs that ended more than
``LUNA_JOBS_RETAIN_DAYS`` ago (:mod:`luna.jobs.retention`).

Per-queue concurrency (``LUNA_JOBS_QUEUE_CONCURRENCY``, e.g. two ingests at once but one eval):
a procrastinate worker has one limit for all its queues, so a process runs one procrastinate
worker per queue named there, each with its own limit, and one more for the rest of its queues
(:func:`queue_groups`); they share the app's pool, the stalled-job watch and the pruning.
Each registers in ``procrastinate_workers`` (its own heartbeat) as ``name[queue]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from procrastinate import App
from procrastinate.app import WorkerOptions
from procrastinate.exceptions import ConnectorException
from procrastinate.jobs import Status
from sqlalchemy import Engine

from luna.jobs.kinds import RUNTIME_KEY, SERVE_QUEUE, write_progress
from luna.jobs.queue import KINDS, build_worker_app
from luna.jobs.retention import prune_finished_jobs
from luna.jobs.settle import settle_ended_rows

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


async def settle_rows(engine: Engine) -> None:
    """End the rows whose job ended without ending them (:mod:`luna.jobs.settle`), saying so."""
    for table, ids in (await asyncio.to_thread(settle_ended_rows, engine)).items():
        log.warning("%s whose job ended without ending them, now ended: %s", table, ids)


async def _watch_stalled_jobs(app: App, engine: Engine, stalled_after_s: float) -> None:
    """Recover stalled jobs, then settle the rows of jobs that ended (the ones just failed
    among them), now and then."""
    while True:
        try:
            await recover_stalled_jobs(app, engine, stalled_after_s)
        except Exception:  # a database hiccup must not stop the worker; try again later
            log.exception("checking for stalled jobs failed")
        try:
            await settle_rows(engine)
        except Exception:
            log.exception("settling the rows of ended jobs failed")
        await asyncio.sleep(max(stalled_after_s / 2, HEARTBEAT_S))


async def _prune_finished_jobs(engine: Engine, retain_days: int) -> None:
    """Delete the jobs past retention now and then about hourly. Every worker does this (so it
    happens whichever of them runs); at any one time one of them prunes, the others skip.
    The rows of ended jobs are settled first, so that their jobs are not kept as still read."""
    while True:
        try:
            await settle_rows(engine)
        except Exception:  # pruning keeps the jobs of rows not settled: it can go on
            log.exception("settling the rows of ended jobs failed")
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


QueueGroup = tuple[list[str] | None, int]  # the queues (None: every queue) and their limit


def queue_groups(
    queues: Iterable[str] | None, concurrency: int, per_queue: Mapping[str, int]
) -> list[QueueGroup]:
    """The procrastinate workers one process runs for ``queues`` (None: every queue): one per
    queue with a limit of its own in ``per_queue`` (``LUNA_JOBS_QUEUE_CONCURRENCY``), and one
    with ``concurrency`` for the others. Without such a queue, one worker for all, as given.

    The others are named, not "every queue": a worker with every queue would take the named
    ones' jobs too. So with ``queues`` None they are the queues Luna's jobs wait in, every
    kind's own and :data:`~luna.jobs.kinds.SERVE_QUEUE`.
    """
    chosen = None if queues is None else sorted(set(queues))
    own = {q: n for q, n in sorted(per_queue.items()) if chosen is None or q in chosen}
    if not own:
        return [(chosen, concurrency)]
    known = chosen if chosen is not None else {k.queue for k in KINDS.values()} | {SERVE_QUEUE}
    groups: list[QueueGroup] = [([q], n) for q, n in own.items()]
    if rest := sorted(set(known) - own.keys()):
        groups.append((rest, concurrency))
    return groups


def _options(
    options: WorkerOptions,
    queues: list[str] | None,
    concurrency: int,
    name: str,
    install_signal_handlers: bool,
) -> WorkerOptions:
    """``options`` for one procrastinate worker of ``queues`` (None: every queue)."""
    own = WorkerOptions(
        **options,
        concurrency=concurrency,
        name=name,
        install_signal_handlers=install_signal_handlers,
    )
    if queues is not None:
        own["queues"] = queues
    return own


async def _run_groups(
    app: App,
    groups: list[QueueGroup],
    options: WorkerOptions,
    name: str,
    install_signal_handlers: bool,
) -> None:
    """One procrastinate worker per group on this loop until all have stopped. A stop signal
    (with ``install_signal_handlers``) or a cancel stops each gracefully, as procrastinate
    stops one (its own handlers would replace each other's: one per signal and loop)."""
    tasks: list[asyncio.Task[None]] = []

    def stop() -> None:
        log.info("stop requested: the workers finish or stop their running jobs")
        for task in tasks:
            task.cancel()  # procrastinate's graceful stop, as on its own signal handler

    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM) if install_signal_handlers else ()
    for number in signals:
        loop.add_signal_handler(number, stop)
    try:
        # A worker that fails stops the others (an ExceptionGroup); a cancel reaches them all.
        async with asyncio.TaskGroup() as group:
            for queues, limit in groups:
                label = ",".join(queues or ["*"])
                worker = app.run_worker_async(
                    **_options(options, queues, limit, f"{name}[{label}]", False)
                )
                tasks.append(group.create_task(worker, name=f"luna-worker-{label}"))
    finally:
        for number in signals:
            loop.remove_signal_handler(number)


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
    ``until_empty`` until the queue has nothing left for it. ``concurrency`` jobs at once,
    except on the queues with a limit of their own (:func:`queue_groups`).

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
            "wait": not until_empty,
            "additional_context": {RUNTIME_KEY: runtime},
            "shutdown_graceful_timeout": settings.jobs_shutdown_grace_s,
            "update_heartbeat_interval": HEARTBEAT_S,
            "stalled_worker_timeout": settings.jobs_stalled_after_s,
        }
        name = name or "luna-worker"
        groups = queue_groups(queues or None, concurrency, settings.jobs_queue_concurrency)
        try:
            if len(groups) == 1:  # procrastinate's own signal handling, as it comes
                ((only, limit),) = groups
                await app.run_worker_async(
                    **_options(options, only, limit, name, install_signal_handlers)
                )
            else:
                await _run_groups(app, groups, options, name, install_signal_handlers)
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
