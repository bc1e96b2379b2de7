"""The ``luna`` command line: database, users, server, job worker, live feed, diagnostics."""

from __future__ import annotations

import typer

from luna.cli import (
    connect,
    db,
    demo,
    doctor,
    feed,
    forecast,
    ingest,
    serve,
    simulate,
    users,
    worker,
)
from luna.cli import evals as eval_commands
from luna.cli import events as event_commands
from luna.cli import jobs as job_commands
from luna.cli import learn as learn_commands
from luna.cli import optimise as optimise_commands
from luna.cli import playbook as playbook_commands
from luna.cli import prompts as prompt_commands
from luna.store.vectors.owner import VectorStoreBusyError

app = typer.Typer(
    name="luna",
    help="Luna-IEMS: local, on-premise AI platform for energy management.",
    no_args_is_help=True,
)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(simulate.app, name="simulate")
app.add_typer(connect.app, name="connect")
app.add_typer(ingest.app, name="ingest")
app.add_typer(demo.app, name="demo")
app.add_typer(forecast.app, name="forecast")
app.add_typer(prompt_commands.app, name="prompts")
app.add_typer(eval_commands.app, name="eval")
app.add_typer(learn_commands.app, name="learn")
app.add_typer(playbook_commands.app, name="playbook")
app.add_typer(event_commands.app, name="events")
app.command("serve")(serve.serve)
app.add_typer(worker.app, name="worker")
app.add_typer(feed.app, name="feed")
app.add_typer(job_commands.app, name="jobs")
app.command("doctor")(doctor.doctor)
app.command("reindex")(ingest.reindex_command)
app.command("optimise")(optimise_commands.optimise_command)


def main() -> None:
    """The console script: the commands, and a clear refusal where the embedded vector store
    belongs to another process (a running ``luna serve``), with exit status 2."""
    try:
        app()
    except VectorStoreBusyError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
