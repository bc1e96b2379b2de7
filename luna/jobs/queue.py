"""The procrastinate app, built from Luna's settings with every kind of job on it.

Each use builds its own app, because a procrastinate app holds one connector: the API and the
CLI defer and cancel through a synchronous pool (:func:`build_job_app`, opened once per
process by :attr:`luna.runtime.Runtime.jobs`), a worker runs on an asynchronous one
(:func:`build_worker_app`). Both point at Luna's one database (``LUNA_DATABASE_URL``, or the
embedded server), whose migrations created procrastinate's tables.
"""

from __future__ import annotations

from typing import Any

from procrastinate import (
    App,
    BaseConnector,
    JobContext,
    PsycopgConnector,
    RetryStrategy,
    SyncPsycopgConnector,
)
from procrastinate.exceptions import JobAborted

from luna.config import Settings
from luna.jobs.backfill import BACKFILL
from luna.jobs.eval import EVAL
from luna.jobs.forecast import FORECAST_REFRESH
from luna.jobs.ingest import INGEST
from luna.jobs.kinds import SERVE_QUEUE, JobKind, embedded_vectors, execute
from luna.jobs.learning import LEARNING
from luna.jobs.playbook import PLAYBOOK
from luna.jobs.prices import PRICE_FETCH, schedule_prices
from luna.store.sql.database import libpq_url

KINDS: dict[str, JobKind] = {
    kind.name: kind
    for kind in (BACKFILL, PLAYBOOK, EVAL, LEARNING, INGEST, FORECAST_REFRESH, PRICE_FETCH)
}


def worker_queues(settings: Settings) -> list[str] | None:
    """The queues a ``luna worker`` process takes by default: every queue (None) with a vector
    server; with embedded vectors those of the kinds that need none, never :data:`SERVE_QUEUE`
    (its jobs need the vector store that ``luna serve`` holds)."""
    if not embedded_vectors(settings):
        return None
    return sorted({k.queue for k in KINDS.values() if not k.needs_vectors} - {SERVE_QUEUE})


def _task(kind: JobKind) -> Any:
    def run(context: JobContext, **arguments: Any) -> dict[str, Any]:
        return execute(kind, context, arguments)

    run.__name__ = run.__qualname__ = f"run_{kind.name}"
    run.__doc__ = f"Run one attempt of a {kind.name} job (see luna.jobs.kinds.execute)."
    return run


def _with_kinds(app: App) -> App:
    for kind in KINDS.values():
        # Only a stop of the worker (JobAborted with reason "shutdown") is ever retried, and
        # only for repeatable kinds: procrastinate never retries a cancel, and a failure
        # would fail the same way again.
        retry: RetryStrategy | bool = (
            RetryStrategy(max_attempts=kind.max_attempts - 1, retry_exceptions={JobAborted})
            if kind.repeatable
            else False
        )
        app.task(name=kind.name, queue=kind.queue, lock=kind.lock, pass_context=True, retry=retry)(
            _task(kind)
        )
    return app


def _app(connector: BaseConnector) -> App:
    return _with_kinds(App(connector=connector))


def build_job_app(settings: Settings) -> App:
    """An app to defer and cancel jobs from synchronous code (open it with ``.open()``)."""
    return _app(SyncPsycopgConnector(conninfo=libpq_url(settings), min_size=1, max_size=2))


def build_worker_app(settings: Settings) -> App:
    """An app for a worker (open it with ``async with app.open_async()``): job fetches,
    heartbeats and LISTEN/NOTIFY on a small asynchronous pool; with the periodic tasks the
    settings ask for (:func:`luna.jobs.prices.schedule_prices`)."""
    app = _app(PsycopgConnector(conninfo=libpq_url(settings), min_size=1, max_size=4))
    return schedule_prices(app, settings)
