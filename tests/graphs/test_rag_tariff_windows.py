"""A question's clock time picks the tariff window it falls in, read from the passages'
window table, and the stated formula is priced with that window's rate."""

from __future__ import annotations

from typing import Any

import pytest

from luna.graphs.rag.calculation import calculate
from luna.graphs.rag.tariff_windows import asked_span, tariff_window, with_tariff_window
from luna.graphs.rag.window_energy import with_span_hours
from luna.prompts.registry import LoadedPrompt
from tests.scripted_model import ScriptedModel

# Invented figures, in the shape of a grid operator's time-variable fees in a price sheet.
WINDOWS = """5 Netzentgelt > 5.3 Stufe 2 – Zeitzonen
Bei Stufe 2 ersetzt das Netzentgelt der Zeitzone den Standardwert im Aufschlag.
Zeitzone | Uhrzeit (täglich) | Quartale | netto
Nachtzone (NZ) | 22:00–05:00 Uhr | Q1–Q4 | 1,90 ct/kWh
Tageszone (TZ) | 05:00–17:00 und 21:00–22:00 Uhr | Q1–Q4 | 7,50 ct/kWh
Spitzenzone (SZ) | 17:00–21:00 Uhr | Q1 und Q4 | 12,00 ct/kWh
Tageszone (TZ) | 17:00–21:00 Uhr | Q2 und Q3 | 7,50 ct/kWh
Energiepreis brutto mit Stufe 2 = (Spotpreis + 4,321 ct/kWh + Netzentgelt der Zeitzone) × 1,19"""
PASSAGES: list[dict[str, Any]] = [{"n": 1, "title": "Preisblatt", "text": WINDOWS}]


@pytest.mark.parametrize(
    ("question", "window"),
    [
        ("Was kostet die kWh mit Stufe 2 um 18:15 Uhr im November?", "Spitzenzone (SZ)"),
        ("Was kostet die kWh mit Stufe 2 um 18:15 Uhr im Juli?", "Tageszone (TZ)"),
        ("charging from 11 pm to 4 am in March with level 2", "Nachtzone (NZ)"),  # across midnight
        ("Stufe 2, Laden von 21:00 bis 22:00 Uhr", "Tageszone (TZ)"),  # the row's second window
        ("Stufe 2: what does a kWh cost at 6 pm?", None),  # no month: SZ or TZ by quarter
        ("Laden von 20:00 bis 23:00 Uhr im Januar", None),  # spans two windows
        ("from the 6 pm window to the night before 4 am in January", None),  # two times
        ("Wie hoch ist das Netzentgelt der Nachtzone?", None),  # no time at all
    ],
)
def test_the_window_is_the_row_whose_time_and_quarters_hold_the_questions(
    question: str, window: str | None
):
    assert tariff_window(question, PASSAGES) == window


def test_times_are_read_in_both_languages_and_clock_styles():
    assert asked_span("um 14 Uhr") == (840, 841)
    assert asked_span("at 5 pm") == (1020, 1021)
    assert asked_span("von 0:00 bis 2:30 Uhr") == (0, 150)
    assert asked_span("from 4 to 8 pm") == (960, 1200)
    assert asked_span("am 12. Februar 2026, 17:30") == (1050, 1051)
    assert asked_span("Was kostet Modul 3 am separaten Zählpunkt?") is None


def test_a_charge_at_a_time_is_priced_with_that_windows_fee_by_code(
    calculate_prompt: LoadedPrompt,
):
    question = (
        "Wir haben Stufe 2. Das Auto hat am 3. Dezember von 17:30 bis 19:00 Uhr 12 kWh "
        "geladen, der Spotpreis lag die ganze Zeit bei 8,00 ct/kWh. Was hat das gekostet?"
    )
    asked = with_tariff_window(question, PASSAGES)
    assert asked.endswith("(Spitzenzone (SZ))")
    result = calculate(ScriptedModel(script=[]), calculate_prompt, asked, PASSAGES, "de")
    assert result is not None
    # (8,00 + 4,321 + 12,00) × 1,19 × 12 kWh = 347,30 ct
    assert result.render("de") == (
        "Rechnung: (8,00 ct/kWh + 4,321 ct/kWh + 12,00 ct/kWh) × 1,19 × 12 kWh = 3,47 € [1]"
    )


def test_a_question_that_names_its_window_is_left_as_it_is():
    question = "Was kostet die kWh in der Spitzenzone (SZ) um 18 Uhr im Januar?"
    assert with_tariff_window(question, PASSAGES) == question


def test_an_english_price_per_kwh_at_a_time_is_the_windows_formula_price(
    calculate_prompt: LoadedPrompt,
):
    question = (
        "Stufe 2 here: gross price per kWh at 18:30 in January at a spot price of 12.00 ct/kWh?"
    )
    asked = with_tariff_window(question, PASSAGES)
    result = calculate(ScriptedModel(script=[]), calculate_prompt, asked, PASSAGES, "en")
    assert result is not None
    assert result.render("en") == (
        "Calculation: (12.00 ct/kWh + 4.321 ct/kWh + 12.00 ct/kWh) × 1.19 = 33.70 ct/kWh [1]"
    )


# Invented figures, in the shape of a supplier's fixed prices by time window.
FIXED = """2 Tarif Uhrzeit
Zeitfenster | Uhrzeit | Arbeitspreis netto (ct/kWh) | Arbeitspreis brutto (ct/kWh)
Nacht | 21:00-05:00 Uhr | 19,60 | 23,32
Tag | 05:00-15:00 Uhr | 27,10 | 32,25
Abend | 15:00-21:00 Uhr | 35,40 | 42,13"""


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "Die Spülstraße zieht 9 kW und läuft von 16 bis 18:30 Uhr. Was kostet das netto?",
            # the energy first, then its cost
            "Rechnung: 9 kW × 2,5 h = 22,5 kWh\nRechnung: 9 kW × 2,5 h × 35,40 ct/kWh = 7,97 € [1]",
        ),
        (
            "Our dryer draws 4.5 kW from 11 pm to 3 am. What does that cost, gross?",
            "Calculation: 4.5 kW × 4 h = 18 kWh\n"
            "Calculation: 4.5 kW × 4 h × 23.32 ct/kWh = 4.20 € [1]",
        ),
    ],
)
def test_a_power_over_the_questions_time_span_is_priced_at_that_windows_rate(
    calculate_prompt: LoadedPrompt, question: str, expected: str
):
    """The hours of "von 16 bis 18:30 Uhr" are added to the question, and code multiplies the
    power by them and by the window's rate: the clock times are no operands."""
    passages = [{"n": 1, "title": "Preisblatt", "text": FIXED}]
    asked = with_span_hours(with_tariff_window(question, passages))
    language = "de" if "Rechnung" in expected else "en"
    result = calculate(ScriptedModel(script=[]), calculate_prompt, asked, passages, language)
    assert result is not None
    assert result.render(language) == expected


def test_no_hours_are_added_for_a_point_in_time_or_a_stated_energy():
    assert with_span_hours("Das Gerät zieht 3 kW um 17 Uhr.").endswith("Uhr.")
    stated = "12 kWh mit 11 kW von 17 bis 19 Uhr geladen: was kostet das?"
    assert with_span_hours(stated) == stated
