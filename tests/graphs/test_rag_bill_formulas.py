"""A bill formula written in names only, evaluated by code (``luna.graphs.rag.bill_formulas``).

Invented figures, in the shape of a supplier's price sheet that states its monthly bill as a
formula of named quantities, its markups as a table with a sum row and two tariffs' base
prices in sentences of their own."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from luna.graphs.rag.bill_formulas import asks_month_bill, bill_formula_plan
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


# A facility note's monthly table and last year's price sheet, superseded by this year's
# (PASSAGES): the month a question names brings its quantities, and its prices come from the
# sheet in force then. Last year's sheet states its VAT rate only in a column heading.
NOTE = """Notiz Haustechnik: Strombezug
Monat | Verbrauch (kWh) | Lastspitze (kW) | Ø Börsenpreis (ct/kWh)
Dez 2024 | 2.000 | 30,5 | 9,00
Jan 2025 | 2.400 | 33,1 | 10,00"""
LAST_YEAR = """Tabelle 1: Aufschläge
Bestandteil | netto (ct/kWh) | brutto inkl. 19 % USt. (ct/kWh)
Vertrieb | 1,850 | 2,202
Stromsteuer | 2,050 | 2,440
Summe Aufschläge | 3,900 | 4,641
Grundpreis Nordflex: 12,00 € netto pro Monat (14,28 € brutto)."""
DATED: list[dict[str, Any]] = [
    {**PASSAGES[0], "item_id": "sheet-2025", "valid_from": "2025-01-01"},
    {**PASSAGES[1], "item_id": "sheet-2025", "valid_from": "2025-01-01"},
    {
        "n": 3,
        "title": "Preisblatt Nordstrom 2024",
        "text": LAST_YEAR,
        "item_id": "sheet-2024",
        "valid_from": "2024-01-01",
        "superseded_by": "sheet-2025",
    },
    # dated after the months it reports: a note is in no version chain, its date limits nothing
    {
        "n": 4,
        "title": "Notiz Haustechnik",
        "text": NOTE,
        "item_id": "note",
        "valid_from": "2025-02-10",
    },
]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # (2.000 kWh × (9,00 + 3,900) ct/kWh + 12,00 €) × 1,19 = 321,30 €: the 2024 sheet
        (
            "Was hat uns der Dezember 2024 bei Nordflex gekostet, brutto? Verbrauch und "
            "Börsenpreis aus der Notiz.",
            "321.30",
        ),
        # (2.400 kWh × (10,00 + 4,150) ct/kWh + 14,50 €) × 1,19 = 421,38 €: the 2025 sheet
        ("What was the gross Nordflex bill for January 2025, per the facility note?", "421.38"),
    ],
)
def test_a_named_month_brings_its_table_row_and_the_prices_in_force_then(
    calculate_prompt: LoadedPrompt, question: str, expected: str
):
    assert asks_month_bill(question, DATED)
    language = "en" if question.startswith("What") else "de"
    result = calculate(ScriptedModel(script=[]), calculate_prompt, question, DATED, language)
    assert result is not None
    assert result.rounded() == Decimal(expected)


def test_a_month_without_money_asked_is_no_bill():
    assert not asks_month_bill("Wie viel haben wir im Januar 2025 verbraucht?", DATED)
    # a month the table lacks
    assert not asks_month_bill("Was hat der März 2025 bei Nordflex gekostet?", DATED)
