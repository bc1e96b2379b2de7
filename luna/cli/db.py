"""``luna db``: schema migrations."""

from __future__ import annotations

import typer
from rich import print as rprint

from luna.config import get_settings
from luna.store.sql import migrate
from luna.store.sql.database import database_url

app = typer.Typer(help="Database schema migrations (Alembic).", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    url = database_url(get_settings())
    migrate.upgrade(url, revision)
    rprint(f"[green]database at revision {migrate.current_revision(url)}[/green]")


@app.command()
def downgrade(revision: str = typer.Argument(..., help="Target revision, e.g. base.")) -> None:
    """Migrate the database down to REVISION."""
    url = database_url(get_settings())
    migrate.downgrade(url, revision)
    rprint(f"database at revision {migrate.current_revision(url)}")


@app.command()
def current() -> None:
    """Print the database's current revision."""
    rprint(migrate.current_revision(database_url(get_settings())) or "empty (no migrations)")
