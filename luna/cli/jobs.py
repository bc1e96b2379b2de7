"""``luna jobs``: the job queue's housekeeping (the jobs themselves: ``GET /jobs``)."""

from __future__ import annotations

import typer
from rich import print as rprint

from luna.config import get_settings
from luna.store.sql.database import create_db_engine

app = typer.Typer(help="Background jobs on the queue: retention.", no_args_is_help=True)


@app.command()
def prune(
    older_than: float | None = typer.Option(
        None,
        "--older-than",
        min=0,
        help="Delete jobs that ended more than DAYS ago (default LUNA_JOBS_RETAIN_DAYS; "
        "0: every finished job).",
        metavar="DAYS",
    ),
) -> None:
    """Delete finished jobs (done, failed, cancelled) past the retention, with their events and
    progress, as every worker does about hourly; those a playbook, eval run or learning cycle
    still reads its outcome from stay. Waits if a worker is pruning at the moment."""
    from luna.jobs.retention import prune_finished_jobs

    settings = get_settings()
    days = older_than if older_than is not None else settings.jobs_retain_days
    if older_than is None and days == 0:
        rprint("LUNA_JOBS_RETAIN_DAYS is 0 (keep every job): nothing pruned; use --older-than")
        return
    engine = create_db_engine(settings)
    try:
        result = prune_finished_jobs(engine, days)
    finally:
        engine.dispose()
    assert result is not None  # it waited for the lock
    kinds = ", ".join(f"{kind} {n}" for kind, n in result.deleted.items()) or "none"
    rprint(
        f"pruned {result.total} jobs that ended before {result.cutoff:%Y-%m-%d %H:%M} UTC "
        f"({days:g} days): {kinds}; kept {result.kept} still read by a running playbook, "
        "eval run or learning cycle"
    )
