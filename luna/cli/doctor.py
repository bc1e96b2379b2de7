"""``luna doctor``: which backends are configured and whether each answers."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from luna.config import get_settings
from luna.diagnostics import check_all
from luna.store.factory import Stores


def doctor() -> None:
    """Check every backend (database, vectors, objects, models) and print the result."""
    settings = get_settings()
    stores = Stores(settings)
    try:
        results = check_all(stores, settings)
    finally:
        stores.close()
    table = Table(title="Luna doctor")
    for column in ("component", "status", "detail", "ms"):
        table.add_column(column)
    for r in results:
        mark = "[green]ok[/green]" if r.ok else "[red]FAIL[/red]"
        table.add_row(r.name, mark, r.detail, f"{r.latency_ms:.0f}")
    Console().print(table)
    if not all(r.ok for r in results):
        raise typer.Exit(1)
