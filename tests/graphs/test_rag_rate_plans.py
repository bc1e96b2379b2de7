"""An amount of money that is a stated rate times the question's quantity is computed by code."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from luna.config import AnswerCheck, Settings
from luna.graphs.rag.calculation import calculate
from luna.graphs.rag.graph import build_rag_graph
from luna.graphs.rag.rate_plans import rate_plan
from luna.graphs.rag.state import RagContext
from luna.prompts.registry import LoadedPrompt, register_files
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from tests.scripted_model import ScriptedModel

# Invented figures, in the shapes of a grid operator's time-variable fee table and a
# facility manager's note.
FEES = """5 Netzentgelte > 5.3 Zeitvariables Netzentgelt
Stufe | Zeitfenster | Quartale | netto | brutto
Niedrigstufe (NS) | 01:00–05:00 Uhr | Q1–Q4 | 1,80 ct/kWh | 2,14 ct/kWh
Normalstufe (MS) | 05:00–17:00 Uhr | Q1–Q4 | 7,60 ct/kWh | 9,04 ct/kWh
Hochstufe (HS) | 17:00–21:00 Uhr | Q1 und Q4 | 12,90 ct/kWh | 15,35 ct/kWh"""
NOTE = """Notes on the 2027 grid fees
The demand charge of our grid operator is 98.50 €/kW per year (net), billed on the annual
peak. The energy charge is 2.10 ct/kWh net."""
PASSAGES: list[dict[str, Any]] = [
    {"n": 1, "title": "Netzentgelte 2027", "text": FEES},
    {"n": 2, "title": "Facility note", "text": NOTE},
]


def test_a_saving_between_two_named_tariff_windows_is_computed_without_a_model(
    calculate_prompt: LoadedPrompt,
):
    question = (
        "Wie viel Netzentgelt (netto) spart man, wenn man 50 kWh in der Niedrigstufe statt in "
        "der Hochstufe lädt?"
    )
    model = ScriptedModel(script=[])  # any model call would fail the test
    result = calculate(model, calculate_prompt, question, PASSAGES, "de")
    assert result is not None
    assert result.rounded() == Decimal("5.55")  # (12,90 − 1,80) ct/kWh × 50 kWh = 555 ct
    assert result.render("de") == ("Rechnung: (12,90 ct/kWh − 1,80 ct/kWh) × 50 kWh = 5,55 € [1]")


@pytest.mark.parametrize(
    "question",
    [
        "wie viel netzentgelt netto sparen wir, wenn wir 50 kWh von der hochstufe in die "
        "niedrigstufe verschieben?",
        "What do we save net if we shift 50 kWh of charging from the Hochstufe to the "
        "Niedrigstufe?",
    ],
)
def test_a_shift_from_one_window_to_another_is_priced_as_the_difference(question: str):
    plan = rate_plan(question, PASSAGES)
    assert plan is not None
    assert plan.expression == "(replaced_rate - chosen_rate) * quantity"
    assert [o.value for o in plan.operands] == ["12,90", "1,80", "50"]


def test_a_demand_charge_saving_is_the_peak_reduction_times_the_rate_per_kw(
    calculate_prompt: LoadedPrompt,
):
    question = "How much demand charge would we save if the peak fell from 240 kW to 205 kW?"
    result = calculate(ScriptedModel(script=[]), calculate_prompt, question, PASSAGES, "en")
    assert result is not None
    assert result.rounded() == Decimal("3447.50")  # (240 − 205) kW × 98.50 €/kW
    assert result.sources == [2]


def test_the_only_rate_per_kw_is_taken_though_its_name_stands_too_far_before_it():
    note = (
        "Kosten: Leistungspreis 2027 laut Preisblatt des Netzbetreibers (Mittelspannung, "
        "über 2.500 Benutzungsstunden): 87,25 €/kW und Jahr netto."
    )
    plan = rate_plan(
        "Wenn wir die Spitze von 210 kW auf 180 kW drücken, was sparen wir dann?",
        [{"n": 4, "title": "Notiz", "text": note}],
    )
    assert plan is not None
    assert plan.expression == "(before - after) * rate"
    assert [(o.value, o.source) for o in plan.operands] == [("210", 0), ("180", 0), ("87,25", 4)]


def test_a_cost_takes_the_gross_rate_of_the_window_the_question_names():
    question = "Was kostet es brutto, 20 kWh in der Hochstufe zu laden?"
    plan = rate_plan(question, PASSAGES)
    assert plan is not None
    assert plan.expression == "quantity * rate"
    assert {(o.value, o.source) for o in plan.operands} == {("20", 0), ("15,35", 1)}


# A supplier's sheet that writes each row's unit in a column of its own and the net/gross
# side as the VAT a column leaves out or includes (invented figures).
UNIT_COLUMN = (
    (
        "Preisbestandteil | Zeitfenster | Einheit | Nettopreis (ohne USt.) | "
        "Bruttopreis (inkl. 19 % USt.)\n"
    )
    + """Arbeitspreis Hochtarif (HT) | Mo–Fr 07:00–21:00 Uhr | ct/kWh | 23,10 | 27,49
Arbeitspreis Niedertarif (NT) | übrige Zeit | ct/kWh | 17,40 | 20,71
Grundpreis | – | €/Monat | 75,00 | 89,25"""
)


@pytest.mark.parametrize(
    ("question", "quantity", "rate"),
    [
        ("Was kosten uns 12.000 kWh im Hochtarif, brutto?", "12.000", "27,49"),
        ("What do 12,000 kWh off-peak (NT) cost excl. VAT?", "12,000", "17,40"),
    ],
)
def test_a_units_column_and_the_vat_a_column_names_pick_the_rate(
    question: str, quantity: str, rate: str
):
    plan = rate_plan(question, [{"n": 1, "title": "Preisblatt", "text": UNIT_COLUMN}])
    assert plan is not None
    assert {(o.value, o.unit) for o in plan.operands} == {(quantity, "kWh"), (rate, "ct/kWh")}


@pytest.mark.parametrize(
    "question",
    [
        # no window named: three rates fit equally well
        "Was kosten 20 kWh netto?",
        # not an amount of money
        "Wie viel kWh sind 20 kWh in der Hochstufe?",
        # the question brings a price of its own: not this shape
        "Was kosten 20 kWh in der Hochstufe bei einem Börsenpreis von 9,00 ct/kWh?",
        # another part of the amount besides the rate
        "Was kosten 20 kWh in der Hochstufe brutto inklusive Grundpreis?",
        # no quantity to multiply
        "What does the demand charge cost?",
    ],
)
def test_no_rate_plan_where_the_rate_is_not_unambiguous(question: str):
    plan = rate_plan(question, PASSAGES)
    assert plan is None, plan


def test_the_graph_computes_a_rate_answer_without_asking_the_model_anything(
    settings: Settings, clean_db: Stores, tmp_path: Path
):
    """The figure is in no passage, so the model's answerability check would refuse it; code
    that computes it from the passages answers instead, and no model call is made."""
    sheet = "# Netzentgelte 2027\n\n## 5.3 Zeitvariables Netzentgelt\n\n" + "\n".join(
        [
            "| Stufe | Zeitfenster | Quartale | netto | brutto |",
            "|---|---|---|---|---|",
            *[f"| {' | '.join(row.split(' | '))} |" for row in FEES.split("\n")[2:]],
        ]
    )
    runtime = Runtime(settings.model_copy(update={"home": tmp_path}))
    try:
        with session_scope(runtime.stores.sessions) as session:
            register_files(session)
        assert runtime.ingest.ingest(sheet.encode(), "netzentgelte.md").chunks > 0
        ctx = RagContext(
            retriever=runtime.retriever,
            chat_model=ScriptedModel(script=[]),  # any model call would fail the test
            sessions=runtime.stores.sessions,
            model_name="scripted",
            top_k=4,
            answer_check=AnswerCheck.MODEL,
        )
        question = (
            "Wie viel Netzentgelt (netto) spart man, wenn man 50 kWh in der Niedrigstufe statt "
            "in der Hochstufe lädt?"
        )
        nodes, state = [], {}
        for update in build_rag_graph().stream(
            {"messages": [HumanMessage(question)], "question": question},
            context=ctx,
            stream_mode="updates",
        ):
            for node, values in update.items():
                nodes.append(node)
                state.update(values or {})
        assert nodes[-2:] == ["check", "calculate"]
        assert state["answer"].startswith("Rechnung: (12,90 ct/kWh − 1,80 ct/kWh) × 50 kWh")
        assert state["answer"].split(" [")[0].endswith("= 5,55 €")
    finally:
        runtime.close()


def test_a_net_figure_asked_also_with_a_given_vat_rate_is_shown_both_ways(
    calculate_prompt: LoadedPrompt,
):
    """ "Was sparen wir netto im Jahr, und was macht das mit 19 % MwSt.?": the rate times the
    quantity, net, and that figure with the question's VAT; the 19 % is no second quantity."""
    question = (
        "Wenn wir die Jahreshöchstlast um 10 kW senken: Was sparen wir beim Leistungspreis "
        "netto im Jahr, und was macht das mit 19 % MwSt.?"
    )
    result = calculate(ScriptedModel(script=[]), calculate_prompt, question, PASSAGES, "de")
    assert result is not None
    assert result.render("de").split("\n") == [
        "Rechnung: 10 kW × 98,50 €/kW = 985,00 € [2]",
        "Rechnung: 10 kW × 98,50 €/kW × (1 + 19 %) = 1.172,15 € [2]",
    ]


@pytest.mark.parametrize(
    "question",
    [
        "If I move 50 kWh of charging in January from the evening window (6 to 8 pm) to the "
        "night window before 4 am, how much do I save net?",
        "Was spare ich netto, wenn ich im Januar 50 kWh von der Abendzeit (18 bis 20 Uhr) "
        "in die Nachtzeit vor 4 Uhr verschiebe?",
    ],
)
def test_a_shift_between_windows_named_by_their_times_takes_each_windows_rate(question: str):
    """The windows are named by their hours, not by the sheet's names for them: each side's
    time picks its row of the window table ("before 4 am" is the minute before 4)."""
    plan = rate_plan(question, PASSAGES)
    assert plan is not None, question
    assert [(o.name, o.value) for o in plan.operands] == [
        ("replaced_rate", "12,90"),
        ("chosen_rate", "1,80"),
        ("quantity", "50"),
    ]


def test_the_current_versions_rate_is_taken_unless_the_question_names_only_the_older_year():
    passages = [
        {"n": 1, "title": "Preisblatt 2026", "text": "Leistungspreis: 118,00 €/kW im Jahr netto",
         "valid_from": "2026-01-01"},
        {"n": 2, "title": "Preisblatt 2025", "text": "Leistungspreis: 104,00 €/kW im Jahr netto",
         "valid_from": "2025-01-01", "superseded_by": "sheet-2026"},
    ]  # fmt: skip
    now = rate_plan("Was zahlen wir 2026 an Leistungspreis bei 572 kW wie 2025?", passages)
    assert now is not None
    assert [o.value for o in now.operands] == ["572", "118,00"]
    then = rate_plan("Was hätte uns 2025 der Leistungspreis bei 572 kW gekostet?", passages)
    assert then is not None
    assert [o.value for o in then.operands] == ["572", "104,00"]


# A heat pump datasheet's model table (heating output beside electrical input) and a grid
# operator's letter naming the installed model (invented figures).
DATASHEET = """Technische Daten
Modell | Heizleistung (kW) | Leistungsaufnahme elektrisch (kW) | COP
TW 60 | 60,0 | 17,1 | 3,5
TW 90 | 90,0 | 26,4 | 3,4"""
LETTER = "Wir bestätigen die Wärmepumpe TW-90 (elektrische Anschlussleistung 26,4 kW) ab 1. Mai."


@pytest.mark.parametrize(
    ("question", "rate"),
    [
        ("Die TW 90 läuft 6 Stunden im Niedertarif. Was kostet das netto?", "17,40"),
        ("What does it cost gross to run the TW-90 for 3 hours in the high tariff?", "27,49"),
    ],
)
def test_a_named_devices_hours_are_priced_at_its_electrical_power(question: str, rate: str):
    passages = [
        {"n": 1, "title": "Preisblatt", "text": UNIT_COLUMN},
        {"n": 2, "title": "Datenblatt TW", "text": DATASHEET},
        {"n": 3, "title": "Schreiben Netzbetreiber", "text": LETTER},
    ]
    plan = rate_plan(question, passages)
    assert plan is not None
    assert plan.expression == "power * hours * rate"
    by_name = {o.name: (o.value, o.unit) for o in plan.operands}
    assert by_name["power"] == ("26,4", "kW")  # the input, not the 90 kW heating output
    assert by_name["rate"] == (rate, "ct/kWh")
    # a device no passage states a power for gets no plan
    assert rate_plan(question.replace("90", "120"), passages) is None


# A grid operator's letter on a reduced grid fee, and a facility note's monthly heat pump
# consumption with the sum code writes under it for the question's period (invented figures).
GRID_LETTER = """Sie haben Modul 2 gewählt. Für den Verbrauch der Wärmepumpe gilt ein reduzierter
Arbeitspreis des Netzentgelts.
Netzentgelt 2026 | Arbeitspreis netto
regulärer Arbeitspreis | 7,20 ct/kWh
reduzierter Arbeitspreis Modul 2 | 2,88 ct/kWh
Alle Preise zuzüglich 19 % Umsatzsteuer."""
HEAT_PUMP_NOTE = """Monat | Strombezug (kWh) | Wärmepumpe (kWh)
Mai | 150.200 | 21.400
Juni | 148.900 | 18.900
Summe (von Luna aus dieser Tabelle addiert) Mai bis Juni, Wärmepumpe (kWh): 40.300 kWh"""


def test_a_period_named_for_its_consumption_takes_the_sum_and_a_module_saves_its_reduction(
    calculate_prompt: LoadedPrompt,
):
    passages = [
        {"n": 1, "title": "Notiz Haustechnik", "text": HEAT_PUMP_NOTE},
        {"n": 2, "title": "Schreiben Netzbetreiber", "text": GRID_LETTER},
    ]
    question = "Was spart uns die Wärmepumpe von Mai bis Juni durch Modul 2 beim Netzentgelt?"
    plan = rate_plan(question, passages)
    assert plan is not None
    assert plan.expression == "(regular_rate - reduced_rate) * quantity"
    assert {o.name: o.value for o in plan.operands} == {
        "regular_rate": "7,20",
        "reduced_rate": "2,88",
        "quantity": "40.300",  # the sum code wrote, cited to the note
    }
    # asked gross of rates stated net: the net saving, then with the letter's VAT
    gross = question.replace("?", ", brutto?")
    result = calculate(ScriptedModel(script=[]), calculate_prompt, gross, passages, "de")
    assert result is not None
    assert [line.rounded() for line in result.items] == [Decimal("1740.96"), Decimal("2071.74")]
    # the period's consumption at one rate is a cost, never a saving
    assert rate_plan("Was spart uns der Verbrauch von Mai bis Juni?", passages) is None
