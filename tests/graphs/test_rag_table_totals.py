"""A period's total or mean from a monthly table, computed by code without a model call."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from luna.graphs.rag.calculation import Calculation, Figures, calculate
from luna.graphs.rag.calculation_cues import wants_calculation
from luna.graphs.rag.calculation_plan import listed_numbers
from luna.graphs.rag.table_months import months_answer
from luna.graphs.rag.table_totals import period_total, with_period_sums
from luna.prompts.registry import LoadedPrompt, read_prompt_files
from luna.retrieval.dictionary import Dictionary, parse
from tests.scripted_model import ScriptedModel

NOTE = """Aktennotiz Haustechnik
Monat | Verbrauch kWh | Spitzenlast kW | Spitze am
Januar | 68.420 | 204,6 | 21.01. 07:15
Februar | 63.980 | 211,3 | 12.02. 07:30
März | 61.250 | 196,8 | 04.03. 07:15
April | 55.730 | 183,2 | 08.04. 10:45
Summe | 249.380 | 211,3 | (Höchstlast)
Gruß Marco Brenner"""
REPORT = """Monthly report
Month | Consumption (kWh) | Cost (EUR)
July | 1,204.5 | 301.10
August | 1,010.0 | 252.50
September | 998.5 | 249.60"""


def passages(*texts: str) -> list[dict[str, Any]]:
    return [{"n": n, "text": text} for n, text in enumerate(texts, start=1)]


def one(result: Figures | None) -> Calculation:
    assert result is not None
    assert len(result.items) == 1
    return result.items[0]


def test_a_quarter_total_is_summed_from_the_rows_of_its_months():
    question = "Wie viel Strom wurde im ersten Quartal insgesamt verbraucht?"
    assert wants_calculation(question)
    result = one(period_total(question, passages("Kein Bezug.", NOTE), "de"))
    assert result.value == Decimal("193650")
    assert result.render("de") == "Rechnung: 68.420 kWh + 63.980 kWh + 61.250 kWh = 193.650 kWh [2]"


def test_an_english_question_reads_a_german_table_and_answers_in_english_format():
    question = "What was the total consumption from January to April?"
    result = one(period_total(question, passages(NOTE), "en"))
    assert result.render("en").endswith("= 249,380 kWh [1]")


def test_a_mean_takes_the_column_the_question_names():
    question = "Wie hoch war die Spitzenlast im ersten Quartal durchschnittlich?"
    assert wants_calculation(question)
    result = one(period_total(question, passages(NOTE), "de"))
    assert result.rounded() == Decimal("204.23")
    assert result.result_unit == "kW"


def test_english_number_format_and_cost_column():
    result = one(period_total("What did Q3 cost in total?", passages(REPORT), "en"))
    assert result.value == Decimal("803.20")
    assert result.render("en") == (
        "Calculation: 301.10 EUR + 252.50 EUR + 249.60 EUR = 803.20 EUR [1]"
    )


def test_how_much_over_a_period_sums_a_column_that_adds_up_but_not_a_peak():
    consumed = "Wie viel hat der Standort im ersten Quartal verbraucht?"
    result = one(period_total(consumed, passages(NOTE), "de"))
    assert result.value == Decimal("193650")
    peak = "Wie viel Spitzenlast hatte der Standort im ersten Quartal?"
    assert period_total(peak, passages(NOTE), "de") is None  # kW do not add up


def test_a_year_named_alone_is_its_twelve_months_when_an_aggregate_is_asked():
    months = "Januar Februar März April Mai Juni Juli August September Oktober November Dezember"
    rows = [f"{m} | {1000 + 10 * i} | 50,0" for i, m in enumerate(months.split())]
    table = "\n".join(["Monat | Verbrauch kWh | Spitzenlast kW", *rows])
    result = one(
        period_total("What was the average monthly consumption in 2025?", passages(table), "en")
    )
    assert result.value == Decimal("1055")  # (1000 + … + 1110) / 12
    assert period_total("Wie hoch war der Verbrauch 2025?", passages(table), "de") is None


def test_no_total_without_an_aggregate_all_months_or_a_clear_column():
    assert period_total("Wie viel Strom im ersten Quartal?", passages(NOTE), "de") is None
    assert period_total("Verbrauch im zweiten Quartal insgesamt?", passages(NOTE), "de") is None
    # "Wert" names no column: the model's plan is tried instead of a guess.
    assert period_total("Welcher Wert im ersten Quartal insgesamt?", passages(NOTE), "de") is None


def test_a_question_for_the_total_and_the_average_gets_both_and_rows_of_another_year_stay_out():
    table = "\n".join(
        [
            "Monat | Netzbezug (kWh) | Spitzenlast (kW)",
            "Dezember 2025 | 99.000 | 280",
            "Jan 2026 | 118.420 | 287",
            "Februar 2026 | 109.760 | 296",
            "03/2026 | 112.305 | 318",
            "Januar 2027 | 1.000 | 100",
        ]
    )
    question = "Wie viel Netzbezug hatten wir im ersten Quartal 2026 insgesamt und im Durchschnitt?"
    result = period_total(question, passages(table), "de")
    assert result is not None
    assert [item.value for item in result.items] == [Decimal("340485"), Decimal("113495")]
    assert result.render("de").splitlines()[1] == (
        "Rechnung: (118.420 kWh + 109.760 kWh + 112.305 kWh) ÷ 3 = 113.495 kWh [1]"
    )


def test_the_dictionary_names_a_column_the_question_asks_in_the_other_language():
    table = "\n".join(
        [
            "Monat | Netzbezug (kWh) | PV-Erzeugung (kWh)",
            "Januar | 118.420 | 9.870",
            "Februar | 109.760 | 14.230",
        ]
    )
    ding = "Netzbezug {m} :: grid withdrawal\nErzeugung {f} :: generation; production"
    dictionary = Dictionary(*parse(ding.splitlines()))
    question = "How much did we draw from the grid in January and February in total?"
    assert period_total(question, passages(table), "en") is None  # no header word is English
    result = one(period_total(question, passages(table), "en", dictionary=dictionary))
    assert result.value == Decimal("228180")


def test_the_table_with_the_questions_months_is_shown_before_better_ranked_passages():
    """An FAQ sharing "2025" and "Strom" with the question ranked above the note's monthly
    table; shown four passages, the table must be among them, or no code can sum its rows."""
    from luna.graphs.rag.guard import say_most_first
    from luna.graphs.rag.nodes import with_month_rows_pinned

    faq = [
        {"n": n, "title": "FAQ 2025", "text": text}
        for n, text in enumerate(
            [
                "Strom 2025\nDer Arbeitspreis folgt 2025 stündlich dem Börsenpreis der EPEX.",
                "Börsenpreise 2025\nNegative Börsenpreise werden 2025 mit 0 ct/kWh angesetzt.",
                "Ökostrom 2025\nStrom aus 100 % Wasserkraft, zertifiziert für das Jahr 2025.",
                "Abschläge 2025\nDer Abschlag für 2025 wird aus 12 Monaten Verbrauch berechnet.",
            ],
            start=1,
        )
    ]
    table = {
        "n": 5,
        "title": "Aktennotiz Haustechnik",
        "text": "Monatswerte 2025\nMonat | Verbrauch (kWh) | Spitzenlast (kW)\n"
        "Januar | 68.420 | 204,6\nFebruar | 63.980 | 211,3\nMärz | 61.250 | 196,8",
    }
    question = "Summe Stromverbrauch Januar bis März 2025?"
    shown = say_most_first(with_month_rows_pinned([*faq, table], question), 4)
    assert 5 in [p["n"] for p in shown]
    # a question that names no month pins nothing: the ranking stands
    unpinned = say_most_first(with_month_rows_pinned([*faq, table], "Gesamtverbrauch?"), 4)
    assert [p["n"] for p in unpinned] == [1, 2, 3, 4]


# --- sums a calculation needs as one operand ---------------------------------------------------

PLANT_2025 = (
    "Plant Lindenau, metered grid withdrawal\nMonth | Consumption (kWh) | Peak (kW)\n"
    + "\n".join(
        f"{month} 2025 | {kwh} | {peak}"
        for month, kwh, peak in [
            ("January", "61,200", "198.2"),
            ("February", "57,900", "201.4"),
            ("March", "60,150", "188.0"),
            ("April", "52,310", "175.5"),
            ("May", "49,870", "170.1"),
            ("June", "48,020", "169.9"),
            ("July", "50,440", "181.3"),
            ("August", "41,700", "160.0"),
            ("September", "53,060", "177.7"),
            ("October", "58,480", "190.4"),
            ("November", "63,910", "205.8"),
            ("December", "59,330", "199.6"),
        ]
    )
)
GRID_FEES = (
    "Grid fees 2026, Lindenau Netz: energy charge 2.87 ct/kWh net; demand charge 126.48 EUR/kW."
)


def _numbered_prompt() -> LoadedPrompt:
    spec = next(
        s for s in read_prompt_files() if s.name == "rag_calculate" and s.version == "1.1.0"
    )
    return LoadedPrompt(spec, spec.template())


def test_a_year_named_alone_gets_its_sum_written_under_a_table_labelled_with_it():
    question = (
        "If we use exactly as much electricity in 2026 as in 2025, what does the energy "
        "charge of the grid fees come to for the year?"
    )
    extended = with_period_sums(question, passages(GRID_FEES, PLANT_2025))
    assert extended[0]["text"] == GRID_FEES  # no table, nothing added
    added = extended[1]["text"].removeprefix(PLANT_2025).strip()
    # kWh adds up; a peak in kW does not
    assert added == (
        "Total (added up by Luna from this table) January to December 2025, Consumption (kWh): "
        "656,370 kWh"
    )


def test_a_plan_cites_the_written_sum_as_one_operand_and_code_computes_it():
    question = "What does our 2025 consumption cost at the energy charge of the grid fees?"
    titled = [
        p | {"title": t}
        for p, t in zip(passages(GRID_FEES, PLANT_2025), ["Fees", "Plant"], strict=True)
    ]
    extended = with_period_sums(question, titled)
    listed = listed_numbers(question, extended)
    total = next(i for i, n in enumerate(listed, 1) if n.value == "656,370")
    rate = next(i for i, n in enumerate(listed, 1) if n.value == "2.87")
    model = ScriptedModel(script=[json.dumps({"expression": f"n{total} * n{rate}"})])
    calc = calculate(model, _numbered_prompt(), question, extended, "en")
    assert calc is not None
    assert calc.rounded() == Decimal("18837.82")  # 656,370 kWh x 0.0287 EUR/kWh
    assert sorted(calc.sources) == [1, 2]


def test_unlabelled_months_are_no_named_years_sum_but_a_named_span_is_summed():
    unlabelled = passages(NOTE)  # "Januar", "Februar", ... without a year
    assert (
        with_period_sums("Was kostet der Verbrauch von 2025 bei 2,87 ct/kWh?", unlabelled)[0][
            "text"
        ]
        == NOTE
    )
    extended = with_period_sums(
        "Was kostet der Verbrauch von Januar bis März bei 2,87 ct/kWh?", unlabelled
    )
    assert extended[0]["text"].endswith(
        "Summe (von Luna aus dieser Tabelle addiert) Januar bis März, Verbrauch kWh: 193.650 kWh"
    )
    # a month missing from the table: no sum
    assert (
        with_period_sums("Was kostet der Verbrauch von März bis Juni?", unlabelled)[0]["text"]
        == NOTE
    )


def test_the_month_with_the_highest_value_comes_with_when_its_row_says_it_was():
    answer = months_answer(
        "In welchem Monat war die Spitzenlast am höchsten, und wann genau?",
        [{"n": 2, "title": "Aktennotiz", "text": NOTE}],
    )
    assert answer is not None
    # the row's date and time stand beside it; its other figure (Verbrauch) does not
    assert answer.render("de") == (
        "Den höchsten Wert (Spitzenlast) hatte Februar mit 211,3 kW (Spitze am: 12.02. 07:30). [2]"
    )
