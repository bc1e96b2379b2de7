"""``luna worker``: run background jobs from the queue in a process of its own, and ``luna
worker health``: whether the queue is being worked, from the database alone."""

from __future__ import annotations

import asyncio
import json
import logging.config

import typer
from rich import print as rprint
from rich.markup import escape

from luna.config import get_settings
from luna.observability.logging import logging_config

# A group whose callback is the worker itself: `luna worker [OPTIONS]` runs one as before,
# `luna worker health` checks on all of them.
app = typer.Typer(invoke_without_command=True, no_args_is_help=False)


@app.callback()
def worker(
    ctx: typer.Context,
    queue: list[str] = typer.Option(
        [],
        "--queue",
        "-q",
        help="Only jobs of this queue (repeatable); default: every queue, but with the "
        "embedded vector store (LUNA_VECTOR_BACKEND=edge) not 'serve', whose jobs need "
        "vectors and run in luna serve.",
    ),
    concurrency: int = typer.Option(
        1,
        min=1,
        max=32,
        help="Jobs this worker runs at once (each on a thread), except on the queues that "
        'LUNA_JOBS_QUEUE_CONCURRENCY (JSON, e.g. {"ingest": 2, "eval": 1}) gives a limit of '
        "their own.",
    ),
    name: str | None = typer.Option(None, help="Worker name in the logs (default luna-worker)."),
    until_empty: bool = typer.Option(
        False, "--until-empty", help="Stop once the queue has nothing left for this worker."
    ),
) -> None:
    """Take jobs from the queue and run them until SIGINT/SIGTERM (running jobs get
    LUNA_JOBS_SHUTDOWN_GRACE_S to finish); logs are JSON lines on stdout. Run as many as the
    load needs, next to `luna serve` (with LUNA_JOBS_IN_PROCESS_WORKER=false) or not.
    `luna worker health` reports on all workers and the queue instead."""
    if ctx.invoked_subcommand is not None:
        return
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


@app.command()
def health(
    as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout."),
) -> None:
    """Whether the queue is being worked: exit 0 healthy, 1 not, 2 no database.

    From the database alone: live workers (`luna worker`, `luna serve`'s; a heartbeat within
    LUNA_JOBS_STALLED_AFTER_S), jobs queued / scheduled / running / stalled per queue and
    kind, the longest wait. Unhealthy: jobs are queued and no worker is alive, or jobs are
    stalled (running on a worker that stopped beating). Also whether the daily day-ahead price
    fetch is scheduled (off without LUNA_ENTSOE_TOKEN) and how its last job went."""
    from luna.jobs.health import check_queue
    from luna.jobs.prices import price_schedule
    from luna.store.sql.database import create_db_engine

    settings = get_settings()
    engine = create_db_engine(settings)
    try:
        report = check_queue(engine, settings.jobs_stalled_after_s)
        prices = price_schedule(settings, engine)
    except Exception as exc:  # e.g. the database is down: say so, distinct from "unhealthy"
        typer.secho(f"error: cannot read the job queue: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps({**report.model_dump(mode="json"), "prices": prices.as_dict()}))
    else:
        verdict = "[green]healthy[/green]" if report.healthy else "[red]unhealthy[/red]"
        rprint(
            f"{verdict}: {report.live_workers} live workers ({report.silent_workers} silent), "
            f"{report.queued} queued, {report.scheduled} scheduled, {report.running} running, "
            f"{report.stalled} stalled"
            + (f", oldest queued {report.oldest_queued_s:.0f} s" if report.oldest_queued_s else "")
        )
        for problem in report.problems:
            rprint(f"  - {escape(problem)}")
        rprint(escape(prices.describe()))
        for load in report.queues:
            wait = f"{load.oldest_queued_s:.0f} s" if load.oldest_queued_s is not None else "-"
            rprint(
                f"  {escape(load.queue)}/{escape(load.kind)}: {load.queued} queued "
                f"(oldest {wait}), {load.scheduled} scheduled, {load.running} running, "
                f"{load.stalled} stalled"
            )
    raise typer.Exit(0 if report.healthy else 1)
