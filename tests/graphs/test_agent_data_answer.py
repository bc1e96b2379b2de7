"""Data answers written by code from a tool's figures: the user's language and number format,
the period in words with its dates, the source cited; None where the model must compose."""

from __future__ import annotations

from typing import Any

from luna.core.language import conversation_language
from luna.graphs.agent.data_answer import meter_refusal, written_answer

TZ = "Europe/Berlin"
YESTERDAY = {
    "kind": "energy",
    "series": "consumption",
    "meter": None,
    "meters": ["M-001", "M-002"],
    "period": "yesterday",
    "start": "2026-12-01T23:00:00+00:00",
    "end": "2026-12-02T23:00:00+00:00",
    "aggregation": "sum",
    "total_kwh": 18.624,
    "peak_hour": {"start": "2026-12-02T17:00:00+00:00", "kwh": 2.5},
}
PRICES = {
    "kind": "price",
    "zone": "DE-LU",
    "period": None,
    "start": "2026-11-01T00:00:00+01:00",
    "end": "2026-12-01T00:00:00+01:00",
    "resolution": "day",
    "aggregation": "avg",
    "mean_eur_mwh": 85.34,
    "max": {"start": "2026-11-12T00:00:00+01:00", "eur_mwh": 151.0},
    "min": {"start": "2026-11-23T00:00:00+01:00", "eur_mwh": 12.5},
}


def data(figures: dict[str, Any], n: int = 1) -> dict[str, Any]:
    return {"kind": "data", "n": n, "figures": figures}


def test_consumption_in_german_with_german_numbers_and_dates():
    answer = written_answer(
        "Wie viel Strom habe ich gestern verbraucht?", [data(YESTERDAY)], "de", TZ
    )
    assert answer == "Der Stromverbrauch gestern (02.12.2026) betrug 18,62 kWh [1]."


def test_the_peak_hour_only_when_asked_and_in_english():
    question = "How much did I use yesterday and when was the peak?"
    answer = written_answer(question, [data(YESTERDAY)], "en", TZ)
    assert answer == (
        "Electricity consumption yesterday (2 Dec 2026) was 18.62 kWh [1]. "
        "The highest hour was 2 Dec 2026, 18:00–19:00 with 2.50 kWh [1]."
    )


def test_a_named_meter_production_and_no_readings():
    figures = YESTERDAY | {"series": "production", "meter": "M-003", "empty": True}
    figures.pop("total_kwh")
    answer = written_answer("PV von M-003 gestern?", [data(figures, 2)], "de", TZ)
    assert (
        answer == "Für gestern (02.12.2026) sind von Zähler M-003 keine Messwerte gespeichert [2]."
    )


def test_prices_in_cent_per_kwh_over_explicit_dates_and_without_fees():
    answer = written_answer("Wie teuer war Strom im November?", [data(PRICES)], "de", TZ)
    assert answer is not None
    assert answer.startswith(
        "Der Day-Ahead-Börsenpreis (DE-LU) lag vom 01.11.2026 bis 30.11.2026 im Mittel bei "
        "8,53 ct/kWh (85,3 €/MWh); am höchsten 12.11.2026 (15,10 ct/kWh), am niedrigsten "
        "23.11.2026 (1,25 ct/kWh) [1]."
    )
    assert "ohne Steuern" in answer


def test_the_model_composes_what_no_template_covers():
    assert written_answer("x", [data(YESTERDAY | {"aggregation": "max"})], "en", TZ) is None
    assert written_answer("x", [{"kind": "document", "n": 1, "text": "…"}], "en", TZ) is None
    assert written_answer("x", [data({"kind": "forecast"})], "en", TZ) is None
    assert written_answer("x", [], "en", TZ) is None


def test_a_follow_up_without_language_markers_keeps_the_threads_language():
    assert conversation_language("M-002?", ["How much did I use yesterday?"]) == "en"
    assert conversation_language("Und M-002?", ["How much did I use yesterday?"]) == "de"
    assert conversation_language("M-002?", []) == "de"


def test_cost_with_the_grid_import_it_is_for_in_both_languages():
    figures = {
        "kind": "cost",
        "meter": "M-001",
        "meters": ["M-001"],
        "period": "yesterday",
        "start": "2026-12-01T23:00:00+00:00",
        "end": "2026-12-02T23:00:00+00:00",
        "cost_eur": 4.176,
        "import_kwh": 12.5,
        "feed_in_eur": 0.0,
    }
    german = written_answer("Was hat mich der Strom gestern gekostet?", [data(figures)], "de", TZ)
    assert german == (
        "Ihre Stromkosten (Zähler M-001) gestern (02.12.2026) betrugen 4,18 € für 12,50 kWh "
        "Netzbezug (Arbeitspreis inkl. MwSt., ohne Grundpreis) [1]."
    )
    english = written_answer("What did it cost?", [data(figures | {"feed_in_eur": 0.3})], "en", TZ)
    assert english is not None
    assert english.startswith(
        "Your electricity cost (meter M-001) yesterday (2 Dec 2026) was 4.18 €"
    )
    assert english.endswith("Feed-in earned 0.30 € against it.")


def test_another_customers_meter_is_refused_by_code_naming_the_users_own():
    from luna.tools.context import NOT_VISIBLE

    error = "query_timeseries: " + NOT_VISIBLE.format(meter="M-002", visible="M-001, M-003")
    german = meter_refusal([error], "de")
    assert german is not None
    assert german.startswith("Zum Zähler M-002 kann ich Ihnen nichts sagen")
    assert german.endswith("M-001, M-003.")
    assert meter_refusal(["query_timeseries: range longer than three years"], "en") is None


def test_the_peak_power_when_asked_in_kw_and_the_pv_used_on_site():
    figures = YESTERDAY | {"peak_kw": {"start": "2026-12-02T16:45:00+00:00", "kw": 7.9}}
    answer = written_answer(
        "Was war gestern meine höchste Lastspitze in kW?", [data(figures)], "de", TZ
    )
    assert answer == (
        "Der Stromverbrauch gestern (02.12.2026) betrug 18,62 kWh [1]. Die höchste "
        "Viertelstundenleistung war 7,90 kW (02.12.2026 17:45 Uhr) [1]."
    )
    own = {
        "kind": "self_consumption",
        "period": "yesterday",
        "start": YESTERDAY["start"],
        "end": YESTERDAY["end"],
        "self_consumed_kwh": 4.464,
        "consumption_kwh": 11.59,
        "production_kwh": 25.536,
    }
    english = written_answer("and how much of that came from my PV?", [data(own)], "en", TZ)
    assert english == (
        "Of your consumption yesterday (2 Dec 2026) (11.59 kWh), 4.46 kWh came straight from "
        "your PV system (self-consumption; it produced 25.54 kWh) [1]."
    )


def test_the_calls_focus_picks_the_figure_even_when_the_question_does_not_name_it():
    """A follow-up routed by the rules ("and the previous week?") carries the thread's focus in
    its figures; the answer states that figure although the words are not in the question."""
    hourly = YESTERDAY | {"focus": "peak_hour"}
    answer = written_answer("And the previous week?", [data(hourly)], "en", TZ)
    assert answer is not None
    assert answer.endswith("The highest hour was 2 Dec 2026, 18:00–19:00 with 2.50 kWh [1].")
    highest = PRICES | {"focus": "max", "resolution": "hour"}
    german = written_answer("Und der Höchstwert?", [data(highest)], "de", TZ)
    assert german is not None
    assert german.startswith(
        "Der höchste Day-Ahead-Börsenpreis (DE-LU) vom 01.11.2026 bis 30.11.2026 war "
        "15,10 ct/kWh (12.11.2026 00:00) [1]; im Mittel lag er bei 8,53 ct/kWh."
    )
    lowest = written_answer("And the lowest?", [data(PRICES | {"focus": "min"})], "en", TZ)
    assert lowest is not None
    assert lowest.startswith(
        "The lowest day-ahead exchange price (DE-LU) from 1 Nov 2026 to 30 Nov 2026 was "
        "1.25 ct/kWh (23 Nov 2026) [1]; it averaged 8.53 ct/kWh."
    )
