"""Computed figures for the RAG answer: cue detection, plan verification, calculate, render."""

from __future__ import annotations

import json
import re
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from luna.graphs.rag.calculation import (
    PLAN_SCHEMA,
    Calculation,
    CalculationPlan,
    CitedOperand,
    Figures,
    calculate,
    plan_calculation,
    verify_plan,
    wants_calculation,
)
from luna.graphs.rag.calculation_plan import (
    NUMBERED_SCHEMA,
    check_plan,
    listed_numbers,
    numbered_block,
    numbers_block,
)
from luna.llm.llama_cpp_chat import LlamaCppChatModel
from luna.prompts.registry import LoadedPrompt, read_prompt_files
from tests.scripted_model import ScriptedModel

D = Decimal

# Invented figures: no document in the repository has these numbers.
PASSAGES: list[dict[str, Any]] = [
    {
        "n": 1,
        "title": "Sonnenstrom Flex – Preisblatt",
        "text": "Zum Spotpreis kommt ein fester Aufschlag von 14,75 ct/kWh netto. Auf alle "
        "Preise wird die Mehrwertsteuer von 19 % erhoben. Grundpreis: 11,20 € pro Monat.",
        "page": 2,
        "section": "Preise",
    },
    {
        "n": 2,
        "title": "Sonnenstrom Flex – FAQ",
        "text": "The monthly base fee of 9.40 EUR covers metering. Typical use: 5,320 kWh.",
        "page": None,
        "section": None,
    },
    {
        "n": 3,
        "title": "Kündigung",
        "text": "Der Vertrag kann jederzeit mit einer Frist von einem Monat gekündigt werden.",
        "page": None,
        "section": None,
    },
]
QUESTION = "Was kostet eine kWh brutto bei einem Spotpreis von 9,20 ct/kWh?"


def operand(name: str, value: str, unit: str, source: int) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "source": source}


GOOD_PLAN: dict[str, Any] = {
    "operands": [
        operand("spot", "9,20", "ct/kWh", 0),
        operand("markup", "14,75", "ct/kWh", 1),
        operand("vat", "19", "%", 1),
    ],
    "expression": "(spot + markup) * (1 + vat/100)",
    "result_unit": "ct/kWh",
}


def plan(**changes: Any) -> CalculationPlan:
    return CalculationPlan.model_validate(GOOD_PLAN | changes)


def with_operand(index: int, **changes: Any) -> CalculationPlan:
    operands = [dict(o) for o in GOOD_PLAN["operands"]]
    operands[index] |= changes
    return plan(operands=operands)


def _calculate_prompt(version: str) -> LoadedPrompt:
    spec = next(
        s for s in read_prompt_files() if s.name == "rag_calculate" and s.version == version
    )
    return LoadedPrompt(spec, spec.template())


@pytest.fixture(scope="module")
def prompt() -> LoadedPrompt:
    """v1.0.0: the model writes the whole plan (operands with values, units and sources)."""
    return _calculate_prompt("1.0.0")


@pytest.fixture(scope="module")
def numbered_prompt() -> LoadedPrompt:
    """v1.1.0: the numbers are listed by id; the model writes only the expression."""
    return _calculate_prompt("1.1.0")


# --- wants_calculation ---------------------------------------------------------------------

NEEDS_ARITHMETIC = [
    "Was kosten 350 kWh im Tarif Luna Strom Dynamisch?",
    "Wie hoch wäre meine Rechnung für 2.400 kWh im Jahr?",
    "Was zahle ich insgesamt für Grundpreis und Arbeitspreis?",
    "Wie viel spare ich mit Modul 3 gegenüber Modul 1?",
    "Was ist der Arbeitspreis inklusive Mehrwertsteuer?",
    "Wie hoch ist der Aufschlag brutto?",
    "Wie viel kostet der Grundpreis im Jahr?",
    "Was kostet eine kWh zwischen 17 und 21 Uhr?",
    "Berechne die Kosten für 120 kWh.",
    "Wie viel würde mich das Laden des Autos kosten?",
    "Um wie viel ist der Hochtarif teurer als der Standardtarif?",
    "Wie groß ist der Unterschied zwischen Netto- und Bruttopreis?",
    "How much would 500 kWh cost?",
    "What is the total of the base fee and the metering fee?",
    "What is the price including VAT?",
    "How much do I save per year with the battery?",
    "What is my bill for 1,200 kWh?",
    "What is the annual base fee?",
    "What does a kWh cost between 5 pm and 9 pm?",
    "Calculate the gross price from the net price.",
    "How much more is the peak rate than the standard rate?",
    "What is the difference between the two feed-in rates?",
    "Was zahlen wir übers Jahr gerechnet an Grundpreis?",
    "What does the base fee come to over the year?",
]
LOOK_UPS = [
    "Wie hoch ist der Grundpreis?",
    "Wie hoch ist der Grundpreis pro Monat?",
    "Wann gilt der Hochtarif im Modul 3?",
    "Welche Geräte gelten als steuerbare Verbrauchseinrichtungen?",
    "Wie lange ist die Kündigungsfrist?",
    "Was ist der Day-Ahead-Preis?",
    "Welche Mindestleistung gilt bei mehr als einer Wärmepumpe?",
    "Gilt die Regel für Anlagen mit 4,2 kW?",
    "Wer ist der Netzbetreiber?",
    "Welcher Kältemittel nutzt die Wärmepumpe LW 9?",
    "Was ist der Arbeitspreis?",
    "What is the base fee?",
    "When does the peak rate apply?",
    "Which devices count as controllable loads?",
    "What is the capacity of the Luna Store 10?",
    "How do I register a heat pump?",
    "What is the feed-in tariff?",
    "Who operates the grid in Musterstadt?",
]


@pytest.mark.parametrize("question", NEEDS_ARITHMETIC)
def test_questions_that_need_arithmetic_are_recognised(question: str):
    assert wants_calculation(question) is True


def test_a_gross_figure_the_passages_state_is_looked_up_not_computed():
    question = "Welches Netzentgelt brutto gilt im Niedertarif nach Modul 3?"
    assert wants_calculation(question) is True  # without passages: compute it from net + VAT
    table = ["Zeitfenster | netto | brutto\nNiedertarif | 2,44 ct/kWh | 2,90 ct/kWh"]
    assert wants_calculation(question, table) is False
    assert wants_calculation(question, ["Niedertarif: 2,44 ct/kWh netto"]) is True
    # a column that names its side by the VAT it includes states gross figures too
    included = ["Stufe | Nettopreis (ohne USt.) | Bruttopreis (inkl. 19 % USt.)\nNT | 2,44 | 2,90"]
    assert wants_calculation(question, included) is False
    # A gross price for a given exchange price still needs the arithmetic.
    spot = "Wie hoch ist der Arbeitspreis brutto bei einem Börsenpreis von 10,00 ct/kWh?"
    assert wants_calculation(spot, table) is True


def test_a_yearly_amount_the_passages_state_is_looked_up_not_computed():
    question = "How much is the annual flat-rate reduction under Module 1?"
    stated = ["Modul 1 | pauschale Reduzierung | 168,00 € brutto pro Jahr (14,00 € pro Monat)"]
    assert wants_calculation(question, stated) is False
    assert wants_calculation(question, ["Modul 1: 14,00 € pro Monat"]) is True  # × 12


@pytest.mark.parametrize("question", LOOK_UPS)
def test_plain_look_ups_need_no_calculation(question: str):
    assert wants_calculation(question) is False


# --- verify_plan ---------------------------------------------------------------------------


def test_a_plan_whose_operands_are_all_written_in_their_sources_passes():
    assert verify_plan(plan(), QUESTION, PASSAGES) == []


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        (with_operand(1, value="14,85"), "'14,85' does not occur in passage [1]"),
        (with_operand(0, value="9,30"), "'9,30' does not occur in the question"),
        (with_operand(1, source=2), "'14,75' does not occur in passage [2]"),
        (with_operand(1, source=7), "there is no passage [7]"),
        (with_operand(2, value="0,19", unit=""), "'0,19' does not occur in passage [1]"),
        (with_operand(2, unit="ct"), "'19' is a percentage in passage [1]"),
        (with_operand(2, name="spot"), "operand name 'spot' is used twice"),
        (with_operand(0, name="max"), "operand name 'max' is a function name"),
        (plan(expression="(spot + markup) * (1 + vat/100) + fee"), "undeclared names: fee"),
        (plan(expression="spot * (1 + vat/100)"), "not used in the expression: markup"),
        (plan(expression="(spot + markup) * (1 + vat)"), "vat must be used as vat / 100"),
        (plan(expression="(spot + markup) * 1.19 + 0 * vat/100"), "the number 1.19"),
        (plan(expression="(spot + markup) * (1 + vat/100) ** 2"), "power"),
        (plan(expression="(spot + markup) / (vat/100 - vat/100)"), "division by zero"),
        (plan(expression="spot + markup +"), "not an arithmetic expression"),
        (plan(expression="(spot + markup) * (1 + vat/100) / 100"), "do not convert units"),
        (plan(expression="spot + markup + vat/100"), "apply a percentage as a factor"),
        (plan(result_unit="€"), "the expression gives €/kWh, but result_unit '€' is €"),
        (plan(expression="round((spot + markup) * (1 + vat/100), 2)"), "calculator rounds"),
    ],
)
def test_verify_plan_rejects_invented_or_misused_operands(bad: CalculationPlan, problem: str):
    problems = verify_plan(bad, QUESTION, PASSAGES)
    assert any(problem in p for p in problems), problems


def test_operand_matching_tolerates_number_formats_but_not_a_different_number():
    # "19%" is "19 %"; "16.131"-style reformatting of a German decimal is the same number.
    passages = [dict(PASSAGES[0], text="Aufschlag 14,75 ct/kWh netto, MwSt. 19%.")]
    assert verify_plan(plan(), QUESTION, passages) == []
    assert verify_plan(with_operand(1, value="14.75"), QUESTION, passages) == []
    assert verify_plan(with_operand(2, value="19 %"), QUESTION, passages) == []
    # German thousands: "5.320" in a German passage is 5320, not 5.32.
    german = [{"n": 1, "title": "Verbrauch", "text": "Jahresverbrauch 5.320 kWh, 7,94 ct/kWh."}]
    kwh_plan = CalculationPlan.model_validate(
        {
            "operands": [operand("kwh", "5320", "kWh", 1), operand("p", "7,94", "ct/kWh", 1)],
            "expression": "kwh * p",
            "result_unit": "€",
        }
    )
    assert verify_plan(kwh_plan, "Was kostet der Jahresverbrauch?", german) == []
    kwh_plan.operands[0].value = "5,32"
    assert "does not occur" in verify_plan(kwh_plan, "Was kostet das?", german)[0]


def test_a_negative_operand_must_be_negative_in_its_source():
    passages = [{"n": 1, "title": "Bonus", "text": "Rabatt −3,5 % auf den Arbeitspreis 30,10 ct."}]
    base = {"expression": "p * (1 + r/100)", "result_unit": "ct"}
    signed = CalculationPlan.model_validate(
        base | {"operands": [operand("p", "30,10", "ct", 1), operand("r", "−3,5", "%", 1)]}
    )
    assert verify_plan(signed, "Preis mit Rabatt?", passages) == []
    invented_sign = CalculationPlan.model_validate(
        base | {"operands": [operand("p", "-30,10", "ct", 1), operand("r", "−3,5", "%", 1)]}
    )
    assert "'-30,10' does not occur" in verify_plan(invented_sign, "Preis?", passages)[0]


# --- Calculation.render --------------------------------------------------------------------


def test_render_writes_the_calculation_in_the_users_language_and_format():
    calc = Calculation(
        value=D("29.31089"),
        result_unit="ct/kWh",
        expression="(spot + markup) * (1 + vat/100)",
        operands=[
            CitedOperand(name="spot", value=D("8.50"), written="8,50", unit="ct/kWh", source=1),
            CitedOperand(
                name="markup", value=D("16.131"), written="16,131", unit="ct/kWh", source=1
            ),
            CitedOperand(name="vat", value=D("19"), written="19", unit="%", source=2),
        ],
    )
    assert calc.render("de") == (
        "Rechnung: (8,50 ct/kWh + 16,131 ct/kWh) × (1 + 19 %) = 29,31 ct/kWh [1] [2]"
    )
    assert calc.render("en") == (
        "Calculation: (8.50 ct/kWh + 16.131 ct/kWh) × (1 + 19%) = 29.31 ct/kWh [1] [2]"
    )
    assert calc.rounded() == D("29.31")
    assert calc.sources == [1, 2]


@pytest.mark.parametrize(
    ("value", "unit", "de"),
    [
        (D("1234.5"), "€", "1.234,50 €"),
        (D("110.95"), "EUR", "110,95 EUR"),
        (D("0.293108"), "€/kWh", "0,2931 €/kWh"),
        (D("12.5000"), "kWh", "12,5 kWh"),
        (D("300.00"), "kWh", "300 kWh"),
        (D("134.4"), "€/Jahr", "134,40 €/Jahr"),
    ],
)
def test_results_are_rounded_by_unit_without_trailing_noise(value: Decimal, unit: str, de: str):
    calc = Calculation(
        value=value,
        result_unit=unit,
        expression="x / 5",
        operands=[CitedOperand(name="x", value=D(5) * value, written="", unit=unit, source=0)],
    )
    assert calc.render("de").endswith(f"= {de}")


# --- calculate with a scripted model -------------------------------------------------------


def test_calculate_computes_a_verified_plan_and_cites_its_passages(prompt: LoadedPrompt):
    model = ScriptedModel(script=[json.dumps(GOOD_PLAN)])
    calc = calculate(model, prompt, QUESTION, PASSAGES, "de")
    assert calc is not None
    assert calc.value == D("28.5005")  # (9.20 + 14.75) × 1.19, exact in Decimal
    assert calc.render("de") == (
        "Rechnung: (9,20 ct/kWh + 14,75 ct/kWh) × (1 + 19 %) = 28,50 ct/kWh [1]"
    )
    assert [(o.name, o.source) for o in calc.operands] == [("spot", 0), ("markup", 1), ("vat", 1)]
    shown = model.prompt(0)
    assert f"QUESTION: {QUESTION}" in shown
    assert '- 14,75 ct/kWh, source 1: "Spotpreis kommt ein fester Aufschlag von 14,75 ct' in shown
    assert "Kündigung" not in shown  # a passage without numbers cannot hold an operand


def test_a_rejected_plan_is_sent_back_once_with_its_problems(prompt: LoadedPrompt):
    invented = with_operand(1, value="14,85").model_dump_json()
    model = ScriptedModel(script=[invented, json.dumps(GOOD_PLAN)])
    calc = calculate(model, prompt, QUESTION, PASSAGES, "de")
    assert calc is not None
    assert calc.rounded() == D("28.50")
    retry = model.prompt(1)
    assert invented in retry
    assert "'14,85' does not occur in passage [1]" in retry


def test_no_figure_when_the_retry_is_rejected_too(prompt: LoadedPrompt):
    invented = with_operand(1, value="14,85").model_dump_json()
    model = ScriptedModel(script=["Die Antwort ist 28,50 ct/kWh.", invented])
    assert calculate(model, prompt, QUESTION, PASSAGES, "de") is None
    assert "not a JSON plan" in model.prompt(1)
    assert model.script == []  # at most two model calls


def test_operands_are_converted_to_euro_and_kwh_before_computing(prompt: LoadedPrompt):
    passages = [{"n": 1, "title": "Tarif", "text": "Arbeitspreis 27,90 ct/kWh, 10,50 € pro Monat."}]
    bill = {
        "operands": [
            operand("energy", "280", "kWh", 0),
            operand("price", "27,90", "ct/kWh", 1),
            operand("base", "10,50", "€", 1),
        ],
        "expression": "energy * price + base",
        "result_unit": "ct",  # an amount in cents is shown in euros
    }
    model = ScriptedModel(script=[json.dumps(bill)])
    calc = calculate(model, prompt, "Was kostet ein Monat mit 280 kWh?", passages, "de")
    assert calc is not None
    assert calc.render("de") == "Rechnung: 280 kWh × 27,90 ct/kWh + 10,50 € = 88,62 € [1]"


def test_a_result_unit_that_does_not_fit_the_expression_takes_the_expressions_unit(
    prompt: LoadedPrompt,
):
    """The small model subtracts the rates and multiplies by the question's kWh right, then
    declares the result in ct/kWh; the expression's unit is money, so the result is in €.
    Without the question's 40 kWh among the operands the calculation itself is wrong."""
    passages = [{"n": 2, "title": "Preisblatt", "text": "HT 13,40 ct/kWh; NT 2,44 ct/kWh netto."}]
    question = "Wie viel spart er, wenn er 40 kWh im NT statt im HT lädt?"
    saving = {
        "operands": [
            operand("ht", "13,40", "ct/kWh", 2),
            operand("nt", "2,44", "ct/kWh", 2),
            operand("energy", "40", "kWh", 0),
        ],
        "expression": "(ht - nt) * energy",
        "result_unit": "ct/kWh",
    }
    calc = calculate(ScriptedModel(script=[json.dumps(saving)]), prompt, question, passages, "de")
    assert calc is not None
    assert calc.render("de").endswith("= 4,38 € [2]")
    per_kwh = saving | {"operands": saving["operands"][:2], "expression": "ht - nt"}
    per_kwh["result_unit"] = "€"
    model = ScriptedModel(script=[json.dumps(per_kwh), json.dumps(per_kwh)])
    assert calculate(model, prompt, question, passages, "de") is None


def test_a_gross_operand_for_a_net_question_and_a_negative_saving_are_sent_back(
    prompt: LoadedPrompt,
):
    table = (
        "Tarifstufe | netto | brutto\n"
        "Niedertarif (NT) | 2,44 ct/kWh | 2,90 ct/kWh\n"
        "Hochtarif (HT) | 13,40 ct/kWh | 15,95 ct/kWh"
    )
    passages = [{"n": 1, "title": "Preisblatt", "text": table}]
    question = "Wie viel Netzentgelt (netto) spart er, wenn er 40 kWh im NT statt im HT lädt?"

    def plan(high: str, expression: str) -> str:
        operands = [
            operand("nt", "2,44", "ct/kWh", 1),
            operand("ht", high, "ct/kWh", 1),
            operand("energy", "40", "kWh", 0),
        ]
        return json.dumps({"operands": operands, "expression": expression, "result_unit": "€"})

    model = ScriptedModel(
        script=[plan("15,95", "(nt - ht) * energy"), plan("13,40", "(ht - nt) * energy")]
    )
    calc = calculate(model, prompt, question, passages, "de")
    assert calc is not None
    assert calc.render("de").endswith("= 4,38 € [1]")
    retry = str(model.seen[1][-1].content)
    assert "15,95 is gross (brutto)" in retry
    checked = check_plan(
        CalculationPlan.model_validate_json(plan("13,40", "(nt - ht) * energy")),
        question,
        passages,
        "de",
    )
    assert checked.problems == [
        "the difference is negative: subtract the smaller value from the larger"
    ]


def test_a_plan_adding_the_net_and_the_gross_value_of_one_price_is_sent_back():
    row = "Arbeitspreis HT | Mo–Fr 06:00–22:00 Uhr | ct/kWh | 24,60 | 29,27"
    passages = [{"n": 1, "title": "Preisblatt 2026", "text": f"Position | Zeit | Einheit\n{row}"}]
    question = "Was kosten 15.000 kWh im Hochtarif?"

    def plan(expression: str) -> CalculationPlan:
        operands = [
            operand("net", "24,60", "ct/kWh", 1),
            operand("gross", "29,27", "ct/kWh", 1),
            operand("energy", "15.000", "kWh", 0),
        ]
        return CalculationPlan.model_validate(
            {"operands": operands, "expression": expression, "result_unit": "€"}
        )

    checked = check_plan(plan("(net + gross) * energy"), question, passages, "de")
    assert checked.problems == [
        "operands net and gross are the net and the gross value of the same price; use one of them"
    ]
    # the VAT in a kWh is their difference: a question about VAT may use both
    vat = "Wie viel Umsatzsteuer zahlen wir auf 15.000 kWh im Hochtarif?"
    assert check_plan(plan("(gross - net) * energy"), vat, passages, "de").problems == []


def test_a_figure_asked_net_and_gross_is_computed_net_then_with_the_stated_vat(
    prompt: LoadedPrompt,
):
    sheet = (
        "Position | netto | brutto\n"
        "Leistungspreis | 118,00 €/kW | 140,42 €/kW\n"
        "Alle Nettopreise zuzüglich Umsatzsteuer von derzeit 19 %."
    )
    passages = [{"n": 1, "title": "Preisblatt 2026", "text": sheet}]
    question = "Was zahlen wir an Leistungspreis bei 512 kW Jahreshöchstleistung? netto und brutto"
    calc = calculate(ScriptedModel(script=[]), prompt, question, passages, "de")
    assert isinstance(calc, Figures)
    net, gross = calc.items
    assert net.value == D("60416.00")  # 512 kW × 118,00 €/kW, the net rate
    assert gross.value == D("71895.04")  # × 1,19, the rate the sheet states
    assert gross.sources == [1]
    # asked one side only, one figure
    single = calculate(ScriptedModel(script=[]), prompt, question[:-17] + "netto", passages, "de")
    assert isinstance(single, Calculation)


def test_a_period_may_be_an_operand_of_the_question(prompt: LoadedPrompt):
    year = {
        "operands": [operand("base", "11,20", "€/Monat", 1), operand("months", "12", "Monate", 0)],
        "expression": "base * months",
        "result_unit": "€",
    }
    question = "Was kostet der Grundpreis im Jahr?"
    checked = check_plan(CalculationPlan.model_validate(year), question, PASSAGES, "de")
    assert checked.problems == []
    assert checked.values == {"base": Decimal("11.20"), "months": Decimal(12)}
    # The shape is common enough that code scales the monthly amount without asking the model.
    calc = calculate(ScriptedModel(script=[]), prompt, question, PASSAGES, "de")
    assert calc is not None
    assert calc.render("de") == "Rechnung: 11,20 € × 12 = 134,40 € [1]"


def test_a_monthly_fee_in_a_yearly_answer_needs_its_12(prompt: LoadedPrompt):
    passages = [
        {"n": 1, "title": "T", "text": "Arbeitspreis 25,90 ct/kWh, Grundpreis 8,50 € pro Monat."}
    ]
    question = "Was kosten 1.200 kWh im Jahr inklusive Grundpreis?"
    forgot = CalculationPlan.model_validate(
        {
            "operands": [
                operand("energy", "1.200", "kWh", 0),
                operand("price", "25,90", "ct/kWh", 1),
                operand("base", "8,50", "€", 1),
            ],
            "expression": "energy * price + base",
            "result_unit": "€",
        }
    )
    assert verify_plan(forgot, question, passages) == [
        "base is per month and the question asks per year: multiply by 12"
    ]
    assert verify_plan(forgot, "Was kosten 1.200 kWh im Monat?", passages) == []
    yearly = forgot.model_copy(update={"expression": "energy * price + base * 12"})
    model = ScriptedModel(script=[forgot.model_dump_json(), yearly.model_dump_json()])
    calc = calculate(model, prompt, question, passages, "de")
    assert calc is not None
    assert calc.render("de") == ("Rechnung: 1.200 kWh × 25,90 ct/kWh + 8,50 € × 12 = 412,80 € [1]")
    assert "multiply by 12" in model.prompt(1)


def test_vat_is_taken_out_by_dividing_not_by_subtracting_its_percentage():
    passages = [{"n": 1, "title": "T", "text": "Grundpreis 11,90 € brutto, inkl. 19 % MwSt."}]
    question = "Wie hoch ist der Grundpreis ohne MwSt.?"
    subtracted = CalculationPlan.model_validate(
        {
            "operands": [operand("price", "11,90", "€", 1), operand("vat", "19", "%", 1)],
            "expression": "price * (1 - vat / 100)",
            "result_unit": "€",
        }
    )
    assert verify_plan(subtracted, question, passages) == [
        "VAT is taken out of a gross amount by dividing by (1 + vat / 100), not by multiplying "
        "by (1 - vat / 100)"
    ]
    divided = subtracted.model_copy(update={"expression": "price / (1 + vat / 100)"})
    assert verify_plan(divided, question, passages) == []


def test_a_question_for_money_gets_money_not_a_plain_number_or_kilowatts():
    passages = [{"n": 1, "title": "T", "text": "Grundgebühr 1.140,00 € je Monat; 4 Module."}]
    plain = CalculationPlan.model_validate(
        {
            "operands": [operand("modules", "4", "", 1), operand("more", "1", "", 0)],
            "expression": "modules + more",
            "result_unit": "",
        }
    )
    question = "Wie viel zahlt der Betrieb 1 Jahr lang an Grundgebühr?"
    assert verify_plan(plain, question, passages) == [
        "the question asks for an amount of money, but result_unit '' is none"
    ]
    power = "What is the charge power of 1 battery with 4 modules?"  # a charge power is no fee
    assert verify_plan(plain, power, passages) == []


def test_unused_operands_are_dropped_by_calculate_but_flagged_by_verify_plan(
    prompt: LoadedPrompt,
):
    extra = dict(GOOD_PLAN, operands=[*GOOD_PLAN["operands"], operand("base", "11,20", "€", 1)])
    problems = verify_plan(CalculationPlan.model_validate(extra), QUESTION, PASSAGES)
    assert problems == ["operands not used in the expression: base"]
    calc = calculate(ScriptedModel(script=[json.dumps(extra)]), prompt, QUESTION, PASSAGES, "de")
    assert calc is not None
    assert [o.name for o in calc.operands] == ["spot", "markup", "vat"]


def test_plan_calculation_reads_a_fenced_plan_and_gives_none_for_prose(prompt: LoadedPrompt):
    fenced = ScriptedModel(script=[f"```json\n{json.dumps(GOOD_PLAN)}\n```"])
    assert plan_calculation(fenced, prompt, QUESTION, PASSAGES) == plan()
    prose = ScriptedModel(script=["Das sind etwa 28 ct."])
    assert plan_calculation(prose, prompt, QUESTION, PASSAGES) is None


def test_numbers_list_gives_value_unit_source_and_context_but_no_times_years_or_dates():
    passages = [
        {
            "n": 1,
            "title": "T",
            "text": "Stand 2025. Ab 31.12.2025 gilt von 17 bis 21 Uhr "
            "ein Netzentgelt von 11,40 ct/kWh; Grundpreis 9 € pro Monat; MwSt. 19 %.",
        },
        {"n": 2, "title": "Keine Zahlen", "text": "Der Vertrag ist monatlich kündbar."},
    ]
    lines = numbers_block("Was kosten 1.200 kWh um 18:30?", passages).splitlines()
    assert lines[0] == '- 1.200 kWh, source 0: "Was kosten 1.200 kWh um 18:30?"'
    assert [line.split(":")[0] for line in lines[1:]] == [
        "- 11,40 ct/kWh, source 1",
        "- 9 €, source 1",
        "- 19 %, source 1",
    ]
    assert "von 17 bis 21 Uhr ein Netzentgelt von 11,40 ct/kWh" in lines[1]
    assert numbers_block("Wie hoch ist der Grundpreis?", passages[1:]) == "(none)"


def test_a_table_cell_is_listed_with_its_row_and_column_headings_not_its_neighbours():
    """Listed with the words around it, "13,40" would read "Q1 und Q4 | 13,40 ct/kWh |
    15,95": the model could not tell net from gross or the high from the low tariff."""
    text = (
        "4 Module > 4.2 Modul 3 – Zeitfenster\n"
        "Tarifstufe | Zeitfenster | Quartale | netto | brutto\n"
        "Niedertarif (NT) | 00:00–06:00 Uhr | Q1–Q4 | 2,44 ct/kWh | 2,90 ct/kWh\n"
        "Hochtarif (HT) | 16:00–20:00 Uhr | Q1 und Q4 | 13,40 ct/kWh | 15,95 ct/kWh\n"
        "Tarifstufe: Hochtarif (HT) · Zeitfenster: 16:00–20:00 Uhr · netto: 13,40 ct/kWh\n"
        "Monat | Verbrauch (kWh)\n"
        "Januar | 68.420"
    )
    lines = numbers_block("Was spart er bei 40 kWh?", [{"n": 2, "title": "T", "text": text}])
    assert lines.splitlines()[1:] == [
        '- 2,44 ct/kWh, source 2: "Niedertarif (NT), 00:00–06:00 Uhr, Q1–Q4 · netto"',
        '- 2,90 ct/kWh, source 2: "Niedertarif (NT), 00:00–06:00 Uhr, Q1–Q4 · brutto"',
        '- 13,40 ct/kWh, source 2: "Hochtarif (HT), 16:00–20:00 Uhr, Q1 und Q4 · netto"',
        '- 15,95 ct/kWh, source 2: "Hochtarif (HT), 16:00–20:00 Uhr, Q1 und Q4 · brutto"',
        '- 68.420 kWh, source 2: "Januar · Verbrauch (kWh)"',  # the unit from the heading
    ]  # no section numbers, no "3" of "Modul 3", the spelled-out row not twice


def test_the_shipped_prompt_lists_numbers_and_its_worked_examples_use_invented_figures(
    prompt: LoadedPrompt,
):
    assert prompt.spec.variables == ["numbers", "question"]
    worked = "\n".join(m.content for m in prompt.spec.messages[1:-2])
    root = Path(__file__).resolve().parents[2]
    texts = [*(root / "samples" / "knowledge").glob("*.[mt][dx]*")]
    texts.append(root / "scripts" / "build_sample_knowledge.py")  # the PDFs' and DOCX's text
    documents = " ".join(p.read_text(encoding="utf-8") for p in texts)
    figures = re.findall(r"\d+[.,]\d+", worked)
    assert len(figures) >= 4
    assert [f for f in figures if f in documents] == []


def test_the_schema_limits_the_expression_to_arithmetic_characters():
    pattern = PLAN_SCHEMA["properties"]["expression"]["pattern"]
    assert "×" not in pattern
    assert "%" not in pattern
    assert PLAN_SCHEMA["$defs"]["Operand"]["required"] == ["name", "value", "unit", "source"]


def test_the_numbered_schema_bounds_the_expression_a_listing_of_every_id_cannot_close():
    pattern = NUMBERED_SCHEMA["properties"]["expression"]["pattern"]
    six_months = "n1 + n2 + n3 + n4 + n5 + n6"
    formula = "((n1 + n2) * (1 + n3 / 100) * n4 + n5) / 12"
    every_id = " + ".join(f"n{i}" for i in range(1, 25))
    assert re.fullmatch(pattern, six_months)
    assert re.fullmatch(pattern, formula)
    assert re.fullmatch(pattern, every_id) is None


# --- numbered numbers (rag_calculate v1.1.0) --------------------------------------------------


def expression(text: str) -> str:
    return json.dumps({"expression": text})


def test_a_numbered_plan_is_an_expression_over_listed_ids_that_code_computes_and_cites(
    numbered_prompt: LoadedPrompt,
):
    model = ScriptedModel(script=[expression("(n1 + n2) * (1 + n3 / 100)")])
    calc = calculate(model, numbered_prompt, QUESTION, PASSAGES, "de")
    assert calc is not None
    assert calc.render("de") == (
        "Rechnung: (9,20 ct/kWh + 14,75 ct/kWh) × (1 + 19 %) = 28,50 ct/kWh [1]"
    )
    shown = model.prompt(0)
    assert 'n1 = 9,20 ct/kWh (question) "' in shown
    assert 'n2 = 14,75 ct/kWh [1] "Spotpreis kommt ein fester Aufschlag' in shown


def test_a_bare_percentage_id_is_read_as_a_percentage(numbered_prompt: LoadedPrompt):
    model = ScriptedModel(script=[expression("(n1 + n2) * (1 + n3)")])
    calc = calculate(model, numbered_prompt, QUESTION, PASSAGES, "de")
    assert calc is not None
    assert calc.rounded() == D("28.50")


def test_an_unlisted_id_or_a_question_quantity_left_out_is_sent_back(
    numbered_prompt: LoadedPrompt,
):
    model = ScriptedModel(script=[expression("n2 * (1 + n9 / 100)"), expression("n2 * n3")])
    assert calculate(model, numbered_prompt, QUESTION, PASSAGES, "de") is None
    assert "n9 is not listed" in model.prompt(1)
    assert model.script == []
    model = ScriptedModel(script=[expression("n2 * (1 + n3 / 100)")] * 2)
    assert calculate(model, numbered_prompt, QUESTION, PASSAGES, "de") is None
    assert "n1 (9,20 ct/kWh, from the question) is not used" in model.prompt(1)


def test_the_result_takes_the_unit_of_its_operands_or_percent_where_the_question_asks(
    numbered_prompt: LoadedPrompt,
):
    note = [{"n": 1, "title": "Notiz", "text": "Monat | Spitzenlast kW\nFebruar | 211,3"}]
    question = "Um wie viel kW lag die Spitzenlast im Februar über 190 kW?"
    model = ScriptedModel(script=[expression("n2 - n1")])
    calc = calculate(model, numbered_prompt, question, note, "de")
    assert calc is not None
    assert calc.render("de") == "Rechnung: 211,3 kW − 190 kW = 21,3 kW [1]"
    question = "Um wie viel Prozent lag die Spitzenlast im Februar über 190 kW?"
    model = ScriptedModel(script=[expression("(n2 - n1) / n1")])
    calc = calculate(model, numbered_prompt, question, note, "de")
    assert calc is not None
    assert calc.render("de").endswith("= 11,21 % [1]")


def test_the_numbers_list_keeps_the_questions_and_the_passage_numbers_nearest_the_question():
    prices = [f"Tarif {chr(65 + i)} kostet {10 + i},50 ct/kWh." for i in range(30)]
    passages = [
        {"n": 1, "title": "Preise", "text": " ".join(prices)},
        {"n": 2, "title": "Grundpreis", "text": "Der Grundpreis beträgt 7,77 € pro Monat."},
    ]
    question = "Was kosten 100 kWh mit dem Grundpreis?"
    listed = listed_numbers(question, passages, limit=6)
    assert len(listed) == 6
    assert (listed[0].value, listed[0].unit, listed[0].source) == ("100", "kWh", 0)
    assert ("7,77", "€", 2) in [(n.value, n.unit, n.source) for n in listed]
    block = numbered_block(listed).splitlines()
    assert block[0].startswith("n1 = 100 kWh (question)")
    assert block[-1].startswith("n6 = 7,77 € [2]")  # reading order after the choice


# --- with the real local model -------------------------------------------------------------


@pytest.fixture(scope="module")
def real_model(tmp_path_factory: pytest.TempPathFactory) -> LlamaCppChatModel:
    from luna.config import Settings
    from luna.llm.bundled_model import ensure_bundled_model
    from luna.llm.factory import build_chat_model

    home: Path = tmp_path_factory.mktemp("calc-home")
    ensure_bundled_model(Settings(_env_file=None).model_cache_dir)  # type: ignore[call-arg]
    settings = Settings(home=home, llm_threads=1, _env_file=None)  # type: ignore[call-arg]
    model = build_chat_model(settings)
    assert isinstance(model, LlamaCppChatModel)
    return model


@pytest.mark.slow
def test_the_real_model_plans_a_gross_price_that_code_computes(
    real_model: LlamaCppChatModel, prompt: LoadedPrompt, caplog: pytest.LogCaptureFixture
):
    passages = [
        {
            "n": 1,
            "title": "Sonnenstrom Flex – Preisblatt",
            "text": "Der Arbeitspreis ist der Spotpreis plus ein Aufschlag von 14,75 ct/kWh "
            "(netto). Hinzu kommt die Mehrwertsteuer von 19 %.",
            "page": 1,
            "section": None,
        }
    ]
    question = "Was kostet eine kWh brutto, wenn der Spotpreis 9,20 ct/kWh netto beträgt?"
    start = time.perf_counter()
    with caplog.at_level("INFO", logger="luna.graphs.rag.calculation"):
        calc = calculate(real_model, prompt, question, passages, "de")
    rejected = [r.getMessage() for r in caplog.records if "rejected" in r.getMessage()]
    print(f"calculate took {time.perf_counter() - start:.1f} s, rejected plans: {rejected}")
    print(calc and calc.render("de"))
    assert calc is not None
    assert calc.rounded() == D("28.50")


def test_money_written_out_in_words_keeps_its_unit():
    """ "12.40 euro cents per kWh" is a rate in cents, "30 euros" an amount in euros."""
    text = "The Buyer pays 12.40 euro cents per kWh delivered. A late fee of 30 euros applies."
    listed = listed_numbers("What does a kWh cost?", [{"n": 1, "text": text}])
    assert [(n.value, n.unit) for n in listed if n.source == 1] == [
        ("12.40", "ct"),
        ("30", "euros"),
    ]
