"""Payback times computed by code (``luna.graphs.rag.payback_plans``).

Invented figures, in the shapes of meeting minutes with two projects (an energy saving per
year), an installer's offer (a money saving per month) and a price sheet (HT/NT rows, net and
gross columns, and last year's superseded sheet)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from luna.core.language import guess_language
from luna.graphs.rag.calculation import calculate
from luna.graphs.rag.calculation_cues import wants_calculation
from luna.graphs.rag.payback_plans import payback_plan
from luna.prompts.registry import LoadedPrompt
from tests.scripted_model import ScriptedModel

MINUTES = """## 3. Druckluft-Leckageprogramm
**Beschluss:** freigegeben. Investition 12.400 €; erwartete Einsparung 31.000 kWh pro Jahr.

## 4. Hallenbeleuchtung auf LED
**Beschluss:** zurückgestellt. Investition 58.000 €; jährliche Einsparung: 96.500 kWh,
überwiegend im Hochtarif."""
OFFER = """Angebot Wärmerückgewinnung WRG-2
The heat recovery unit costs a one-off investment of EUR 23,900 installed.
Expected saving EUR 640 per month on the gas bill."""
PRICES = """Arbeitspreis | netto | brutto
Hochtarif (HT) | 21,40 ct/kWh | 25,47 ct/kWh
Niedertarif (NT) | 15,10 ct/kWh | 17,97 ct/kWh"""
OLD_PRICES = """Arbeitspreis | netto | brutto
Hochtarif (HT) | 26,00 ct/kWh | 30,94 ct/kWh
Niedertarif (NT) | 17,50 ct/kWh | 20,83 ct/kWh"""
PASSAGES: list[dict[str, Any]] = [
    {"n": 1, "title": "Protokoll Energieteam", "text": MINUTES},
    {"n": 2, "title": "WRG offer", "text": OFFER},
    {"n": 3, "title": "Preisblatt 2026", "text": PRICES, "valid_from": "2026-01-01"},
    {
        "n": 4,
        "title": "Preisblatt 2025",
        "text": OLD_PRICES,
        "valid_from": "2025-01-01",
        "superseded_by": "Preisblatt 2026",
    },
]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # 58.000 € / (96.500 kWh × 21,40 ct/kWh): the LED project, the current net HT price
        ("Wann amortisiert sich die LED-Beleuchtung, bewertet mit dem HT-Preis netto?", "2.81"),
        # the compressed-air project at the current gross NT price: 12.400 / (31.000 × 0,1797)
        ("Amortisationszeit des Druckluft-Leckageprogramms zum NT-Bruttopreis?", "2.23"),
        # a money saving per month: 23,900 / (640 × 12)
        ("How many years until the heat recovery unit pays for itself?", "3.11"),
        # the question's own investment replaces the minutes' one: 70.000 / (96.500 × 0,214)
        (
            "Falls die LED-Umrüstung doch 70.000 € Investition kostet: wie lange ist die "
            "Amortisationszeit zum HT-Preis netto?",
            "3.39",
        ),
    ],
)
def test_a_payback_time_is_the_investment_over_the_yearly_saving(
    calculate_prompt: LoadedPrompt, question: str, expected: str
):
    assert wants_calculation(question)
    language = guess_language(question)
    result = calculate(ScriptedModel(script=[]), calculate_prompt, question, PASSAGES, language)
    assert result is not None
    assert result.rounded() == Decimal(expected)
    assert result.result_unit in {"years", "Jahre"}


@pytest.mark.parametrize(
    "question",
    [
        # which project: both state an investment and a saving, the question names neither
        "Wie schnell amortisiert sich das Projekt zum HT-Preis netto?",
        # which price: an energy saving needs a price the question's words pick
        "What is the payback of the LED lighting?",
        # no payback asked
        "Was kostet die LED-Beleuchtung?",
    ],
)
def test_no_payback_plan_where_a_figure_is_ambiguous_or_none_is_asked(question: str):
    assert payback_plan(question, PASSAGES) is None
