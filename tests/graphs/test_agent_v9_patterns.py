"""Ranges whose last day is said to be included, German typos in counted periods, weeks pinned
by the day they ended with, and price questions with a tariff remark or a period given "to be
precise", resolved by code (German and English): "bis einschließlich", "through and
including", "bis und mit" join a range like "bis"; "die letzen 7 tage" are the last seven days
and never a forecast; "the week that ended with Mother's Day", "die Woche bis einschließlich
Pfingstmontag", "die Woche vor Muttertag" win over the ordinal week they pin; "ob sich ein
dynamischer Tarif lohnt" is a remark that adds no tariff lookup; "Anfang Mai, genauer gesagt
vom 2. bis 4." is 2–4 May.

The phrasings are our own, written for the patterns a fresh data set's one run showed (v9);
the data set itself is measured by ``benchmarks/bench_data_answers.py``. No database and no
model: the rules decide."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from luna.graphs.agent.named_periods import never_forecast
from tests.graphs.rule_probe import RuleProbe

NOW = datetime(2025, 6, 11, 18, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # a Wednesday
# Whit Sunday 2025 is 8 June, Mother's Day 11 May, Easter Sunday 20 April.

PROBE = RuleProbe(NOW)
calls, call, span = PROBE.calls, PROBE.call, PROBE.span


@pytest.mark.parametrize(
    ("message", "first", "last"),
    [
        (
            "Freitag bis einschließlich Pfingstmontag: wie viel hat M-003 verbraucht?",
            "2025-06-06",
            "2025-06-09",
        ),
        (
            "From Saturday through and including Whit Monday, how much did the panels produce?",
            "2025-06-07",
            "2025-06-09",
        ),
        ("Verbrauch Samstag bis inklusive Pfingstmontag?", "2025-06-07", "2025-06-09"),
        ("Verbrauch von Samstag bis einschl. Pfingstmontag?", "2025-06-07", "2025-06-09"),
        (
            "Wie viel Strom von Gründonnerstag bis einschließlich Ostermontag verbraucht?",
            "2025-04-17",
            "2025-04-21",
        ),
        (
            "From Christmas Eve through and including New Year's Day, what did we use?",
            "2024-12-24",
            "2025-01-01",
        ),
        ("Verbrauch vom 2. bis inklusive 5. Juni?", "2025-06-02", "2025-06-05"),
        ("How much did we use from May 12 up to and including May 15?", "2025-05-12", "2025-05-15"),
        ("Verbrauch vom 20. Mai bis und mit 25. Mai?", "2025-05-20", "2025-05-25"),
        ("Production May 20 through and including May 22?", "2025-05-20", "2025-05-22"),
        ("Consumption from the 3rd to and including the 6th of June?", "2025-06-03", "2025-06-06"),
        (
            "Was hat die PV vom ersten bis einschließlich dritten Juni erzeugt?",
            "2025-06-01",
            "2025-06-03",
        ),
        (
            "Wie viel haben wir Montag bis einschliesslich Mittwoch letzte Woche verbraucht?",
            "2025-06-02",
            "2025-06-04",
        ),
    ],
)
def test_a_range_said_to_include_its_last_day_is_read_like_bis(message: str, first: str, last: str):
    assert span(message) == (first, last)


@pytest.mark.parametrize(
    ("message", "period"),
    [
        ("wie viel strom haben wir die lezten 30 tage verbraucht", "last_30_days"),
        ("verbrauch der vergangnen 7 tage?", "last_7_days"),
        ("wieviel kwh die letzte 7 tage", "last_7_days"),
        ("was hab ich letze woche verbraucht", "last_week"),
        ("wie fiel strom letzen monat?", "last_month"),
        ("hab ich in den letzen 7 tagen mehr verbraucht als erwartet?", "last_7_days"),
    ],
)
def test_a_misspelt_past_period_is_that_period(message: str, period: str):
    args = call(message)
    assert (args["series"], args["period"]) == ("consumption", period)
    assert "meter_id" not in args  # every meter of the customer's, summed


def test_a_misspelt_past_period_is_never_forecast():
    assert never_forecast("wie viel hab ich die letzen 7 tage gebraucht", NOW.date(), "DE")
    assert never_forecast("was hat die pv die vergangen 30 tage gebracht", NOW.date(), "DE")


@pytest.mark.parametrize(
    ("message", "first", "last"),
    [
        ("What did we use in the week ending Whit Monday?", "2025-06-03", "2025-06-09"),
        (
            "Wie viel hat M-001 in der Woche bis einschließlich Pfingstmontag erzeugt?",
            "2025-06-03",
            "2025-06-09",
        ),
        (
            "Verbrauch in der zweiten Maiwoche, die mit dem Muttertag endete?",
            "2025-05-05",
            "2025-05-11",
        ),
        (
            "How much did we use in the first week of June? The one that ended on Whit Sunday.",
            "2025-06-02",
            "2025-06-08",
        ),
        ("Verbrauch in der Woche bis zum 18. Mai?", "2025-05-12", "2025-05-18"),
        ("Wie viel haben wir in der Woche vor Muttertag verbraucht?", "2025-05-04", "2025-05-10"),
        ("How much did we use the week after Easter?", "2025-04-21", "2025-04-27"),
    ],
)
def test_a_week_pinned_by_its_day_wins_over_its_ordinal(message: str, first: str, last: str):
    assert span(message) == (first, last)


def test_an_ordinal_week_alone_is_unchanged():
    assert span("How much did we use in the second week of May?") == ("2025-05-08", "2025-05-14")


@pytest.mark.parametrize(
    "message",
    [
        "Wir überlegen, ob sich ein dynamischer Tarif rechnet. Wie teuer war der Börsenstrom "
        "letzte Woche im Schnitt?",
        "I'm wondering whether a dynamic tariff would pay off for us. What was the average spot "
        "price last week?",
    ],
)
def test_a_tariff_named_only_in_a_remark_leaves_the_price_to_code(message: str):
    ((tool, args),) = calls(message)
    assert (tool, args["series"], args["focus"], args["period"]) == (
        "query_timeseries",
        "price",
        "mean",
        "last_week",
    )


@pytest.mark.parametrize(
    "message",
    [
        "Lohnt sich ein dynamischer Tarif? Wie hoch war der Börsenpreis letzte Woche im Schnitt?",
        "Erklär mir bitte den dynamischen Tarif. Wie hoch war der Börsenpreis gestern im Schnitt?",
    ],
)
def test_a_tariff_asked_about_is_still_looked_up(message: str):
    assert [tool for tool, _ in calls(message)] == ["query_timeseries", "get_tariff"]


@pytest.mark.parametrize(
    ("message", "first", "last"),
    [
        ("Usage in early May, to be precise the 2nd to the 4th?", "2025-05-02", "2025-05-04"),
        ("Verbrauch Anfang Mai, genauer gesagt vom 2. bis 4.?", "2025-05-02", "2025-05-04"),
        ("Verbrauch Ende Mai, sprich am 30.?", "2025-05-30", "2025-05-30"),
        (
            "Wie viel haben wir Mitte Mai verbraucht, genauer gesagt vom 12. bis 16. Mai?",
            "2025-05-12",
            "2025-05-16",
        ),
        (
            "What was the average spot price in early June, i.e. June 2 to June 5?",
            "2025-06-02",
            "2025-06-05",
        ),
    ],
)
def test_a_period_given_to_be_precise_wins_over_the_vague_one(message: str, first: str, last: str):
    assert span(message) == (first, last)


def test_precisely_without_a_period_before_reads_the_whole_message():
    assert span("Wie viel genau haben wir im Mai verbraucht?") == ("2025-05-01", "2025-05-31")
