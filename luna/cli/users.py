"""``luna users``: bootstrap and manage accounts."""

from __future__ import annotations

import typer
from rich import print as rprint

from luna.config import get_settings
from luna.store.sql.database import create_db_engine, make_session_factory, session_scope
from luna.store.sql.models import Role
from luna.store.sql.users import UserExistsError, create_user

app = typer.Typer(help="User accounts.", no_args_is_help=True)


@app.command()
def create(
    username: str = typer.Argument(..., help="Login name (stored lower-case)."),
    role: Role = typer.Option(Role.CUSTOMER, "--role", help="admin or customer."),
    full_name: str | None = typer.Option(None, "--full-name"),
    password: str = typer.Option(
        ...,
        "--password",
        envvar="LUNA_NEW_USER_PASSWORD",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="Asked interactively unless given (or set in LUNA_NEW_USER_PASSWORD).",
    ),
    exist_ok: bool = typer.Option(False, "--exist-ok", help="Succeed if the user exists."),
) -> None:
    """Create a user, e.g. the root admin: ``luna users create monika --role admin``."""
    engine = create_db_engine(get_settings())
    try:
        with session_scope(make_session_factory(engine)) as session:
            user = create_user(session, username, password, role, full_name)
            rprint(f"[green]created {user.role.value} '{user.username}' (id {user.id})[/green]")
    except UserExistsError as exc:
        if not exist_ok:
            rprint(f"[red]{exc}[/red]")
            raise typer.Exit(1) from exc
        rprint(f"{exc}; left unchanged")
    except ValueError as exc:
        rprint(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
