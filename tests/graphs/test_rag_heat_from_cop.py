"""A heat pump's heat over a period at its model's rated COP, computed by code
(``luna.graphs.rag.heat_from_cop``).

Invented figures, in the shapes of a manufacturer's model table, a grid operator's letter
naming the installed model and a facility note's monthly table with the heat pump's own
column."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from luna.graphs.rag.heat_from_cop import asks_heat_from_cop, heat_from_cop

DATASHEET = """Baureihe TerraHeat – Technische Daten
Modell | Heizleistung (kW) | Leistungsaufnahme (kW) | COP A2/W35 | SCOP
TH-12 | 12,0 | 3,1 | 3,87 | 4,40
TH-16 | 16,0 | 4,2 | 3,81 | 4,35
TH-22 | 22,0 | 5,9 | 3,73 | 4,28"""
LETTER = "Wir bestätigen die Anmeldung Ihrer Wärmepumpe TerraHeat TH-16 nach § 14a EnWG."
NOTE = """Monat | Netzbezug (kWh) | Wärmepumpe (kWh)
Januar | 9.420 | 2.180
Februar | 8.960 | 1.940
März | 8.110 | 1.610"""


def _passages(letter: str = LETTER) -> list[dict[str, Any]]:
    return [
        {"n": 1, "title": "Datenblatt TerraHeat", "text": DATASHEET},
        {"n": 2, "title": "Schreiben Netzbetreiber", "text": letter},
        {"n": 3, "title": "Notiz Haustechnik 2025", "text": NOTE},
    ]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # the installed model from the letter, not the datasheet's first row: 2.180 × 3,81
        ("How much heat did the heat pump deliver in January at its rated COP?", "8305.8"),
        # a period: (2.180 + 1.940 + 1.610) × 3,81
        (
            "Wie viel Wärme hat die Wärmepumpe von Januar bis März beim Nenn-COP geliefert?",
            "21831.3",
        ),
        # a model the question names wins over the installed one: 1.940 × 3,73
        ("Wie viel Wärme hätte eine TH-22 im Februar mit ihrem COP geliefert?", "7236.2"),
    ],
)
def test_the_heat_is_the_periods_electricity_times_the_models_cop(question: str, expected: str):
    assert asks_heat_from_cop(question)
    figures = heat_from_cop(question, _passages())
    assert figures is not None
    (line,) = figures.items
    assert line.value == Decimal(expected)
    assert line.result_unit == "kWh"
    assert line.sources == [1, 3]


def test_no_heat_where_the_installed_model_is_not_clear():
    letter = "Angeboten wurden die TH-12 und die TH-22; installiert ist noch keine."
    question = "How much heat did the heat pump deliver in January at its rated COP?"
    assert heat_from_cop(question, _passages(letter)) is None
    assert not asks_heat_from_cop("What is the COP of the TH-16?")  # a look-up, no period
