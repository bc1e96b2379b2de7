"""Fixtures for the graphs: for the playbook graph simulated meters and prices in PostgreSQL,
the sample knowledge base ingested and a runtime over them; for the RAG graph's calculations
the shipped ``rag_calculate`` prompt."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import update

from luna.config import Settings
from luna.prompts.registry import LoadedPrompt, read_prompt_files, register_files
from luna.runtime import Runtime
from luna.simulators.backfill import backfill, day_window
from luna.simulators.simulate_smart_meter import MeterSpec
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Meter, Role
from luna.store.sql.users import create_user, get_user

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "knowledge"
PLAYBOOK_DOCS = (
    "luna-strom-dynamisch-preisblatt.pdf",
    "luna-store-10-manual-excerpt.pdf",
    "netzbetreiber-14a-regeln.txt",
)
# A June fortnight ending at a fixed local midnight: sunny days (PV surplus) and day-ahead
# prices stored for the day after, as the auction publishes them.
DATA_END = datetime.fromisoformat("2025-06-20T00:00:00+02:00")
DAYS = 16


def simulated_site(stores: Stores, *, days: int = DAYS, end: datetime = DATA_END) -> None:
    """M-PV (6 kWp, EV), M-HP (heat pump, no PV) owned by 'kunde1'; M-OTHER by 'kunde2'.

    The two customers are created unless they exist (the API tests' ``users`` makes kunde1).
    """
    with session_scope(stores.sessions) as s:
        owner, other = (
            get_user(s, name) or create_user(s, name, "correct-horse-battery", Role.CUSTOMER)
            for name in ("kunde1", "kunde2")
        )
        s.flush()
        owners = {"M-PV": owner.id, "M-HP": owner.id, "M-OTHER": other.id}
    specs = [
        MeterSpec(meter_id="M-PV", annual_kwh=4500, pv_kwp=6.0, ev_kwh=2500, outlier_rate=0),
        MeterSpec(meter_id="M-HP", annual_kwh=3500, heat_pump_kwh=4000, outlier_rate=0),
        MeterSpec(meter_id="M-OTHER", annual_kwh=3000, outlier_rate=0),
    ]
    start, stop = day_window(days, end=end)
    backfill(stores.engine, specs, start, stop, seed=11, price_end=stop + pd.Timedelta(days=1))
    with stores.engine.begin() as conn:
        for meter_id, owner_id in owners.items():
            conn.execute(update(Meter).where(Meter.meter_id == meter_id).values(owner_id=owner_id))


@pytest.fixture
def site(settings: Settings, clean_db: Stores) -> Stores:
    simulated_site(clean_db)
    return clean_db


@pytest.fixture
def playbook_runtime(settings: Settings, site: Stores, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime over the simulated site with the tariff sheet, battery manual and grid rules."""
    rt = Runtime(settings.model_copy(update={"home": tmp_path}))
    with session_scope(rt.stores.sessions) as s:
        register_files(s)
    for name in PLAYBOOK_DOCS:
        assert rt.ingest.ingest((SAMPLES / name).read_bytes(), name).chunks > 0
    yield rt
    rt.close()


@pytest.fixture(scope="session")
def calculate_prompt() -> LoadedPrompt:
    """The shipped ``rag_calculate`` prompt, for calculations code answers without calling it."""
    spec = next(s for s in read_prompt_files() if s.name == "rag_calculate")
    return LoadedPrompt(spec, spec.template())
