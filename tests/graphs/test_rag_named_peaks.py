"""A year's peak named but not stated ("so hoch wie 2025", "last year's peak"), read by code."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from luna.graphs.rag.calculation import Calculation, calculate
from luna.graphs.rag.named_peaks import with_named_peak
from luna.graphs.rag.table_extremes import limit_excess
from luna.prompts.registry import LoadedPrompt, read_prompt_files
from luna.retrieval.periods import with_relative_years
from tests.scripted_model import ScriptedModel

PEAKS = [412, 398, 405, 377, 391, 433, 538, 471, 402, 389, 418, 426]  # Jan … Dec 2025, kW
MONTHS = ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"]
NOTE = "Monat | Bezug kWh | Spitzenlast kW\n" + "\n".join(
    f"{m} 2025 | {100_000 + 1_000 * i:,} | {p}".replace(",", ".")
    for i, (m, p) in enumerate(zip(MONTHS, PEAKS, strict=True))
)
SHEET = "Leistungspreis 2026: 118,00 €/kW und Jahr netto (140,42 €/kW brutto)."
POLICY = "Die Peak-Shaving-Schwelle des Speichers liegt bei 480 kW."
PASSAGES: list[dict[str, Any]] = [
    {"n": 1, "title": "Preisblatt 2026", "text": SHEET},
    {"n": 2, "title": "Haustechnik: Strombezug 2025", "text": NOTE},
    {"n": 3, "title": "Inbetriebnahmeprotokoll Speicher", "text": POLICY},
]


def _prompt() -> LoadedPrompt:
    spec = next(s for s in read_prompt_files() if s.ref == "rag_calculate@1.0.0")
    return LoadedPrompt(spec, spec.template())


def test_the_peak_of_the_year_named_is_written_into_the_question_and_priced():
    question = (
        "Was zahlen wir 2026 an Leistungspreis, wenn die Jahreshöchstleistung wieder so hoch "
        "ist wie 2025? netto"
    )
    read = with_named_peak(question, PASSAGES)
    assert read.endswith("(Jahreshöchstleistung 2025: 538 kW)")
    calc = calculate(ScriptedModel(script=[]), _prompt(), read, PASSAGES, "de")
    assert isinstance(calc, Calculation)
    assert calc.value == Decimal("63484.00")  # 538 kW × 118,00 €/kW, no model call


def test_a_peak_a_passage_states_for_the_year_is_taken_as_stated():
    note = {"n": 2, "title": "Notiz", "text": "Die Jahreshöchstleistung 2025 lag im Juli: 572 kW."}
    question = "Was zahlen wir 2026 an Leistungspreis bei der Jahreshöchstleistung von 2025?"
    read = with_named_peak(question, [PASSAGES[0], note])
    assert read.endswith("(Jahreshöchstleistung 2025: 572 kW)")


def test_no_peak_is_read_where_the_year_has_no_whole_table_or_the_question_states_one():
    question = "What would the demand charge be at the 2024 annual peak?"
    assert with_named_peak(question, PASSAGES) == question  # no table of 2024
    half = [PASSAGES[0], {"n": 2, "title": "2025", "text": "\n".join(NOTE.split("\n")[:7])}]
    asked = "What would the demand charge be at the 2025 annual peak?"
    assert with_named_peak(asked, half) == asked  # six months are no year
    stated = "What would the demand charge be at the 2025 annual peak of 500 kW?"
    assert with_named_peak(stated, PASSAGES) == stated


def test_last_years_peak_against_a_threshold_is_a_limit_excess_priced_at_the_rate():
    question = with_relative_years(
        "if the battery keeps our peak at its threshold all year, how much demand charge do we "
        "save vs last year's peak, at 2026 prices?",
        date(2026, 12, 7),
    )
    assert "last year's (2025) peak" in question
    assert with_named_peak(question, PASSAGES) == question  # a saving: two sides, not one
    found = limit_excess(question, PASSAGES)
    assert found is not None
    # (538 − 480) kW × 118,00 €/kW: a demand charge asked with neither side is reckoned net
    assert found.calculation.value == Decimal("6844.00")


def test_relative_years_are_dated():
    today = date(2026, 12, 7)
    assert with_relative_years("Wie hoch war die Spitze im Vorjahr?", today) == (
        "Wie hoch war die Spitze im Vorjahr (2025)?"
    )
    assert with_relative_years("this year's tariff, letztes Jahr", today) == (
        "this year's (2026) tariff, letztes Jahr (2025)"
    )
    assert with_relative_years("the last years were hard", today) == "the last years were hard"


def test_a_stated_peak_against_a_threshold_value_is_a_limit_excess_too():
    passages = [
        {"n": 1, "title": "Preisblatt 2026", "text": "Leistungspreis: 118,00 €/kW und Jahr"},
        {"n": 2, "title": "Notiz", "text": "Die Jahreshöchstleistung 2025 lag im Juli: 572 kW."},
        {"n": 3, "title": "Protokoll", "text": "Schwellwert Netzbezug: 480 kW (Speicher entlädt)"},
    ]
    question = "how much demand charge do we save vs the 2025 annual peak at the threshold?"
    found = limit_excess(question, passages)
    assert found is not None
    assert found.extreme is None  # no table: the peak as the note states it
    assert found.calculation.value == Decimal("10856.00")  # (572 − 480) kW × 118,00 €/kW
    assert found.sources == [1, 2, 3]
