"""Playbooks follow the requested language: a German request gets German words (also on the
summary and title the engine templates write) around the same engine numbers and machine keys as
an English one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from luna.config import Settings
from luna.graphs.playbook import playbook_context, run_playbook
from luna.graphs.playbook.binding import binding_text
from luna.graphs.playbook.figures import window_text
from luna.graphs.playbook.schema import Playbook, PlaybookKind, PlaybookRequest
from luna.graphs.playbook.texts import MESSAGES, text
from luna.optimisation import BindingConstraint
from luna.runtime import Runtime
from luna.store.factory import Stores

FAST = {"forecast_model": "seasonal_naive_weekly", "history_days": 14, "selection_days": 2}
ENGLISH_MARKERS = (" the ", " and ", "cheaper", "unusual", "charge", "instead of", " per ")
GERMAN_WORDS = {
    PlaybookKind.BATTERY: ("Speicher", "Ladezustand (SoC)", "Arbeitspreis", "Uhr"),
    PlaybookKind.LOAD_SHIFT: ("Lastverschiebung", "Wallbox", "Energiekosten", "Uhr"),
    PlaybookKind.TARIFF_CHECK: ("Arbeitspreis", "Grundpreis", "Netzbezug", "Tage mit Daten"),
    PlaybookKind.ANOMALY: ("Prognose", "auffällige Stunden", "Arbeitspreis", "Uhr"),
}
REQUESTS = [
    ("M-PV", PlaybookKind.BATTERY),
    ("M-PV", PlaybookKind.LOAD_SHIFT),
    ("M-HP", PlaybookKind.TARIFF_CHECK),
    ("M-HP", PlaybookKind.ANOMALY),
]


@pytest.fixture
def runtime(settings: Settings, site: Stores, tmp_path: Path) -> Iterator[Runtime]:
    """The simulated site with a spike on M-HP, so the anomaly playbook has actions."""
    with site.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE smart_meter_readings SET consumption_kwh = consumption_kwh + 2.5 "
            "WHERE meter_id = 'M-HP' AND ts > (SELECT max(ts) FROM smart_meter_readings "
            "WHERE meter_id = 'M-HP') - interval '10 hours' AND ts <= (SELECT max(ts) "
            "FROM smart_meter_readings WHERE meter_id = 'M-HP') - interval '8 hours'"
        )
    rt = Runtime(settings.model_copy(update={"home": tmp_path}))
    yield rt
    rt.close()


def _template_playbook(runtime: Runtime, request: PlaybookRequest) -> Playbook:
    ctx = playbook_context(
        runtime,
        chat_model=FakeListChatModel(responses=["not a remark"]),
        model_name="scripted",
        retriever=None,
        **FAST,
    )
    return run_playbook(runtime, request, context=ctx).playbook


def _visible(book: Playbook) -> list[str]:
    actions = [part for a in book.actions for part in (a.title, a.detail, a.window or "")]
    figures = [part for f in book.figures for part in (f.label, f.text)]
    return [book.title, book.summary, *actions, *book.assumptions, *book.risks, *figures]


def _numbers_and_keys(book: Playbook) -> dict[str, object]:
    return {
        "figures": [(f.key, f.value, f.unit) for f in book.figures],
        "actions": [
            (a.device, a.start, a.end, a.energy_kwh, a.cost_change_eur, a.confidence)
            for a in book.actions
        ],
        "engine": book.evidence.engine,
        "price_source": book.evidence.price_source,
    }


def test_german_playbooks_of_every_kind_are_german_with_the_english_keys_and_numbers(
    runtime: Runtime,
):
    for meter_id, kind in REQUESTS:
        german, english = (
            _template_playbook(
                runtime, PlaybookRequest(meter_id=meter_id, kind=kind, language=lang)
            )
            for lang in ("de", "en")
        )
        assert german.remark is None
        assert german.actions, kind
        visible = _visible(german)
        joined = "\n".join(visible)
        english_words = [(m, t) for t in visible for m in ENGLISH_MARKERS if m in t.casefold()]
        assert english_words == [], kind
        for word in GERMAN_WORDS[kind]:
            assert word in joined, (kind, word)

        units = {f.key: f.text.split(" ", 1)[1] for f in german.figures}
        assert units.get("days", "Tage") == "Tage"
        assert _numbers_and_keys(german) == _numbers_and_keys(english), kind
        assert [f.label for f in english.figures] == [
            MESSAGES["en"][f"figure.{f.key}"] for f in english.figures
        ]
        assert any(m in "\n".join(_visible(english)).casefold() for m in ENGLISH_MARKERS)


def test_message_catalogues_have_the_same_ids_in_both_languages():
    assert MESSAGES["de"].keys() == MESSAGES["en"].keys()


def test_plain_numbers_take_the_languages_decimal_mark_and_formatted_text_is_kept():
    assert text("en", "plan.assumption.feed_in", feed_in=7.94).startswith("Feed-in: 7.94 ct/kWh")
    assert text("de", "plan.assumption.feed_in", feed_in=7.94).startswith(
        "Einspeisevergütung: 7,94 ct/kWh"
    )
    assert "1.234,50 EUR statt 9,99 EUR" in text(
        "de", "plan.shift.detail", opens="18:00", cost="1.234,50", baseline="9,99"
    )


def test_windows_and_binding_constraints_read_naturally_in_german():
    start = datetime.fromisoformat("2025-06-20T22:00:00+02:00")
    end = datetime.fromisoformat("2025-06-21T00:00:00+02:00")
    assert window_text(start, end, "en") == "20.06. 22:00–24:00"
    assert window_text(start, end, "de") == "20.06. 22:00–24:00 Uhr"
    constraint = BindingConstraint(
        kind="charge_power",
        subject="battery",
        source="battery.max_charge_kw",
        start=start,
        end=end,
        message="Battery charging at full power 5 kW from 22:00 to 24:00",
        relax_saving_eur=0.1234,
    )
    assert binding_text(constraint, "en") == constraint.message
    assert binding_text(constraint, "de") == (
        "Speicher lädt mit voller Leistung 20.06. 22:00–24:00 Uhr; "
        "ohne diese Grenze würde der Plan 0,12 EUR sparen"
    )
