"""A formula a passage states is evaluated by code for the value the question gives."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from luna.config import Settings
from luna.graphs.rag.calculation import calculate
from luna.graphs.rag.nodes import with_formula_sections
from luna.graphs.rag.stated_formulas import formula_plan
from luna.prompts.registry import LoadedPrompt
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.store.sql.models import ItemChunk
from tests.scripted_model import ScriptedModel

# Invented figures, in the shape of a dynamic tariff's price sheet.
SHEET = """2 Preise > 2.1 Energiepreis
Der Energiepreis folgt dem Spotpreis. Zuzüglich 19 % Umsatzsteuer gilt:
Energiepreis brutto = (Spotpreis + 12,345 ct/kWh) × 1,19
Beispiel: Bei einem Spotpreis von 6,00 ct/kWh beträgt der Energiepreis (6,00 + 12,345) × 1,19
= 21,83 ct/kWh brutto."""
MODULE = """3 Netzentgelt > 3.2 Stufe 2
Energiepreis brutto mit Stufe 2 = (Spotpreis + 4,321 ct/kWh + Netzentgelt der Zeitzone) × 1,19"""
PASSAGES: list[dict[str, Any]] = [
    {"n": 1, "title": "Preisblatt", "text": SHEET},
    {"n": 2, "title": "Preisblatt", "text": MODULE},
]


def test_the_stated_formula_is_evaluated_for_the_questions_value_without_a_model(
    calculate_prompt: LoadedPrompt,
):
    question = "Wie hoch ist der Energiepreis brutto, wenn der Spotpreis 7,50 ct/kWh beträgt?"
    model = ScriptedModel(script=[])  # any model call would fail the test
    result = calculate(model, calculate_prompt, question, PASSAGES, "de")
    assert result is not None
    assert result.rounded() == Decimal("23.62")  # (7,50 + 12,345) × 1,19 = 23,615…
    assert (
        result.render("de") == "Rechnung: (7,50 ct/kWh + 12,345 ct/kWh) × 1,19 = 23,62 ct/kWh [1]"
    )


def test_a_price_asked_per_kwh_is_the_formulas_price_though_the_question_does_not_name_it(
    calculate_prompt: LoadedPrompt,
):
    question = "Spotpreis morgen um 14 Uhr laut App: 4,37 ct/kWh. Was kostet mich die kWh brutto?"
    result = calculate(ScriptedModel(script=[]), calculate_prompt, question, PASSAGES, "de")
    assert result is not None
    assert (
        result.render("de") == "Rechnung: (4,37 ct/kWh + 12,345 ct/kWh) × 1,19 = 19,89 ct/kWh [1]"
    )


def test_an_english_question_uses_the_german_formula_through_the_lexicon():
    plan = formula_plan("What is the gross energy price at a spot price of 3.10 ct/kWh?", PASSAGES)
    assert plan is not None
    assert plan.result_unit == "ct/kWh"
    assert {(o.value, o.source) for o in plan.operands} == {("12,345", 1), ("1,19", 1), ("3.10", 0)}


def test_a_day_ahead_price_is_the_formulas_exchange_price():
    """ "if the day-ahead price is 9.00 ct/kWh" gives the sheet's "Börsenpreis"."""
    sheet = "Arbeitspreis brutto = (Börsenpreis + 15,000 ct/kWh) × 1,19"
    passages = [{"n": 1, "title": "Preisblatt", "text": sheet}]
    plan = formula_plan("Gross price per kWh if the day-ahead price is 9.00 ct/kWh?", passages)
    assert plan is not None
    assert ("9.00", 0) in {(o.value, o.source) for o in plan.operands}


@pytest.mark.parametrize(
    "question",
    [
        # the formula for Stufe 2 has a second variable the question does not give
        "Wie hoch ist der Energiepreis brutto mit Stufe 2 bei einem Spotpreis von 7,50 ct/kWh?",
        # a gross formula does not answer a net question
        "Wie hoch ist der Energiepreis netto bei einem Spotpreis von 7,50 ct/kWh?",
        # no value to put in, or two
        "Wie hoch ist der Energiepreis brutto?",
        "Wie hoch ist der Energiepreis brutto bei 7,50 ct/kWh oder 8,00 ct/kWh Spotpreis?",
        # an amount the formula does not give ("inklusive Grundpreis")
        "Was kosten 200 kWh inklusive Grundpreis bei einem Spotpreis von 7,50 ct/kWh?",
        # the question does not name what the formula computes
        "Wie hoch ist die Umlage bei einem Spotpreis von 7,50 ct/kWh?",
    ],
)
def test_no_formula_answer_where_it_does_not_fit_unambiguously(question: str):
    assert formula_plan(question, PASSAGES) is None


ZONES = """3 Netzentgelt > 3.1 Zeitzonen
Zone | Uhrzeit | netto | brutto
Nachtzone | 22:00–06:00 Uhr | 1,50 ct/kWh | 1,79 ct/kWh
Spitzenzone | 17:00–20:00 Uhr | 11,00 ct/kWh | 13,09 ct/kWh"""


def test_a_formula_variable_the_question_does_not_give_is_the_rate_it_names(
    calculate_prompt: LoadedPrompt,
):
    """The zone's fee comes from the table row the question names, net inside the gross
    formula; the question's kWh turn the price into an amount of money."""
    passages = [*PASSAGES, {"n": 3, "title": "Preisblatt", "text": ZONES}]
    question = (
        "Was kosten 30 kWh mit Stufe 2 in der Spitzenzone, wenn der Spotpreis 7,50 ct/kWh beträgt?"
    )
    result = calculate(ScriptedModel(script=[]), calculate_prompt, question, passages, "de")
    assert result is not None
    assert result.rounded() == Decimal("8.15")  # (7,50 + 4,321 + 11,00) × 1,19 × 30 kWh = 814,7 ct
    assert result.render("de") == (
        "Rechnung: (7,50 ct/kWh + 4,321 ct/kWh + 11,00 ct/kWh) × 1,19 × 30 kWh = 8,15 € [2] [3]"
    )
    plan = formula_plan(
        "Wie hoch ist der Energiepreis brutto mit Stufe 2 bei 7,50 ct/kWh Spotpreis?", passages
    )
    assert plan is None  # no zone named: the table's two rows fit alike


def test_the_kwh_a_question_gives_turn_the_formula_price_into_a_cost():
    question = "Was kosten 200 kWh brutto bei einem Spotpreis von 7,50 ct/kWh?"
    plan = formula_plan(question, PASSAGES)
    assert plan is not None
    assert plan.expression == "(( v1 + c1 ) * c2) * energy"
    assert plan.result_unit == "€"


def test_a_monthly_bill_adds_the_base_price_the_question_includes(calculate_prompt: LoadedPrompt):
    base = (
        "2 Preise > 2.2 Grundpreis\nDer Grundpreis beträgt 9,80 € pro Monat brutto (8,24 € netto)."
    )
    passages = [*PASSAGES, {"n": 3, "title": "Preisblatt", "text": base}]
    question = (
        "Was kostet ein Monat mit 250 kWh brutto einschließlich Grundpreis, wenn der "
        "Spotpreis 6,00 ct/kWh beträgt?"
    )
    result = calculate(ScriptedModel(script=[]), calculate_prompt, question, passages, "de")
    assert result is not None
    assert result.rounded() == Decimal("64.38")  # (6,00 + 12,345) × 1,19 × 250 kWh + 9,80 €
    assert result.sources == [1, 3]
    yearly = question.replace("ein Monat", "ein Jahr").replace("250 kWh", "3.000 kWh")
    plan = formula_plan(yearly, passages)
    assert plan is not None
    assert plan.expression.endswith("+ fee * 12")
    assert formula_plan(question.replace("Grundpreis", "Messentgelt"), passages) is None
    # asked in English over the German sheet, with the included amount after its marker
    english = (
        "I used 250 kWh in May at an average spot price of 6.00 ct/kWh. What is the May bill "
        "in euros, gross, standing charge included?"
    )
    result = calculate(ScriptedModel(script=[]), calculate_prompt, english, passages, "en")
    assert result is not None
    assert result.rounded() == Decimal("64.38")


def test_a_formula_passage_reads_on_with_its_section_from_sql(
    settings: Settings, clean_db: Stores, tmp_path: Path
):
    """Retrieval may hand over the formula without the table of its second variable; the
    calculation reads the formula's whole section from SQL, and only that section."""
    rows = "\n".join(
        f"| Zone {i} | {i:02d}:00–{i + 1:02d}:00 Uhr | {1 + i / 10:.2f} ct/kWh |".replace(".", ",")
        for i in range(1, 40)
    )
    sheet = (
        "# Preisblatt\n\n## 3 Zeitzonen\n\n"
        "Energiepreis brutto mit Stufe 2 = (Spotpreis + 4,321 ct/kWh + Netzentgelt der Zeitzone)"
        f" × 1,19\n\n| Zone | Uhrzeit | netto |\n|---|---|---|\n{rows}\n\n"
        "## 4 Abrechnung\n\nDie Abrechnung erfolgt monatlich; Abschläge sind 12,34 € je Monat.\n"
    )
    runtime = Runtime(settings.model_copy(update={"home": tmp_path}))
    try:
        assert runtime.ingest.ingest(sheet.encode(), "preisblatt.md").chunks > 2
        with runtime.stores.sessions() as session:
            chunks = session.execute(
                select(ItemChunk.item_id, ItemChunk.section, ItemChunk.text).order_by(
                    ItemChunk.ordinal
                )
            ).all()
        item_id, section, text = next(c for c in chunks if "Energiepreis brutto mit" in c.text)
        assert "Zone 39 |" not in text  # the table's last rows are in other chunks
        formula = {"n": 1, "item_id": str(item_id), "section": section, "text": text}
        other = {"n": 2, "item_id": str(item_id), "section": None, "text": "Spotpreis 5 ct/kWh"}
        ctx = SimpleNamespace(sessions=runtime.stores.sessions)
        extended = with_formula_sections([formula, other], ctx)  # type: ignore[arg-type]
        assert "Zone 39 | 39:00–40:00 Uhr | 4,90 ct/kWh" in extended[0]["text"]
        assert "12,34 €" not in extended[0]["text"]  # another section stays out
        assert extended[1] == other  # a passage without a formula is left as it is
    finally:
        runtime.close()


def test_a_formula_in_another_section_of_the_shown_document_is_read_on_from_sql(
    settings: Settings, clean_db: Stores, tmp_path: Path
):
    """Retrieval may show a price sheet's contract and base-price sections but not the one
    that states the price formula: the calculation reads the formula's chunk from the same
    document, added to that document's first shown passage."""
    sheet = (
        "# Preisblatt\n\n## 2 Vertrag\n\nDer Vertrag ist monatlich kündbar.\n\n"
        "## 3 Preise\n\n### 3.1 Arbeitspreis\n\n"
        "Arbeitspreis brutto = (Spotpreis + 12,345 ct/kWh) × 1,19\n\n"
        "### 3.2 Grundpreis\n\nDer Grundpreis beträgt 10,00 € pro Monat brutto.\n"
    )
    runtime = Runtime(settings.model_copy(update={"home": tmp_path}))
    try:
        assert runtime.ingest.ingest(sheet.encode(), "preisblatt.md").chunks > 1
        with runtime.stores.sessions() as session:
            chunks = session.execute(
                select(ItemChunk.item_id, ItemChunk.section, ItemChunk.text)
            ).all()
        shown = [
            {"n": n, "item_id": str(c.item_id), "section": c.section, "text": c.text}
            for n, c in enumerate(chunks, 1)
            if "Arbeitspreis brutto =" not in c.text
        ]
        ctx = SimpleNamespace(sessions=runtime.stores.sessions)
        extended = with_formula_sections(shown, ctx)  # type: ignore[arg-type]
        assert "Arbeitspreis brutto = (Spotpreis + 12,345 ct/kWh) × 1,19" in extended[0]["text"]
        assert extended[1:] == shown[1:]
        question = (
            "Ich habe dieses Jahr gewechselt und im Mai 200 kWh bei 6,00 ct/kWh Spotpreis "
            "verbraucht. Was kostet der Monat inklusive Grundpreis?"
        )
        plan = formula_plan(question, extended)
        assert plan is not None
        assert plan.expression.endswith("+ fee")  # one month: the fee once, not twelve times
    finally:
        runtime.close()


# Invented figures: sheets that give their rule only by a worked example.
EXAMPLE_ONLY = """2 Dynamischer Tarif > Rechenbeispiel
Bei einem Börsenpreis von 9,20 ct/kWh netto beträgt der Arbeitspreis (9,20 + 16,636) × 1,19
= 30,74 ct/kWh brutto."""
EXAMPLE_EN = """3 Dynamic tariff > Worked example
At an exchange price of 4.00 ct/kWh the working price is (4.00 + 11.25 + 2.10) × 1.19 =
20.65 ct/kWh gross."""


def test_a_worked_example_is_the_formula_where_the_sheet_states_none(
    calculate_prompt: LoadedPrompt,
):
    # "netto" says what the given exchange price is; the question asks the gross price.
    question = (
        "Der Börsenpreis soll morgen um 13 Uhr bei 7,85 ct/kWh netto liegen. "
        "Was zahl ich dann im Flex-Tarif brutto pro kWh?"
    )
    passages = [{"n": 1, "title": "Preisblatt", "text": EXAMPLE_ONLY}]
    result = calculate(ScriptedModel(script=[]), calculate_prompt, question, passages, "de")
    assert result is not None
    assert (
        result.render("de") == "Rechnung: (7,85 ct/kWh + 16,636 ct/kWh) × 1,19 = 29,14 ct/kWh [1]"
    )


def test_an_english_worked_example_adds_every_component_to_the_given_price():
    plan = formula_plan(
        "What's the gross price per kWh when the exchange price is 6.50 ct/kWh?",
        [{"n": 3, "title": "Price sheet", "text": EXAMPLE_EN}],
    )
    assert plan is not None
    values = {o.name: (o.value, o.unit, o.source) for o in plan.operands}
    assert plan.expression == "( v1 + c1 + c2 ) * c3"
    assert values["v1"] == ("6.50", "ct/kWh", 0)
    assert values["c1"] == ("11.25", "ct/kWh", 3)
    assert values["c2"] == ("2.10", "ct/kWh", 3)
    assert values["c3"] == ("1.19", "", 3)


@pytest.mark.parametrize(
    "sheet",
    [
        # the arithmetic does not give the stated result: no rule can be read from it
        EXAMPLE_ONLY.replace("30,74", "31,74"),
        # the example's figure is not introduced by name before its calculation
        "Der Arbeitspreis beträgt (9,20 + 16,636) × 1,19 = 30,74 ct/kWh brutto.",
    ],
)
def test_no_formula_from_an_example_that_does_not_check_out(sheet: str):
    question = "Was kostet die kWh brutto bei einem Börsenpreis von 7,85 ct/kWh?"
    assert formula_plan(question, [{"n": 1, "title": "Preisblatt", "text": sheet}]) is None
