"""The ``luna`` command line: database, users, server, diagnostics."""

from __future__ import annotations

import typer

from luna.cli import connect, db, doctor, serve, simulate, users

app = typer.Typer(
    name="luna",
    help="Luna-IEMS: local, on-premise AI platform for energy management.",
    no_args_is_help=True,
)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(simulate.app, name="simulate")
app.add_typer(connect.app, name="connect")
app.command("serve")(serve.serve)
app.command("doctor")(doctor.doctor)


if __name__ == "__main__":
    app()
