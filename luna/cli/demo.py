"""``luna demo``: the embedded demo in one step (what ``make run`` does before serving)."""

from __future__ import annotations

import secrets
from pathlib import Path

import typer
from rich import print as rprint
from sqlalchemy import select, update

from luna.config import LLMBackend, get_settings
from luna.runtime import Runtime
from luna.simulators.live import SimulatorSource
from luna.simulators.simulate_smart_meter import default_fleet
from luna.store.sql import migrate
from luna.store.sql.database import database_url, session_scope
from luna.store.sql.models import Item, ItemStatus, Meter, Role
from luna.store.sql.users import create_user, get_user

app = typer.Typer(help="The embedded demo.", no_args_is_help=True)

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "knowledge"
DEMO_USERS = (
    ("monika", Role.ADMIN, "Monika (root admin)"),
    ("kunde", Role.CUSTOMER, "Demo customer"),
)


def _credentials(home: Path) -> dict[str, str]:
    """Demo passwords, generated once and kept in LUNA_HOME/demo-credentials.txt (0600)."""
    path = home / "demo-credentials.txt"
    if path.exists():
        pairs = (line.split(":", 1) for line in path.read_text().splitlines() if ":" in line)
        return {k.strip(): v.strip() for k, v in pairs}
    creds = {name: secrets.token_urlsafe(9) for name, _, _ in DEMO_USERS}
    home.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{k}: {v}\n" for k, v in creds.items()))
    path.chmod(0o600)
    return creds


@app.command()
def setup(
    samples: Path = typer.Option(SAMPLES, "--samples", help="Folder of documents to ingest."),
) -> None:
    """Migrate, create the demo users, simulate meters and prices, ingest the sample documents,
    and prepare the local model. Idempotent: run it as often as you like."""
    settings = get_settings()
    migrate.upgrade(database_url(settings))
    runtime = Runtime(settings)
    try:
        stores = runtime.stores
        creds = _credentials(settings.home)
        runtime.register_prompts()
        with session_scope(stores.sessions) as session:
            for name, role, full_name in DEMO_USERS:
                if get_user(session, name) is None:
                    create_user(session, name, creds[name], role, full_name)

        specs = default_fleet(settings.simulator_meters, settings.simulator_seed)
        source = SimulatorSource(
            stores.engine,
            specs,
            seed=settings.simulator_seed,
            history_days=settings.simulator_history_days,
            zone=settings.price_zone,
            timezone=settings.timezone,
        )
        written = source.catch_up()
        with session_scope(stores.sessions) as session:
            customer = get_user(session, "kunde")
            assert customer is not None
            # A household and, so the overview shows PV, self-consumption and autarky, the
            # first meter with a PV system (M-007 in the default fleet of 8).
            with_pv = [s for s in specs[1:] if s.pv_kwp > 0]
            mine = [specs[0].meter_id] + [s.meter_id for s in (with_pv or specs[1:2])[:1]]
            session.execute(
                update(Meter)
                .where(Meter.meter_id.in_(mine), Meter.owner_id.is_(None))
                .values(owner_id=customer.id)
            )
        rprint(f"meters: {len(specs)} simulated, {written:,} new readings; kunde owns {mine}")

        for path in sorted(p for p in samples.iterdir() if p.suffix != ".json"):
            outcome = runtime.ingest.ingest(
                path.read_bytes(), path.name, source=f"sample:{path.name}"
            )
            note = (
                "unchanged"
                if outcome.duplicate
                else f"{outcome.status.value}, {outcome.chunks} chunks"
            )
            rprint(f"document {path.name}: {note}")
        with stores.sessions() as session:
            ready = len(
                list(session.scalars(select(Item.id).where(Item.status == ItemStatus.READY)))
            )
        rprint(f"knowledge base: {ready} documents ready")

        if settings.llm_backend is LLMBackend.LLAMA_CPP:
            from luna.llm.bundled_model import resolve_gguf_path

            rprint(f"chat model: {resolve_gguf_path(settings)}")
    finally:
        runtime.close()
    rprint(f"\n[bold]Demo logins[/bold] (also in {settings.home / 'demo-credentials.txt'}):")
    for name, role, _ in DEMO_USERS:
        rprint(f"  {name} ({role.value}): {creds[name]}")
