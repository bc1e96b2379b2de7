"""One battery playbook end to end with the real embedded model (slow: about a minute or two).

A June site with 6 kWp PV and the Luna Store 10 defaults is a case built to have savings: the
battery stores midday surplus (feed-in 7.94 ct/kWh) for the evening (around 30 ct/kWh).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from luna.config import Settings
from luna.graphs.playbook import playbook_context, run_playbook
from luna.graphs.playbook.numbers import AllowedNumbers, unsupported_numbers
from luna.graphs.playbook.schema import Playbook, PlaybookKind, PlaybookRequest
from luna.llm.bundled_model import ensure_bundled_model
from luna.optimisation import OptimisationInput, optimise
from luna.prompts.registry import register_files
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import ItemChunk
from tests.graphs.conftest import PLAYBOOK_DOCS, SAMPLES

pytestmark = pytest.mark.slow


@pytest.fixture
def real_runtime(settings: Settings, site: Stores, tmp_path: Path) -> Iterator[Runtime]:
    ensure_bundled_model(settings.model_cache_dir)
    rt = Runtime(settings.model_copy(update={"home": tmp_path, "llm_threads": 1}))
    with session_scope(rt.stores.sessions) as s:
        register_files(s)
    for name in PLAYBOOK_DOCS:
        assert rt.ingest.ingest((SAMPLES / name).read_bytes(), name).chunks > 0
    yield rt
    rt.close()


def test_battery_playbook_with_the_real_model_is_valid_sourced_and_saves(real_runtime: Runtime):
    ctx = playbook_context(
        real_runtime,
        forecast_model="seasonal_naive_weekly",
        history_days=14,
        selection_days=2,
        remark_tokens=48,
    )
    run = run_playbook(
        real_runtime,
        PlaybookRequest(meter_id="M-PV", kind=PlaybookKind.BATTERY, horizon_hours=24),
        context=ctx,
    )
    book = Playbook.model_validate_json(run.playbook.model_dump_json())  # valid schema
    print(f"remark={book.remark!r} dropped={book.remark_dropped!r} ms={book.generation_ms}")
    assert book.model == real_runtime.model_name

    result = optimise(OptimisationInput.model_validate(run.inputs["optimisation_input"]))
    savings = next(f for f in book.figures if f.key == "savings_eur")
    assert savings.value == round(result.savings_eur, 2)
    assert savings.value > 0
    charged = sum(a.energy_kwh or 0 for a in book.actions if a.title.startswith("Charge"))
    assert charged == pytest.approx(sum(s.battery_charge_kwh for s in result.steps), abs=0.05)

    # Every number in the text is an engine number; the model's remark has none at all.
    allowed = AllowedNumbers.from_texts([run.facts])
    assert book.remark is not None or book.remark_dropped is not None
    assert not any(ch.isdigit() for ch in book.remark or "")
    for text in (book.title, book.summary, *book.risks):
        assert unsupported_numbers(re.sub(r"\[\d{1,2}\]", " ", text), allowed) == [], text

    assert book.citations
    with session_scope(real_runtime.stores.sessions) as s:
        ids = {c.chunk_id for c in book.citations}
        rows = s.execute(select(ItemChunk.id, ItemChunk.text).where(ItemChunk.id.in_(ids))).all()
        assert {r.id for r in rows} == ids
        texts = {r.id: " ".join(r.text.split()) for r in rows}
        assert all(texts[c.chunk_id].startswith(c.quote[:100]) for c in book.citations)
