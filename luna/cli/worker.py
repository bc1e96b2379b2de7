"""``luna worker``: run background jobs from the queue in a process of its own."""

from __future__ import annotations

import asyncio
import logging.config

import typer

from luna.config import get_settings
from luna.observability.logging import logging_config


def worker(
    queue: list[str] = typer.Option(
        [],
        "--queue",
        "-q",
        help="Only jobs of this queue (repeatable); default: every queue, but with the "
        "embedded vector store (LUNA_VECTOR_BACKEND=edge) not 'serve', whose jobs need "
        "vectors and run in luna serve.",
    ),
    concurrency: int = typer.Option(
        1, min=1, max=32, help="Jobs this worker runs at once (each on a thread)."
    ),
    name: str | None = typer.Option(None, help="Worker name in the logs (default luna-worker)."),
    until_empty: bool = typer.Option(
        False, "--until-empty", help="Stop once the queue has nothing left for this worker."
    ),
) -> None:
    """Take jobs from the queue and run them until SIGINT/SIGTERM (running jobs get
    LUNA_JOBS_SHUTDOWN_GRACE_S to finish); logs are JSON lines on stdout. Run as many as the
    load needs, next to `luna serve` (with LUNA_JOBS_IN_PROCESS_WORKER=false) or not."""
    from luna.jobs.kinds import SERVE_QUEUE, embedded_vectors
    from luna.jobs.queue import worker_queues
    from luna.jobs.worker import run_worker
    from luna.runtime import Runtime

    settings = get_settings()
    if SERVE_QUEUE in queue and embedded_vectors(settings):
        # Qdrant Edge admits one process: luna serve's. A second would fail on its lock.
        raise typer.BadParameter(
            f"queue '{SERVE_QUEUE}' holds jobs that need the embedded vector store, which only "
            "luna serve may open; they run on its in-process worker (or set "
            "LUNA_VECTOR_BACKEND=qdrant)",
            param_hint="--queue",
        )
    logging.config.dictConfig(logging_config(settings.log_level))
    runtime = Runtime(settings)
    try:
        asyncio.run(
            run_worker(
                runtime,
                queues=queue or worker_queues(settings),
                concurrency=concurrency,
                name=name,
                until_empty=until_empty,
            )
        )
    finally:
        runtime.close()
