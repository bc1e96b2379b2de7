"""Days counted back or placed by a holiday, cost questions that name their tariff part, and two
meters named in one question,
resolved by code (German and English): "the last N full days, not counting today", "heute vor
vier Wochen", "the last fortnight", "der Freitag nach Christi Himmelfahrt", "Samstag bis
Pfingstmontag", "im ganzen April", a bare month as a follow-up, "working price only", and
self-consumption as what came off the roof.

The phrasings are our own, written for the patterns a fresh data set's one run showed (v7);
the data set itself is measured by ``benchmarks/bench_data_answers.py``. No database and no
model: the rules decide."""

from __future__ import annotations

import pytest

from tests.graphs.test_agent_written_periods import call, calls, span, thread


@pytest.mark.parametrize(
    ("message", "first", "last"),
    [
        (
            "Wie viel Strom in den letzten fünf vollen Tagen, heute nicht mitgezählt?",
            "2025-06-13",
            "2025-06-17",
        ),
        ("Usage over the last ten full days, not counting today?", "2025-06-08", "2025-06-17"),
        ("What did we use in the past 3 days excluding today?", "2025-06-15", "2025-06-17"),
        ("How much did we use over the last fortnight?", "2025-06-04", "2025-06-17"),
        ("Cost of the 10 full days up to and including yesterday?", "2025-06-08", "2025-06-17"),
        ("Wie viel haben wir heute vor zwei Wochen verbraucht?", "2025-06-04", "2025-06-04"),
        ("Verbrauch vor genau 10 Tagen?", "2025-06-08", "2025-06-08"),
        ("How much did we use three weeks ago today?", "2025-05-28", "2025-05-28"),
        ("How much did we use exactly 5 days ago?", "2025-06-13", "2025-06-13"),
        ("Wie viel Strom am Freitag nach Christi Himmelfahrt?", "2025-05-30", "2025-05-30"),
        ("Usage on the Tuesday right after Whit Monday?", "2025-06-10", "2025-06-10"),
        ("How much did we use the day before Whit Monday?", "2025-06-08", "2025-06-08"),
        ("Verbrauch an Pfingsten, Samstag bis Pfingstmontag?", "2025-06-07", "2025-06-09"),
        ("Usage over the Whitsun weekend, Saturday to Whit Monday?", "2025-06-07", "2025-06-09"),
        ("Wie viel haben wir im ganzen April verbraucht?", "2025-04-01", "2025-04-30"),
        ("What did we use over the whole of April?", "2025-04-01", "2025-04-30"),
    ],
)
def test_days_counted_back_or_placed_by_a_holiday(message: str, first: str, last: str):
    assert span(message) == (first, last)


def test_weeks_back_without_today_or_exactly_are_that_week_not_one_day():
    first, last = span("Wie viel haben wir vor zwei Wochen verbraucht?")
    assert first is not None
    assert last is not None
    assert first < last


@pytest.mark.parametrize("follow_up", ["What about June so far?", "And June?", "Und Juni?"])
def test_a_bare_month_follows_up_the_threads_measure(follow_up: str):
    history = thread(
        "How much did we use in May?",
        series="consumption",
        start="2025-05-01",
        end="2025-05-31",
        resolution="day",
    )
    args = call(follow_up, history)
    assert (args["series"], args["start"], args["end"]) == (
        "consumption",
        "2025-06-01",
        "2025-06-18",
    )


def test_the_mean_day_ahead_price_of_a_past_month_is_read_not_forecast():
    args = call("Wie hoch war der mittlere Day-Ahead-Preis vom April, in ct/kWh?")
    assert (args["series"], args["focus"], args["start"]) == ("price", "mean", "2025-04-01")


@pytest.mark.parametrize(
    "message",
    [
        "Was haben wir letzte Woche für Strom bezahlt, nur Arbeitspreis?",
        "What did our electricity cost in April? Working price only, no standing charge.",
        "Was hat der Netzbezug im April mit unserem dynamischen Tarif gekostet, ohne Grundgebühr?",
        "Wie hoch war der Arbeitspreis-Anteil unserer Stromkosten im Mai?",
        "M-003 energy cost in April, working price only?",
    ],
)
def test_a_cost_that_names_its_tariff_part_is_computed_without_the_tariff_tool(message: str):
    assert [tool for tool, _ in calls(message)] == ["query_timeseries"]
    assert call(message)["series"] == "cost"


@pytest.mark.parametrize(
    "message",
    ["Wie hoch ist der Arbeitspreis in unserem Tarif?", "What is the working price of our tariff?"],
)
def test_a_question_about_the_tariff_itself_still_asks_the_tariff_tool(message: str):
    assert "get_tariff" in [tool for tool, _ in calls(message)]


@pytest.mark.parametrize(
    "message",
    [
        "How many kWh of what we used on Monday came straight from our own panels?",
        "How much of our power yesterday came off the roof?",
        "Wie viel vom eigenen Dach haben wir im April direkt genutzt, also nicht eingespeist?",
    ],
)
def test_what_came_off_the_roof_is_self_consumption(message: str):
    assert call(message)["series"] == "self_consumption"


def test_two_meters_named_are_queried_one_by_one_unless_all_are_summed():
    compared = calls("How much did M-001 use yesterday compared with M-003?")
    assert [(tool, args.get("meter_id")) for tool, args in compared] == [
        ("query_timeseries", "M-001"),
        ("query_timeseries", "M-003"),
    ]
    assert {args["period"] for _, args in compared} == {"yesterday"}
    together = call("Wie viel haben M-001 und M-003 zusammen gestern verbraucht?")
    assert "meter_id" not in together  # the user's two meters, summed
    assert together["series"] == "consumption"
