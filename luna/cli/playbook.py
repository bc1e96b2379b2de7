"""``luna playbook generate``: one playbook for a meter, printed as JSON or as text."""

from __future__ import annotations

import typer

from luna.config import get_settings
from luna.graphs.playbook import PlaybookError, run_playbook
from luna.graphs.playbook.schema import Playbook, PlaybookKind, PlaybookRequest
from luna.jobs.playbook import create_playbook, generate_into
from luna.runtime import Runtime
from luna.store.sql.database import session_scope
from luna.store.sql.models import PlaybookRecord

app = typer.Typer(
    help="Sourced recommendations with engine-computed savings.", no_args_is_help=True
)


def _text(book_json: dict[str, object]) -> str:
    lines = [str(book_json["title"]), "", str(book_json["summary"]), ""]
    for action in book_json["actions"]:  # type: ignore[attr-defined]
        lines.append(
            f"- {action['title']} ({action['device']}) {action.get('window') or ''}: "
            f"{action['energy_kwh']} kWh, {action['cost_change_eur']} EUR, "
            f"{action['confidence']}"
        )
    lines.append("")
    for c in book_json["citations"]:  # type: ignore[attr-defined]
        lines.append(f"[{c['n']}] {c['title']} {c.get('section') or ''}")
    return "\n".join(lines)


@app.command("generate")
def generate_command(
    meter: str = typer.Option(..., "--meter", help="Meter id, e.g. M-001."),
    kind: PlaybookKind = typer.Option(PlaybookKind.BATTERY, "--kind"),
    hours: int = typer.Option(24, "--hours", min=1, max=48, help="Horizon or look-back."),
    language: str = typer.Option("en", "--language", help="en or de."),
    store: bool = typer.Option(False, "--store", help="Save it in the playbooks table too."),
    as_json: bool = typer.Option(False, "--json", help="The whole playbook as JSON."),
) -> None:
    """Generate a playbook with the configured local model (tens of seconds on a CPU)."""
    try:
        request = PlaybookRequest(
            meter_id=meter,
            kind=kind,
            horizon_hours=hours,
            language=language,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    runtime = Runtime(get_settings())
    try:
        book = _stored(runtime, request) if store else run_playbook(runtime, request).playbook
    except PlaybookError as exc:
        raise typer.BadParameter(str(exc)) from exc
    finally:
        runtime.close()
    typer.echo(book.model_dump_json(indent=2) if as_json else _text(book.model_dump(mode="json")))


def _stored(runtime: Runtime, request: PlaybookRequest) -> Playbook:
    """Generate it here, the way a playbook job does, so it lands in the playbooks table with
    its inputs (not through the queue: this command waits for it anyway; with the embedded
    vector store it must not run while ``luna serve`` holds that store, issue 17 part 0)."""
    playbook_id = create_playbook(runtime, request, None)
    generate_into(runtime, playbook_id)
    with session_scope(runtime.stores.sessions) as session:
        record = session.get(PlaybookRecord, playbook_id)
        if record is None or record.result is None:
            raise PlaybookError(record.error if record is not None else "playbook vanished")
        typer.echo(f"stored as playbook {playbook_id}", err=True)
        return Playbook.model_validate(record.result)
