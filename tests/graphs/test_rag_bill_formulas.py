"""A bill formula written in names only, evaluated by code (``luna.graphs.rag.bill_formulas``).

Invented figures, in the shape of a supplier's price sheet that states its monthly bill as a
formula of named quantities, its markups as a table with a sum row and two tariffs' base
prices in sentences of their own."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from luna.graphs.rag.bill_formulas import bill_formula_plan
from luna.graphs.rag.calculation import calculate
from luna.prompts.registry import LoadedPrompt
from tests.scripted_model import ScriptedModel

FORMULA = (
    "1 Preisformel\n"
    "Der Netto-Arbeitspreis ergibt sich aus dem Börsenpreis zuzüglich der Aufschläge.\n"
    "Rechnungsbetrag (netto) = Verbrauch in kWh × (Börsenpreis + Summe Aufschläge) + "
    "monatlicher Grundpreis. Auf den Rechnungsbetrag wird die Umsatzsteuer von 19 % "
    "aufgeschlagen."
)
TABLE = """Tabelle 1: Aufschläge
Bestandteil | netto (ct/kWh) | brutto (ct/kWh)
Vertrieb | 2,100 | 2,499
Stromsteuer | 2,050 | 2,440
Summe Aufschläge | 4,150 | 4,939
Grundpreis Nordflex: 14,50 € netto pro Monat (17,26 € brutto).
Grundpreis Nordtakt Zeitfenster: 21,00 € netto pro Monat (24,99 € brutto)."""
PASSAGES: list[dict[str, Any]] = [
    {"n": 1, "title": "Preisblatt Nordstrom", "text": FORMULA},
    {"n": 2, "title": "Preisblatt Nordstrom", "text": TABLE},
]


@pytest.mark.parametrize(
    ("question", "language", "expected"),
    [
        # (1.200 kWh × (7,40 + 4,150) ct/kWh + 14,50 €) × 1,19 = 182,19 €
        (
            "Im März lag der Börsenpreis bei 7,40 ct/kWh, wir haben 1.200 kWh verbraucht. Was "
            "kostet das bei Nordflex brutto?",
            "de",
            "182.19",
        ),
        # net: 1,200 kWh × (5.10 + 4.150) ct/kWh + 14.50 € = 125.50 €
        (
            "We used 1,200 kWh in May at an exchange price (Börsenpreis) of 5.10 ct/kWh. What is "
            "the Nordflex bill, net?",
            "en",
            "125.50",
        ),
    ],
)
def test_each_name_of_the_formula_takes_the_question_or_the_passage_value(
    calculate_prompt: LoadedPrompt, question: str, language: str, expected: str
):
    result = calculate(ScriptedModel(script=[]), calculate_prompt, question, PASSAGES, language)
    assert result is not None
    assert result.rounded() == Decimal(expected)


@pytest.mark.parametrize(
    "question",
    [
        # which tariff's base price: the question names neither
        "Börsenpreis 7,40 ct/kWh, 1.200 kWh verbraucht: was kostet das brutto?",
        # no quantity of energy for "Verbrauch in kWh"
        "Der Börsenpreis liegt bei 7,40 ct/kWh. Was kostet das bei Nordflex brutto?",
    ],
)
def test_no_plan_where_a_name_has_no_single_value(question: str):
    assert bill_formula_plan(question, PASSAGES) is None
