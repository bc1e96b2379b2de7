"""Playbook graph over real engines, PostgreSQL and retrieval, with a scripted chat model.

Asserts the path (gather → analyse → retrieve → compose → validate), that a draft with a number
the engines did not compute is rejected and retried with the reason, that two bad drafts end in
the flagged template, and that each kind's numbers are the engines' numbers.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from pydantic import Field
from sqlalchemy import select

from luna.agents.playbook_schema import PlaybookDraft, PlaybookKind, PlaybookRequest
from luna.graphs.playbook import (
    MeterNotVisibleError,
    PlaybookError,
    playbook_context,
    run_playbook,
)
from luna.graphs.playbook.compose import draft_text, repeated_sentences
from luna.graphs.playbook.numbers import AllowedNumbers, unsupported_numbers
from luna.optimisation import OptimisationInput, optimise
from luna.runtime import Runtime
from luna.store.sql.database import session_scope
from luna.store.sql.models import ItemChunk, User
from luna.store.sql.users import get_user

FAST = {"forecast_model": "seasonal_naive_weekly", "history_days": 14, "selection_days": 2}


class ScriptedModel(FakeListChatModel):
    """Scripted replies; remembers the prompts it was given."""

    seen: list[list[str]] = Field(default_factory=list)

    def _call(self, messages, stop=None, run_manager=None, **kwargs):  # type: ignore[override]
        self.seen.append([str(m.content) for m in messages])
        return super()._call(messages, stop, run_manager, **kwargs)


def _draft(title: str, summary: str, risks: list[str] | None = None) -> str:
    return json.dumps({"title": title, "summary": summary, "risks": risks or []})


def _run(runtime: Runtime, replies: list[str], request: PlaybookRequest, **extra: Any):
    model = ScriptedModel(responses=replies)
    ctx = playbook_context(runtime, chat_model=model, model_name="scripted", **FAST)
    return run_playbook(runtime, request, context=ctx, **extra), model.seen


def _figure(playbook, key: str):
    return next(f for f in playbook.figures if f.key == key)


def test_battery_draft_with_a_wrong_number_is_retried_and_numbers_equal_the_optimiser(
    playbook_runtime: Runtime,
):
    request = PlaybookRequest(meter_id="M-PV", kind=PlaybookKind.BATTERY, horizon_hours=24)
    # First the scripted reply invents a figure; the second only uses FACTS (filled in below).
    first, seen = _run(
        playbook_runtime,
        [_draft("Charge at noon", "The plan saves 987.65 EUR tomorrow."), "{}"],
        request,
    )
    assert first.path[:5] == ["gather", "analyse", "retrieve", "compose", "validate"]
    assert "987.65" in first.playbook.validation_errors[0]
    assert len(seen) == 2
    assert "Rejected: these numbers are not in FACTS: 987.65" in seen[1][-1]

    # The numbers are the optimiser's: re-solving the stored input gives the same savings.
    stored = OptimisationInput.model_validate(first.inputs["optimisation_input"])
    result = optimise(stored, measure_constraints=False)
    savings = _figure(first.playbook, "savings_eur")
    assert savings.value == round(result.savings_eur, 2)
    assert savings.value > 0
    assert first.playbook.evidence.price_source == "stored"
    charged = sum(a.energy_kwh or 0 for a in first.playbook.actions if a.title.startswith("Charge"))
    assert charged == pytest.approx(sum(s.battery_charge_kwh for s in result.steps), abs=0.05)
    engine = first.playbook.evidence.engine
    assert stored.battery is not None
    assert stored.battery.soc_min_fraction * 100 - 0.1 <= engine["soc_pct_min"]
    assert engine["soc_pct_max"] <= stored.battery.soc_max_fraction * 100 + 0.1
    assert engine["soc_pct_min"] < engine["soc_pct_max"]  # the battery is actually used

    good = _draft(
        f"Battery plan saves {savings.text}",
        f"Following the plan saves {savings.text} over 24 h [1].",
        ["Clouds reduce the PV charge."],
    )
    second, seen = _run(playbook_runtime, [good], request)
    assert second.path == ["gather", "analyse", "retrieve", "compose", "validate"]
    assert second.playbook.text_source == "model"
    assert second.playbook.title == f"Battery plan saves {savings.text}"
    assert second.playbook.validation_errors == []
    assert second.playbook.prompt == "playbook_compose@1.0.0"
    assert "PASSAGES:" in seen[0][-1]
    assert savings.text in seen[0][-1]

    titles = {c.title for c in second.playbook.citations}
    assert any(t.startswith("Luna Store 10") for t in titles), titles
    with session_scope(playbook_runtime.stores.sessions) as s:
        ids = {c.chunk_id for c in second.playbook.citations}
        assert set(s.scalars(select(ItemChunk.id).where(ItemChunk.id.in_(ids)))) == ids


def test_two_bad_drafts_fall_back_to_the_template_built_from_the_numbers(
    playbook_runtime: Runtime,
):
    request = PlaybookRequest(meter_id="M-PV", kind=PlaybookKind.LOAD_SHIFT, language="de")
    run, _seen = _run(
        playbook_runtime,
        ["not json at all", _draft("Spart 42 EUR", "Das spart 42,00 EUR am Tag.")],
        request,
    )
    assert run.path == [
        "gather", "analyse", "retrieve", "compose", "validate", "compose", "validate", "fallback",
    ]  # fmt: skip
    book = run.playbook
    assert book.text_source == "template"
    assert len(book.validation_errors) == 2
    assert "not JSON" in book.validation_errors[0]
    assert "42" in book.validation_errors[1]
    ev = next(a for a in book.actions if a.device == "EV charging")
    assert ev.cost_change_eur is not None
    assert ev.cost_change_eur < 0
    # The template's own text passes the number check it stands in for.
    assert unsupported_numbers(book.summary, AllowedNumbers.from_texts([run.facts])) == []
    assert book.summary.startswith("Lastverschiebung für M-PV spart")


def test_model_failure_degrades_to_the_template(playbook_runtime: Runtime):
    class Broken(FakeListChatModel):
        def _call(self, *args, **kwargs):  # type: ignore[override]
            raise TimeoutError("local model did not finish within 1 s")

    ctx = playbook_context(
        playbook_runtime, chat_model=Broken(responses=[]), model_name="broken", **FAST
    )
    run = run_playbook(
        playbook_runtime,
        PlaybookRequest(meter_id="M-HP", kind=PlaybookKind.ANOMALY, horizon_hours=24),
        context=ctx,
    )
    assert run.playbook.text_source == "template"
    assert "TimeoutError" in run.playbook.validation_errors[0]
    assert _figure(run.playbook, "hours").value == 24


def test_tariff_check_prices_the_stored_import_both_ways(playbook_runtime: Runtime):
    request = PlaybookRequest(
        meter_id="M-HP", kind=PlaybookKind.TARIFF_CHECK, fixed_price_ct_kwh=35.0
    )
    run, _ = _run(playbook_runtime, [_draft("Tarif", "kurz gesagt: nichts.")] * 2, request)
    book = run.playbook
    fixed = _figure(book, "fixed_eur_year").value
    dynamic = _figure(book, "dynamic_eur_year").value
    import_kwh = run.inputs["import_kwh_total"]
    scale = book.evidence.engine["scale_to_year"]
    assert fixed == pytest.approx(import_kwh * 0.35 * scale + 14.90 * 12, abs=1.0)
    assert _figure(book, "difference_eur_year").value == pytest.approx(abs(fixed - dynamic), 0.01)
    assert book.actions[0].cost_change_eur == pytest.approx(-abs(fixed - dynamic), abs=0.01)
    assert any(c.title.startswith("Luna Strom Dynamisch") for c in book.citations)


def test_anomaly_lists_the_hours_an_injected_spike_happened(playbook_runtime: Runtime):
    engine = playbook_runtime.stores.engine
    with engine.begin() as conn:
        end = conn.exec_driver_sql(
            "SELECT max(ts) FROM smart_meter_readings WHERE meter_id = 'M-HP'"
        ).scalar_one()
        conn.exec_driver_sql(
            "UPDATE smart_meter_readings SET consumption_kwh = consumption_kwh + 2.5 "
            "WHERE meter_id = 'M-HP' AND ts > %(end)s - interval '10 hours' "
            "AND ts <= %(end)s - interval '8 hours'",
            {"end": end},
        )
    run, _ = _run(
        playbook_runtime,
        [_draft("Ungewöhnlich", "x" * 20)] * 2,
        PlaybookRequest(meter_id="M-HP", kind=PlaybookKind.ANOMALY, horizon_hours=24),
    )
    book = run.playbook
    spike_start, spike_end = (
        end - timedelta(hours=9, minutes=45),
        end - timedelta(hours=7, minutes=45),
    )
    covering = [
        a
        for a in book.actions
        if a.start is not None
        and a.end is not None
        and a.start <= spike_start
        and a.end >= spike_end
    ]
    assert covering, [a.window for a in book.actions]
    assert covering[0].energy_kwh is not None
    assert covering[0].energy_kwh >= 8 * 2.5 * 0.9
    assert covering[0].cost_change_eur is not None
    assert covering[0].cost_change_eur > 0
    assert _figure(book, "unusual_hours").value >= 2
    assert run.inputs["hourly"]["outside"].count(True) == _figure(book, "unusual_hours").value


def test_customer_may_not_plan_for_another_customers_meter(playbook_runtime: Runtime):
    with session_scope(playbook_runtime.stores.sessions) as s:
        kunde1 = get_user(s, "kunde1")
        assert isinstance(kunde1, User)
        s.expunge(kunde1)
    request = PlaybookRequest(meter_id="M-OTHER", kind=PlaybookKind.BATTERY)
    with pytest.raises(MeterNotVisibleError):
        _run(playbook_runtime, [], request, user=kunde1)
    with pytest.raises(PlaybookError, match="unknown meter 'M-NONE'"):
        _run(playbook_runtime, [], PlaybookRequest(meter_id="M-NONE", kind=PlaybookKind.BATTERY))


def test_draft_text_ignores_citation_markers():
    allowed = AllowedNumbers.from_texts(["saves 1.23 EUR, 07:00–09:30"])
    draft = PlaybookDraft(title="Plan", summary="Saves 1.23 EUR from 07:00 to 09:30 [3].")
    assert unsupported_numbers(draft_text(draft), allowed) == []
    assert unsupported_numbers("Saves 1.24 EUR at 10:00", allowed) == ["10:00", "1.24"]


def test_a_draft_that_repeats_itself_is_retried(playbook_runtime: Runtime):
    request = PlaybookRequest(meter_id="M-PV", kind=PlaybookKind.BATTERY, language="de")
    loop = "Der Plan richtet sich nach dem Preisblatt [1]."
    run, seen = _run(
        playbook_runtime,
        [
            _draft("Speicher nach Plan laden", f"Laden Sie nachts. {loop} {loop}"),
            _draft("Speicher nach Plan laden", f"Laden Sie nachts. {loop}"),
        ],
        request,
    )
    assert run.path.count("compose") == 2
    assert "repeats itself" in run.playbook.validation_errors[0]
    assert "Rejected: the summary repeats itself" in seen[1][-1]  # the reason went back
    assert run.playbook.text_source == "model"
    assert run.playbook.summary == f"Laden Sie nachts. {loop}"


def test_repeated_sentences():
    assert repeated_sentences("A b c. A b c [2]. D e f. a B c.") == ["A b c."]
    assert repeated_sentences("Eins zwei. Drei vier.") == []
