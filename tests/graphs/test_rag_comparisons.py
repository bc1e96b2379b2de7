"""Differences between two stated values, and stated amounts scaled to the period and VAT a
question asks, are computed by code: no model picks the operands."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from luna.graphs.rag.answerability import missing_attributes
from luna.graphs.rag.calculation import calculate
from luna.graphs.rag.calculation_cues import wants_calculation
from luna.graphs.rag.comparison_plans import comparison_plan
from luna.graphs.rag.scaled_amounts import scaled_plan
from luna.graphs.rag.table_totals import asks_period_total, sum_periods
from luna.prompts.registry import LoadedPrompt
from luna.retrieval.queries import question_parts
from tests.scripted_model import ScriptedModel

# Invented figures, in the shapes of a facility manager's monthly table, a company policy in
# English with numbered headings, and a supplier's tariff sheet.
PEAKS = """Aktennotiz Technik
Monat | Verbrauch kWh | Spitzenlast kW | Spitze am
März | 51.200 | 226,9 | 03.03. 08:15
April | 47.310 | 231,4 | 11.04. 08:00
Mai | 44.020 | 198,2 | 19.05. 12:30
Summe 2026 | 142.530 | 231,4 |"""
POLICY = """5 Load management
5.1 Import limit
The plant's grid import, measured as the 15-minute mean, shall not exceed 205 kW.
5.2 Battery
The battery's discharge threshold shall be set at least 15 kW below the import limit."""
SHEET = """2 Preise > 2.2 Netzentgelt
Stufe | Netzentgelt 2027
Standard | 9,40 ct/kWh netto
Stufe 2 | 50 %: 4,700 ct/kWh netto statt 9,40 ct/kWh
2.3 Grundpreis
Der Grundpreis beträgt 12,50 € brutto pro Monat (10,50 € netto pro Monat).
2.4 Bonus
Bonus | Höhe
Wärmepumpen-Bonus | 119,00 € brutto pro Jahr"""
PASSAGES: list[dict[str, Any]] = [
    {"n": 1, "title": "Aktennotiz Technik", "text": PEAKS},
    {"n": 2, "title": "Energy Policy", "text": POLICY},
    {"n": 3, "title": "Preisblatt 2027", "text": SHEET},
]


def test_a_monthly_peak_above_a_policy_limit_is_their_difference_from_two_documents(
    calculate_prompt: LoadedPrompt,
):
    question = "Um wie viel kW lag die Spitzenlast im April über dem Importlimit der Richtlinie?"
    model = ScriptedModel(script=[])  # any model call would fail the test
    result = calculate(model, calculate_prompt, question, PASSAGES, "de")
    assert result is not None
    assert result.render("de") == "Rechnung: 231,4 kW − 205 kW = 26,4 kW [1] [2]"


def test_a_difference_keeps_the_decimals_its_operands_are_written_with(
    calculate_prompt: LoadedPrompt,
):
    """Two values in one cell ("4,700 … statt 9,40"): the standard row settles one side, the
    other side takes the cell's other value; 9,40 − 4,700 is shown exactly, not as 4,70."""
    question = "By how much is the net grid fee lower under Stufe 2 than the Standard fee?"
    plan = comparison_plan(question, PASSAGES)
    assert plan is not None
    result = calculate(ScriptedModel(script=[]), calculate_prompt, question, PASSAGES, "en")
    assert result is not None
    assert result.render("en") == "Calculation: 9.40 ct/kWh − 4.700 ct/kWh = 4.700 ct/kWh [3]"


@pytest.mark.parametrize(
    "question",
    [
        "Um wie viel Prozent lag die Spitzenlast im März über der im Mai?",
        "by how many % was the peak load in March above the one in May?",
    ],
)
def test_a_relative_change_is_the_difference_over_the_side_compared_against(
    calculate_prompt: LoadedPrompt, question: str
):
    plan = comparison_plan(question, PASSAGES)
    assert plan is not None
    result = calculate(ScriptedModel(script=[]), calculate_prompt, question, PASSAGES, "de")
    assert result is not None
    assert result.rounded() == Decimal("14.48")  # (226,9 − 198,2) / 198,2 = 14,48 %
    assert result.render("de").endswith("= 14,48 % [1]")


def test_a_side_naming_a_product_takes_that_products_value_not_its_sisters_on_one_sheet(
    calculate_prompt: LoadedPrompt,
):
    """A price sheet for two products of one brand: both base prices share the sheet's title
    and the side's words; the one whose own sentence names the product the question names is
    the side's value, the other product's is none."""
    faq = "Häufige Fragen 2026\nDer Grundpreis für SonnWerk Basis beträgt 8,40 € pro Monat."
    sheet = (
        "SonnWerk Basis und SonnWerk Plus – Preisblatt 2027\n"
        "Der Grundpreis für SonnWerk Plus beträgt 12,10 € pro Monat.\n"
        "Der Grundpreis für SonnWerk Basis beträgt 9,24 € pro Monat."
    )
    passages: list[dict[str, Any]] = [
        {"n": 1, "title": "Häufige Fragen zu SonnWerk", "text": faq, "valid_from": "2026-01-01"},
        {"n": 2, "title": "Preisblatt 2027", "text": sheet, "valid_from": "2027-01-01"},
    ]
    question = (
        "By what percentage did the monthly base price of SonnWerk Basis rise from the 2026 "
        "FAQ to the 2027 price sheet?"
    )
    result = calculate(ScriptedModel(script=[]), calculate_prompt, question, passages, "en")
    assert result is not None
    assert result.render("en") == "Calculation: (9.24 € − 8.40 €) ÷ 8.40 € = 10% [1] [2]"


def test_a_monthly_fee_written_after_its_currency_is_scaled_to_a_contract_year(
    calculate_prompt: LoadedPrompt,
):
    """A fee written "EUR 980.00 per month" is money although its currency stands first,
    and "ab dem 1. Juli" in the question is a date, not a quantity the question brings."""
    contract = (
        "4 Fees\nAll fees are net amounts.\nService | Fee\n"
        "Basic fee (monitoring, reporting) | EUR 980.00 per month\n"
        "Call-out | EUR 140.00 per visit"
    )
    passages: list[dict[str, Any]] = [{"n": 1, "title": "Service agreement", "text": contract}]
    question = "Wie viel Grundgebühr (netto) zahlt die Firma im ersten Vertragsjahr ab dem 1. Juli?"
    result = calculate(ScriptedModel(script=[]), calculate_prompt, question, passages, "de")
    assert result is not None
    assert result.render("de") == "Rechnung: 980,00 EUR × 12 = 11.760,00 € [1]"


@pytest.mark.parametrize(
    "question",
    [
        # a time, not a difference
        "Um wie viel Uhr lag die Spitzenlast im April?",
        # the question states quantities of its own: a rate plan's shape
        "Um wie viel kW sinkt die Spitzenlast, wenn sie von 231,4 kW auf 205 kW fällt?",
        # no month named: every monthly peak fits the first side equally well
        "Um wie viel kW lag die Spitzenlast über dem Importlimit der Richtlinie?",
        # nothing to compare against
        "Wie hoch war die Spitzenlast im April?",
    ],
)
def test_no_comparison_plan_where_the_two_sides_are_not_unambiguous(question: str):
    assert comparison_plan(question, PASSAGES) is None


def test_a_monthly_gross_amount_asked_for_a_year_is_twelve_times_it(calculate_prompt: LoadedPrompt):
    question = "What is the gross base price for a whole year?"
    plan = scaled_plan(question, PASSAGES)
    assert plan is not None
    result = calculate(ScriptedModel(script=[]), calculate_prompt, question, PASSAGES, "en")
    assert result is not None
    assert result.render("en") == "Calculation: 12.50 € × 12 = 150.00 € [3]"


def test_a_gross_amount_asked_net_of_the_questions_vat_is_divided_by_it(
    calculate_prompt: LoadedPrompt,
):
    question = "Wie hoch ist der Wärmepumpen-Bonus pro Jahr netto ohne 19 % MwSt.?"
    result = calculate(ScriptedModel(script=[]), calculate_prompt, question, PASSAGES, "de")
    assert result is not None
    assert result.rounded() == Decimal("100.00")  # 119,00 € / 1,19


@pytest.mark.parametrize(
    "question",
    [
        # stated as asked: a look-up, nothing to compute
        "Wie hoch ist der Grundpreis brutto pro Monat?",
        "Wie hoch ist der Wärmepumpen-Bonus brutto pro Jahr?",
    ],
)
def test_no_scaled_plan_for_an_amount_read_as_written(question: str):
    assert scaled_plan(question, PASSAGES) is None


def test_retrieval_searches_each_side_of_a_comparison_on_its_own():
    question = (
        "Um wie viel kW lag die Spitzenlast im April 2026 über dem Importlimit der Richtlinie?"
    )
    assert question_parts(question) == [
        "Um wie viel kW lag die Spitzenlast im April 2026",
        "dem Importlimit der Richtlinie",
    ]


def test_code_never_computes_with_an_unverified_claim():
    """A planted or informal figure the guard marks unverified is read by the model as a
    claim, never taken as an operand: scaling it would state it as a fact."""
    note = (
        "Bemerkungen\n[unverified claim in installer note, not a fact: Der Grundpreis sinkt "
        "2027 auf 8,90 € brutto pro Monat.]"
    )
    passages = [{"n": 1, "title": "Protokoll", "text": note}]
    assert scaled_plan("Wie hoch ist der Grundpreis brutto im Jahr 2027?", passages) is None
    assert scaled_plan("Wie hoch ist der Grundpreis brutto im Jahr 2027?", PASSAGES) is not None


def test_an_amount_that_is_not_of_the_asked_attribute_is_not_scaled():
    """The question shares a word with the base price's sentence ("beträgt"), but the feed-in
    tariff it asks for is not there, and twelve base prices are no answer."""
    question = "Was beträgt die Einspeisevergütung brutto im Jahr?"
    assert scaled_plan(question, PASSAGES) is None


def test_a_change_from_an_older_to_a_newer_document_is_computed_over_the_older_value(
    calculate_prompt: LoadedPrompt,
):
    """ "rise from the 2025 FAQ to the 2026 sheet": each side's value is the one of the
    document valid in its year, whose title need not name the year."""
    passages: list[dict[str, Any]] = [
        {"n": 1, "title": "Fragen und Antworten", "valid_from": "2025-04-01",
         "text": "Grundpreis\nDer Grundpreis beträgt 8,00 € pro Monat brutto."},
        {"n": 2, "title": "Preisblatt", "valid_from": "2026-03-01",
         "text": "Grundpreis\nDer Grundpreis beträgt 10,00 € pro Monat brutto."},
    ]  # fmt: skip
    for question in (
        "By what percentage did the monthly base price rise from the 2025 FAQ to the 2026 sheet?",
        "By what percentage did the monthly base price go up from 2025 to 2026?",
    ):
        result = calculate(ScriptedModel(script=[]), calculate_prompt, question, passages, "en")
        assert result is not None, question
        assert result.rounded() == Decimal("25.00")  # (10 − 8) / 8


def test_an_amount_asked_without_vat_is_divided_by_the_rate_the_passages_state(
    calculate_prompt: LoadedPrompt,
):
    vat = {"n": 4, "title": "Preisblatt 2027", "text": "Alle Preise zuzüglich 19 % Umsatzsteuer."}
    passages = [*PASSAGES, vat]
    question = "What is the heat pump bonus (Wärmepumpen-Bonus) per year without VAT?"
    result = calculate(ScriptedModel(script=[]), calculate_prompt, question, passages, "en")
    assert result is not None
    assert result.rounded() == Decimal("100.00")  # 119,00 € / 1,19, the 19 % cited from [4]
    assert "[4]" in result.render("en")
    # Without a stated rate there is nothing to divide by: no plan, no invented 19 %.
    assert scaled_plan(question, PASSAGES) is None


# A base price with its parts in brackets, one of them a compound of the price's own name.
PARTS = """3.2 Grundpreis
Der Grundpreis beträgt 15,40 € pro Monat brutto (12,94 € netto). Er enthält den
Netz-Grundpreis des Netzbetreibers (6,10 € brutto) und die Messpauschale (3,30 € brutto)."""


def test_a_yearly_amount_is_the_sentences_monthly_price_not_a_part_in_brackets(
    calculate_prompt: LoadedPrompt,
):
    """The part "Netz-Grundpreis (6,10 €)" shares the price's name and states no month: it
    must neither be taken as a yearly amount nor tie with the sentence's price."""
    passages = [{"n": 1, "title": "Preisblatt 2027", "text": PARTS}]
    question = "What is the gross base price for a whole year in 2027?"
    result = calculate(ScriptedModel(script=[]), calculate_prompt, question, passages, "en")
    assert result is not None
    assert result.render("en") == "Calculation: 15.40 € × 12 = 184.80 € [1]"


PRICE_PARTS = """Preisbestandteil | netto | brutto
Stromsteuer | 2,05 ct/kWh | 2,440 ct/kWh
Netzentgelt (Standard) | 9,40 ct/kWh | 11,186 ct/kWh"""


def test_an_english_side_finds_its_value_in_a_german_row_of_the_same_designation():
    """ "Module 2" is the sheet's "Modul 2": the row is that side's, not another product's."""
    sheet = """Modul | Reduzierung | Höhe 2027
Modul 1 | pauschal | 150,00 € brutto pro Jahr
Modul 2 | prozentual | 60 %: 3,760 ct/kWh netto statt 9,40 ct/kWh"""
    passages = [
        {"n": 1, "title": "Preisblatt 2027", "text": sheet},
        {"n": 2, "title": "Preisblatt 2027", "text": PRICE_PARTS},
    ]
    question = "By how much is the net grid fee per kWh lower under Module 2 than the standard fee?"
    plan = comparison_plan(question, passages)
    assert plan is not None
    assert [(o.value, o.source) for o in plan.operands] == [("3,760", 1), ("9,40", 2)]


def test_a_change_between_two_versions_takes_each_sides_value_from_its_version(
    calculate_prompt: LoadedPrompt,
):
    """ "mit Version 2.0 … gegenüber Version 1.0": two versions of one policy, the same
    heading and sentence, told apart only by the version each is known by; the side that
    names only its version compares the other side's limit."""
    limit = (
        "4 Lastmanagement\n4.1 Spitzenlastgrenze\n"
        "Die Netzbezugsleistung darf {kw} kW nicht überschreiten.\n{rest}"
    )
    passages: list[dict[str, Any]] = [
        {"n": 1, "title": "Energierichtlinie", "version": "2.0", "valid_from": "2026-01-01",
         "text": limit.format(kw=175, rest="4.2 Speicher\nDer Speicher greift 12 kW früher ein.")},
        {"n": 2, "title": "Energierichtlinie", "version": "1.0", "valid_from": "2024-02-01",
         "text": limit.format(kw=200, rest="")},
    ]  # fmt: skip
    question = (
        "Um wie viel Prozent wurde die Spitzenlastgrenze mit Version 2.0 der Richtlinie "
        "gegenüber Version 1.0 gesenkt?"
    )
    result = calculate(ScriptedModel(script=[]), calculate_prompt, question, passages, "de")
    assert result is not None
    assert result.rounded() == Decimal("12.50")  # (200 − 175) / 200
    assert result.render("de").endswith("[1] [2]")


def test_how_many_units_more_between_two_abbreviated_months_of_a_table():
    """ "how many kWh more … in Apr than in Mar": the unit stands between "how many" and
    "more", and the months are abbreviated."""
    question = "How many kWh more did we draw in Apr 2026 than in Mar 2026?"
    plan = comparison_plan(question, PASSAGES)
    assert plan is not None
    assert [o.value for o in plan.operands] == ["47.310", "51.200"]
    assert plan.expression == "reference - compared"


# An older FAQ and a newer price sheet: the FAQ names the fee only by what it says.
FAQ = {
    "n": 5,
    "title": "Häufige Fragen (FAQ 2026)",
    "valid_from": "2026-01-01",
    "text": "Wie hoch ist der Grundpreis?\nDer Grundpreis beträgt 10,00 € pro Monat.\n"
    "Wie hoch ist der Aufschlag?\nAuf den Börsenpreis kommt ein fester Aufschlag von "
    "12,50 ct/kWh netto.",
}
SHEET_2027 = {
    "n": 6,
    "title": "Preisblatt 2027",
    "valid_from": "2027-01-01",
    "text": "3.1 Arbeitspreis\nPreisbestandteil | netto | brutto\n"
    "Fester Aufschlag gesamt | 15,00 ct/kWh | 17,85 ct/kWh\n3.2 Grundpreis\n"
    "Der Grundpreis beträgt 12,50 € pro Monat brutto (10,50 € netto). Er enthält den "
    "Netz-Grundpreis (4,20 € brutto).",
}


@pytest.mark.parametrize(
    ("question", "percent"),
    [
        # the side that names only its document compares the other side's fee; of the
        # sheet's amounts, the sentence's own and not those in brackets
        (
            "By how many percent did the monthly standing charge go up in the 2027 price sheet "
            "compared with what the 2026 FAQ said?",
            "25.00",
        ),
        # a change is measured against the earlier year, on whichever side it is named
        (
            "Um wie viel Prozent ist der feste Netto-Aufschlag gestiegen – FAQ 2026 im "
            "Vergleich zum Preisblatt 2027?",
            "20.00",
        ),
    ],
)
def test_a_change_between_an_older_and_a_newer_document_named_by_their_years(
    calculate_prompt: LoadedPrompt, question: str, percent: str
):
    passages = [FAQ, SHEET_2027]
    language = "de" if "Prozent" in question else "en"
    result = calculate(ScriptedModel(script=[]), calculate_prompt, question, passages, language)
    assert result is not None
    assert result.rounded() == Decimal(percent)


def test_a_months_value_above_a_limit_named_in_the_other_language():
    """ "Wie viele kW lag die Spitze im Mai über dem Grenzwert der Richtlinie?": the policy
    writes its limit in English ("5.1 Import limit"), the battery's offset under another
    heading; "Grenzwert" is "limit"."""
    question = "Wie viele kW lag die Spitzenlast im April über dem Grenzwert der Richtlinie?"
    plan = comparison_plan(question, PASSAGES)
    assert plan is not None
    assert [o.value for o in plan.operands] == ["231,4", "205"]


@pytest.mark.parametrize(
    "question",
    [
        "Wie viele kW lag die Spitze im Dezember über dem Grenzwert der Richtlinie?",
        "How many kWh more did we use in Nov 2026 than in Aug 2026?",
        "By how many percent did the standing charge go up in the 2027 sheet?",
    ],
)
def test_a_comparison_goes_to_code_and_is_no_period_total(question: str):
    """Such a question needs arithmetic (the graph routes it to the calculation), and two
    months compared are no total of them."""
    assert wants_calculation(question)
    assert not asks_period_total(question)
    assert sum_periods(question) == []


def test_a_version_the_question_names_is_no_thing_whose_attribute_must_be_stated():
    """ "from version 1.0 to version 2.0": the limit is stated in each version's text, which
    never writes "Version 2.0" beside it; the version is no device."""
    question = "By what percentage was the peak-load limit lowered from version 1.0 to version 2.0?"
    texts = [
        "Energy Policy 4.1 Peak-load limit The peak load shall not exceed 190 kW.",
        "Energy Policy 4.1 Peak-load limit The peak load shall not exceed 220 kW.",
    ]
    assert missing_attributes(question, texts) == []


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Was zahlen wir übers Jahr gerechnet an Grundpreis Takt, brutto?", "212.76"),
        ("What's the Takt base price over the year, net?", "178.80"),
    ],
)
def test_a_sentence_stating_net_and_gross_gives_each_side_its_own_value(
    calculate_prompt: LoadedPrompt, question: str, expected: str
):
    """ "14,90 € netto pro Monat (17,73 € brutto)": the gross value is the one beside "brutto",
    though "netto" stands in its words too; "übers Jahr" asks for twelve months."""
    sheet = "3 Grundpreis\nGrundpreis Takt: 14,90 € netto pro Monat (17,73 € brutto) je Zähler."
    passages = [{"n": 1, "title": "Preisblatt", "text": sheet}]
    result = calculate(ScriptedModel(script=[]), calculate_prompt, question, passages, "de")
    assert result is not None
    assert result.rounded() == Decimal(expected)


def test_a_percentage_change_of_a_row_stated_net_and_gross_is_read_net_on_both_sides(
    calculate_prompt: LoadedPrompt,
):
    """Neither side says net or gross, and each sheet's row has both: the relative change is
    the same on either side of the VAT, so both sides are read net ("total" ~ "Summe")."""
    table = (
        "2 Aufschläge\nBestandteil | netto (ct/kWh) | brutto (ct/kWh)\n"
        "Vertrieb | {a} | {a_gross}\nSumme Aufschläge | {t} | {t_gross}"
    )
    passages: list[dict[str, Any]] = [
        {"n": 1, "title": "Preisblatt Ostwind 2027", "valid_from": "2027-01-01",
         "text": table.format(a="1,980", a_gross="2,356", t="4,030", t_gross="4,796")},
        {"n": 2, "title": "Preisblatt Ostwind 2026", "valid_from": "2026-01-01",
         "text": table.format(a="1,410", a_gross="1,678", t="3,460", t_gross="4,117")},
    ]  # fmt: skip
    question = "By what percentage did the total markups go up from 2026 to 2027?"
    result = calculate(ScriptedModel(script=[]), calculate_prompt, question, passages, "en")
    assert result is not None
    assert result.rounded() == Decimal("16.47")  # (4.030 − 3.460) / 3.460


def test_a_yearly_amount_of_one_of_two_products_is_scaled_only_when_the_question_names_it(
    calculate_prompt: LoadedPrompt,
):
    """Two tariffs' base prices, each stated net and gross in its own sentence: a question
    naming one tariff gets that tariff's gross price × 12; one naming neither gets no coded
    figure (the model's plan, which may ask which tariff is meant)."""
    sheet = (
        "Grundpreis Flex: 18,40 € netto pro Monat (21,90 € brutto) je Zähler.\n"
        "Grundpreis Ostwind Takt: 22,10 € netto pro Monat (26,30 € brutto) je Zähler."
    )
    passages = [{"n": 1, "title": "Preisblatt Ostwind", "text": sheet}]
    named = "Was zahlen wir übers Jahr an Grundpreis für Flex, brutto?"
    result = calculate(ScriptedModel(script=[]), calculate_prompt, named, passages, "de")
    assert result is not None
    assert result.rounded() == Decimal("262.80")  # 21,90 € × 12
    assert scaled_plan("Was zahlen wir übers Jahr an Grundpreis, brutto?", passages) is None
