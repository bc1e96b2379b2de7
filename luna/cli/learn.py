"""``luna learn``: run a learning cycle, show the active state and the history, roll back."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from luna.config import get_settings
from luna.learning.cycles import (
    KINDS,
    CycleConflictError,
    CycleError,
    rollback,
    run_cycle,
    start_cycle,
)
from luna.runtime import Runtime
from luna.store.sql.models import LearnedStateRecord, LearningCycle
from luna.store.vectors import owner

app = typer.Typer(help="Learning from feedback: cycles, state, rollback.", no_args_is_help=True)
console = Console()


@contextmanager
def _runtime() -> Iterator[Runtime]:
    runtime = Runtime(get_settings())
    try:
        yield runtime
    finally:
        runtime.close()


def _print_cycle(c: LearningCycle, *, full: bool) -> None:
    console.print(
        f"[bold]cycle {c.id}[/bold] {c.kind} [bold]{c.status}[/bold] by {c.started_by or '-'} "
        f"at {c.started_at:%Y-%m-%d %H:%M}; {c.decision or c.step or ''}"
    )
    if c.error:
        console.print(f"[red]{c.error}[/red]")
    if c.rolled_back_by:
        console.print(f"rolled back by {c.rolled_back_by} at {c.rolled_back_at:%Y-%m-%d %H:%M}")
    if full:
        for name in ("inputs", "outputs", "eval_before", "eval_after"):
            console.print(f"{name}: {json.dumps(getattr(c, name), ensure_ascii=False)}")


@app.command("run")
def run(
    kind: str = typer.Option("full", help=f"What to learn: {', '.join(KINDS)}."),
) -> None:
    """Run one cycle in the foreground: train, gate, activate or reject. Refused at once (exit
    status 2) while `luna serve` holds the embedded vector store: go through POST
    /learning/cycles."""
    with owner.settings_held(get_settings()), _runtime() as runtime:
        try:
            cycle_id = start_cycle(runtime, kind=kind, actor=getpass.getuser())
        except (CycleConflictError, CycleError) as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None

        def show(step: str, fraction: float) -> None:
            console.print(f"[dim]{fraction:4.0%}[/dim] {step}")

        status = run_cycle(runtime, cycle_id, progress=show)
        with runtime.stores.sessions() as session:
            cycle = session.get(LearningCycle, cycle_id)
            assert cycle is not None
            _print_cycle(cycle, full=True)
    raise typer.Exit(0 if status in ("activated", "rejected") else 1)


@app.command("status")
def status() -> None:
    """The active learned state and the running cycle, if any."""
    with _runtime() as runtime, runtime.stores.sessions() as session:
        active = session.scalar(select(LearnedStateRecord).where(LearnedStateRecord.active))
        if active is None:
            console.print("no learned state is active (neutral retrieval)")
        else:
            dim = active.adapter_dim
            console.print(
                f"active state {active.version} (cycle {active.cycle_id}, since "
                f"{active.activated_at:%Y-%m-%d %H:%M}): {len(active.chunk_weights)} chunk and "
                f"{len(active.item_weights)} document weights, adapter "
                f"{f'{dim}×{dim}' if dim else 'none'}"
            )
        running = session.scalar(select(LearningCycle).where(LearningCycle.status == "running"))
        if running is not None:
            _print_cycle(running, full=False)


@app.command("history")
def history(limit: int = typer.Option(20, min=1)) -> None:
    """Cycles and rollbacks, newest first."""
    with _runtime() as runtime, runtime.stores.sessions() as session:
        table = Table(title="learning cycles")
        for col in ("id", "kind", "status", "by", "started", "version", "decision"):
            table.add_column(col)
        query = select(LearningCycle).order_by(LearningCycle.id.desc()).limit(limit)
        for c in session.scalars(query):
            table.add_row(
                str(c.id),
                c.kind,
                c.status + (" (rolled back)" if c.rolled_back_by else ""),
                c.started_by or "-",
                f"{c.started_at:%Y-%m-%d %H:%M}",
                str(c.outputs.get("version", "-")),
                (c.decision or c.error or "")[:80],
            )
        console.print(table)


@app.command("rollback")
def rollback_command(
    version: int = typer.Argument(..., help="State version to activate; 0 for none."),
) -> None:
    """Activate an earlier learned state (0: none, the neutral baseline)."""
    with _runtime() as runtime:
        try:
            audit = rollback(runtime, version or None, actor=getpass.getuser())
        except CycleError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
    console.print(f"active state: {version or 'none'} (audit cycle {audit})")
