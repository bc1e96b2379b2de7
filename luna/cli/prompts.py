"""``luna prompts``: list, show, create, activate, roll back, diff and export prompt versions.

The same rules and audit trail as the admin API (:mod:`luna.prompts.registry`); the actor in
the audit trail is ``cli:<OS user>`` unless ``--actor`` names someone.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from luna.config import get_settings
from luna.prompts import registry
from luna.prompts.registry import PROMPTS_DIR, PromptError, PromptSpec
from luna.store.sql.database import create_db_engine, make_session_factory, session_scope

app = typer.Typer(
    help="Versioned prompts: list, create, activate, roll back.", no_args_is_help=True
)
console = Console()

ActorOpt = typer.Option(None, "--actor", help="Who makes the change (default cli:<OS user>).")
ReasonOpt = typer.Option(..., "--reason", help="Why: recorded in the audit trail.")


def _actor(actor: str | None) -> str:
    return actor or f"cli:{getpass.getuser()}"


@contextmanager
def _session() -> Iterator[Session]:
    """One committed transaction; prompt errors end the command with exit code 1."""
    engine = create_db_engine(get_settings())
    try:
        with session_scope(make_session_factory(engine)) as session:
            registry.register_files(session)  # the shipped versions are always known
            yield session
    except PromptError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()


@app.command("list")
def list_command() -> None:
    """Every prompt, its versions and the active one (marked *)."""
    with _session() as session:
        table = Table(title="prompts")
        for column in ("name", "active", "versions"):
            table.add_column(column)
        for prompt, rows in registry.list_prompts(session):
            marked = [
                f"{r.version}{'*' if r.version == prompt.active_version else ''}"
                f"{' (api)' if r.source == 'api' else ''}"
                for r in rows
            ]
            table.add_row(prompt.name, prompt.active_version, ", ".join(marked))
        console.print(table)


@app.command("show")
def show(
    name: str = typer.Argument(...),
    version: str | None = typer.Option(None, "--version", help="Default: the active one."),
    render: bool = typer.Option(False, "--render", help="Fill in the example values."),
) -> None:
    """A version as YAML, or rendered with its example values."""
    with _session() as session:
        loaded = (
            registry.load_version(session, name, version)
            if version
            else registry.load_active(session, name)
        )
        if render:
            for message in loaded.render_example():
                console.rule(message.type)
                typer.echo(str(message.content))
        else:
            typer.echo(registry.spec_yaml(loaded.spec))


@app.command("create")
def create(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A version as YAML."),
    reason: str | None = typer.Option(None, "--reason", help="Why (default: description)."),
    actor: str | None = ActorOpt,
) -> None:
    """Store a new version from a YAML file in the repository format (validated, immutable)."""
    try:
        spec = PromptSpec.model_validate(yaml.safe_load(file.read_text(encoding="utf-8")))
    except (ValidationError, yaml.YAMLError) as exc:
        console.print(f"[red]{file}: {exc}[/red]")
        raise typer.Exit(2) from exc
    with _session() as session:
        registry.create_version(session, spec, actor=_actor(actor), reason=reason)
    console.print(f"[green]created {spec.ref}[/green]")


@app.command("activate")
def activate(
    name: str = typer.Argument(...),
    version: str = typer.Argument(...),
    reason: str = ReasonOpt,
    actor: str | None = ActorOpt,
) -> None:
    """Make a version the active one."""
    with _session() as session:
        registry.activate(session, name, version, actor=_actor(actor), reason=reason)
    console.print(f"[green]{name}@{version} is active[/green]")


@app.command("rollback")
def rollback(
    name: str = typer.Argument(...), reason: str = ReasonOpt, actor: str | None = ActorOpt
) -> None:
    """Re-activate the version that was active before the current one."""
    with _session() as session:
        version = registry.rollback(session, name, actor=_actor(actor), reason=reason)
    console.print(f"[green]rolled back: {name}@{version} is active[/green]")


@app.command("diff")
def diff(name: str, a: str, b: str) -> None:
    """Unified diff between two versions."""
    with _session() as session:
        typer.echo(registry.diff_versions(session, name, a, b) or "(identical)")


@app.command("audit")
def audit(name: str) -> None:
    """Who changed the prompt, when, what and why."""
    with _session() as session:
        table = Table(title=f"audit trail of {name}")
        for column in ("when", "action", "version", "who", "why"):
            table.add_column(column)
        for row in registry.audit_trail(session, name):
            table.add_row(
                f"{row.ts:%Y-%m-%d %H:%M:%S}", row.action, row.version, row.actor, row.reason or ""
            )
        console.print(table)


@app.command("export")
def export(
    directory: Path = typer.Option(PROMPTS_DIR, "--dir", help="Where the prompt folders are."),
    name: str | None = typer.Option(None, "--name", help="Only this prompt."),
) -> None:
    """Write versions created at run time to ``<dir>/<name>/v<version>.yaml`` files."""
    with _session() as session:
        written = registry.export_versions(session, directory, name=name)
    for path in written:
        console.print(f"wrote {path}")
    if not written:
        console.print("nothing to export: every run-time version already has its file")
