"""Playbook graph over real engines, PostgreSQL and retrieval, with a scripted chat model.

Asserts the path (gather → analyse → retrieve → compose → remark), that every figure and word
of the text comes from the engines, that the progress stages and the remark's pieces are
reported as they happen, and that a remark with a number, in the wrong language or from a
failing model is dropped without costing the playbook.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from pydantic import Field
from sqlalchemy import select

from luna.graphs.playbook import (
    MeterNotVisibleError,
    PlaybookError,
    playbook_context,
    run_playbook,
)
from luna.graphs.playbook.compose import remark_problems
from luna.graphs.playbook.numbers import AllowedNumbers, unsupported_numbers
from luna.graphs.playbook.schema import PlaybookKind, PlaybookRequest
from luna.optimisation import OptimisationInput, optimise
from luna.runtime import Runtime
from luna.store.sql.database import session_scope
from luna.store.sql.models import ItemChunk, User
from luna.store.sql.users import get_user

FAST = {
    "forecast_model": "seasonal_naive_weekly",
    "history_days": 14,
    "selection_days": 2,
    "remark_tokens": 48,
}
REMARK_EN = "Keep the car plugged in overnight so the charger can start on its own."
REMARK_DE = "Lassen Sie das Auto über Nacht angesteckt, dann startet die Ladung von selbst."


class ScriptedModel(FakeListChatModel):
    """Scripted replies, streamed character by character; remembers the prompts it got."""

    seen: list[list[str]] = Field(default_factory=list)

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):  # type: ignore[override]
        self.seen.append([str(m.content) for m in messages])
        return super()._stream(messages, stop, run_manager, **kwargs)


def _run(runtime: Runtime, replies: list[str], request: PlaybookRequest, **extra: Any):
    model = ScriptedModel(responses=replies or ["-"])
    ctx = playbook_context(runtime, chat_model=model, model_name="scripted", **FAST)
    return run_playbook(runtime, request, context=ctx, **extra), model.seen


def _figure(playbook, key: str):
    return next(f for f in playbook.figures if f.key == key)


def test_battery_numbers_are_the_optimisers_and_progress_and_remark_stream(
    playbook_runtime: Runtime,
):
    request = PlaybookRequest(meter_id="M-PV", kind=PlaybookKind.BATTERY, horizon_hours=24)
    events: list[dict[str, Any]] = []
    run, seen = _run(playbook_runtime, [REMARK_EN], request, on_event=events.append)
    assert run.path == ["gather", "analyse", "retrieve", "compose", "remark"]
    stages = [e["stage"] for e in events if "stage" in e]
    assert stages == ["data", "forecast", "optimise", "retrieve", "compose"]
    pieces = [e["remark"] for e in events if "remark" in e]
    assert len(pieces) > 1
    assert "".join(pieces) == REMARK_EN  # streamed piece by piece, the whole remark kept
    book = run.playbook
    assert book.remark == REMARK_EN
    assert book.remark_dropped is None
    assert book.prompt == "playbook_remark@1.0.0"
    assert "RECOMMENDED ACTIONS:" in seen[0][-1]
    assert not re.search(r"\d", seen[0][-1])  # no figure for the model to copy

    # The numbers are the optimiser's: re-solving the stored input gives the same savings.
    stored = OptimisationInput.model_validate(run.inputs["optimisation_input"])
    result = optimise(stored, measure_constraints=False)
    savings = _figure(book, "savings_eur")
    assert savings.value == round(result.savings_eur, 2)
    assert savings.value > 0
    assert book.evidence.price_source == "stored"
    charged = sum(a.energy_kwh or 0 for a in book.actions if a.title.startswith("Charge"))
    assert charged == pytest.approx(sum(s.battery_charge_kwh for s in result.steps), abs=0.05)
    engine = book.evidence.engine
    assert stored.battery is not None
    assert stored.battery.soc_min_fraction * 100 - 0.1 <= engine["soc_pct_min"]
    assert engine["soc_pct_max"] <= stored.battery.soc_max_fraction * 100 + 0.1
    assert engine["soc_pct_min"] < engine["soc_pct_max"]  # the battery is actually used

    # Title and summary are the engine's: its headline, the actions with their windows, the
    # main figures, the data window; every number in them is one of the facts.
    assert book.title.startswith("Battery plan for M-PV saves")
    assert savings.text in book.title
    assert book.summary.startswith(f"What to do: {book.actions[0].title} {book.actions[0].window}")
    assert all(a.window in book.summary for a in book.actions[:3] if a.window)
    assert f"saving against the baseline {savings.text}" in book.summary
    assert book.evidence.data_window in book.summary
    assert unsupported_numbers(book.summary, AllowedNumbers.from_texts([run.facts])) == []

    titles = {c.title for c in book.citations}
    assert any(t.startswith("Luna Store 10") for t in titles), titles
    with session_scope(playbook_runtime.stores.sessions) as s:
        ids = {c.chunk_id for c in book.citations}
        assert set(s.scalars(select(ItemChunk.id).where(ItemChunk.id.in_(ids)))) == ids


def test_a_remark_with_a_number_or_in_english_for_a_german_playbook_is_dropped(
    playbook_runtime: Runtime,
):
    request = PlaybookRequest(meter_id="M-PV", kind=PlaybookKind.LOAD_SHIFT, language="de")
    events: list[dict[str, Any]] = []
    run, _seen = _run(
        playbook_runtime, ["Das spart 42,00 EUR am Tag, laden Sie nachts."], request,
        on_event=events.append,
    )  # fmt: skip
    book = run.playbook
    assert book.remark is None
    assert book.remark_dropped is not None
    assert "number" in book.remark_dropped
    assert {"remark_dropped": book.remark_dropped} in events
    ev = next(a for a in book.actions if a.device == "EV charging")
    assert ev.cost_change_eur is not None
    assert ev.cost_change_eur < 0
    assert book.title.startswith("Lastverschiebung für M-PV spart")
    assert book.summary.startswith("Das ist zu tun:")
    assert unsupported_numbers(book.summary, AllowedNumbers.from_texts([run.facts])) == []

    english, _ = _run(playbook_runtime, [REMARK_EN], request)
    assert english.playbook.remark is None
    assert "German" in str(english.playbook.remark_dropped)
    german, _ = _run(playbook_runtime, [REMARK_DE], request)
    assert german.playbook.remark == REMARK_DE


def test_model_failure_costs_only_the_remark(playbook_runtime: Runtime):
    class Broken(FakeListChatModel):
        def _stream(self, *args, **kwargs):  # type: ignore[override]
            raise TimeoutError("local model did not finish within 1 s")

    ctx = playbook_context(
        playbook_runtime, chat_model=Broken(responses=[]), model_name="broken", **FAST
    )
    run = run_playbook(
        playbook_runtime,
        PlaybookRequest(meter_id="M-HP", kind=PlaybookKind.ANOMALY, horizon_hours=24),
        context=ctx,
    )
    assert run.playbook.remark is None
    assert "TimeoutError" in str(run.playbook.remark_dropped)
    assert _figure(run.playbook, "hours").value == 24
    assert run.playbook.summary


def test_without_remark_tokens_the_model_is_not_asked(playbook_runtime: Runtime):
    model = ScriptedModel(responses=[REMARK_EN])
    ctx = playbook_context(
        playbook_runtime, chat_model=model, model_name="scripted", **FAST | {"remark_tokens": 0}
    )
    request = PlaybookRequest(meter_id="M-HP", kind=PlaybookKind.TARIFF_CHECK)
    run = run_playbook(playbook_runtime, request, context=ctx)
    assert model.seen == []
    assert run.playbook.remark is None
    assert run.playbook.remark_dropped is None


def test_tariff_check_prices_the_stored_import_both_ways(playbook_runtime: Runtime):
    request = PlaybookRequest(
        meter_id="M-HP", kind=PlaybookKind.TARIFF_CHECK, fixed_price_ct_kwh=35.0
    )
    run, _ = _run(playbook_runtime, [REMARK_EN], request)
    book = run.playbook
    fixed = _figure(book, "fixed_eur_year").value
    dynamic = _figure(book, "dynamic_eur_year").value
    import_kwh = run.inputs["import_kwh_total"]
    scale = book.evidence.engine["scale_to_year"]
    assert fixed == pytest.approx(import_kwh * 0.35 * scale + 14.90 * 12, abs=1.0)
    assert _figure(book, "difference_eur_year").value == pytest.approx(abs(fixed - dynamic), 0.01)
    assert book.actions[0].cost_change_eur == pytest.approx(-abs(fixed - dynamic), abs=0.01)
    assert any(c.title.startswith("Luna Strom Dynamisch") for c in book.citations)


def test_tariff_check_prices_with_the_configured_tariff(playbook_runtime: Runtime):
    settings = playbook_runtime.settings.model_copy(
        update={
            "tariff_name": "Stadtwerk Flex",
            "tariff_surcharges_net_ct_kwh": 12.5,
            "tariff_base_price_eur_month": 20.0,
        }
    )
    ctx = replace(
        playbook_context(playbook_runtime, model_name="scripted", **{**FAST, "remark_tokens": 0}),
        settings=settings,
    )
    request = PlaybookRequest(
        meter_id="M-HP", kind=PlaybookKind.TARIFF_CHECK, fixed_price_ct_kwh=35.0
    )
    run = run_playbook(playbook_runtime, request, context=ctx)
    book = run.playbook
    scale = book.evidence.engine["scale_to_year"]
    fixed = _figure(book, "fixed_eur_year").value
    assert fixed == pytest.approx(run.inputs["import_kwh_total"] * 0.35 * scale + 20.0 * 12, abs=1)
    assert "Stadtwerk Flex" in book.title  # the headline names the tariff either way
    assert any("12.5 ct/kWh" in a and "20.0 EUR" in a for a in book.assumptions)


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
        [REMARK_EN],
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


@pytest.mark.parametrize(
    ("remark", "language", "problem"),
    [
        ("Laden Sie das Auto nachts, wenn der Strom günstig ist.", "de", None),
        ("Charge the car at night when power is cheap.", "de", "not in German"),
        ("Laden Sie ab 02:00 Uhr.", "de", "number"),
        ("Siehe [1] für Details zum Tarif und zu den Zeiten.", "de", "brackets"),
        ("Ok.", "en", "too short"),
        ("Check the plan today. Check the plan today.", "en", "repeats itself"),
        ("What to do: charge the battery tonight.", "en", "repeats the summary"),
    ],
)
def test_remark_problems(remark: str, language: str, problem: str | None):
    summary = "What to do: Charge the battery tonight. Data: the last days."
    problems = remark_problems(remark, language, summary)  # type: ignore[arg-type]
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems
