"""More ways customers write periods and measures, resolved by code (German and English): ranges
with weekdays, "inklusive" and month ends, day pairs, N days up to a day, calendar weeks and
counts in words, month compounds, observances and neighbours' holidays, the question's period
over the scene's, a weekday of another clause, span shifts, tariff words named to be left out,
quarter-hour and hour peaks in other words, and a share of the PV that was used.

The phrasings are our own, written for the patterns a fresh data set's one run showed (v6);
the data set itself is measured by ``benchmarks/bench_data_answers.py``. No database and no
model: the rules decide."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from langchain_core.messages import BaseMessage

from tests.graphs.rule_probe import RuleProbe, thread

NOW = datetime(2025, 6, 18, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # a Wednesday


PROBE = RuleProbe(NOW)
calls, call, span = PROBE.calls, PROBE.call, PROBE.span


@pytest.mark.parametrize(
    ("message", "first", "last"),
    [
        ("Wie viel haben wir vom 3. bis inklusive 9. Juni verbraucht?", "2025-06-03", "2025-06-09"),
        ("Verbrauch vom 2. bis und mit 6. Juni?", "2025-06-02", "2025-06-06"),
        ("Usage from Tuesday 3 June to Friday 6 June?", "2025-06-03", "2025-06-06"),
        ("cost from Monday, June 2nd through Thursday, June 5th?", "2025-06-02", "2025-06-05"),
        (
            "Verbrauch von Freitag, den 6. Juni bis Sonntag, den 8. Juni?",
            "2025-06-06",
            "2025-06-08",
        ),
        ("What did we use from 10 May up to and including 12 May?", "2025-05-10", "2025-05-12"),
        ("Wie viel vom 26. Mai bis Ende Mai verbraucht?", "2025-05-26", "2025-05-31"),
        (
            "Ab dem 2. Mai, als die Gäste kamen, bis Ende Mai: Verbrauch?",
            "2025-05-02",
            "2025-05-31",
        ),
        (
            "Since 4 June, when the heat pump was fixed, to yesterday: usage?",
            "2025-06-04",
            "2025-06-17",
        ),
        ("consumption from 9 June to the end of June?", "2025-06-09", "2025-06-18"),
        ("Wie viel Strom am 7./8. Juni?", "2025-06-07", "2025-06-08"),
        ("How much power did we use over the weekend of 31 May/1 June?", None, None),
        ("usage on May 24/25?", "2025-05-24", "2025-05-25"),
        (
            "How much did we use in the five days up to and including yesterday?",
            "2025-06-13",
            "2025-06-17",
        ),
        ("Verbrauch in den drei Tagen bis einschließlich gestern?", "2025-06-15", "2025-06-17"),
        ("Verbrauch in der ersten drei Junitagen?", "2025-06-01", "2025-06-03"),
        (
            "Wie viel Strom haben wir in den letzten zehn Maitagen verbraucht?",
            "2025-05-22",
            "2025-05-31",
        ),
        ("Verbrauch in Kalenderwoche einundzwanzig?", "2025-05-19", "2025-05-25"),
        ("consumption in calendar week twenty-three?", "2025-06-02", "2025-06-08"),
    ],
)
def test_ranges_in_more_forms(message: str, first: str | None, last: str | None):
    if first is None:  # a pair across two months is not one month's pair: no wrong range
        args = call(message)
        assert (args.get("start"), args.get("end")) != ("2025-06-01", "2025-06-01")
        return
    assert span(message) == (first, last)


def test_a_week_word_followed_by_a_count_is_no_calendar_week():
    # "letzte Woche einen Ausflug": last week, not calendar week 1
    assert call("Wir haben letzte Woche einen Ausflug gemacht. Wie viel Strom?")["period"] == (
        "last_week"
    )


@pytest.mark.parametrize(
    ("message", "day"),
    [
        ("Am Muttertag hatten wir Besuch. Wie viel Strom haben wir verbraucht?", "2025-05-11"),
        ("How much did we use on Mother's Day?", "2025-05-11"),
        ("Our American friends came for Memorial Day. What did M-003 use that day?", "2025-05-26"),
        ("Wie viel Strom an Heiligabend letztes Jahr?", "2024-12-24"),
        ("What did we consume on Shrove Tuesday?", "2025-03-04"),
    ],
)
def test_days_people_name_that_are_no_public_holiday_here(message: str, day: str):
    assert span(message) == (day, day)


def test_the_questions_period_wins_over_the_scenes():
    args = call("We compared last year's bills yesterday. How much did M-001 use in May?")
    assert (args["start"], args["end"]) == ("2025-05-01", "2025-05-31")
    args = call(
        "Seit Pfingsten ist es heiß. Wie viel Sonnenstrom seit Monatsanfang selbst genutzt?"
    )
    assert (args["series"], args["period"]) == ("self_consumption", "this_month")


def test_a_weekday_of_another_clause_is_no_day_of_the_named_week():
    args = call("the roofer comes on monday and asks for the highest load of M-003 last week in kW")
    assert (args["period"], args["focus"]) == ("last_week", "peak_kw")
    # next to the week it still is that day
    assert span("what did M-003 use on Monday last week?") == ("2025-06-09", "2025-06-09")


@pytest.mark.parametrize(
    ("history", "message", "first", "last"),
    [
        (
            thread("cost, last seven days?", series="cost", period="last_7_days"),
            "and the seven days before that?",
            "2025-06-04",
            "2025-06-10",
        ),
        (
            thread("1.–5. Juni?", series="consumption", start="2025-06-01", end="2025-06-05"),
            "Und der Zeitraum davor?",
            "2025-05-27",
            "2025-05-31",
        ),
        (
            thread("How much did M-003 use in April?", series="consumption", meter_id="M-003",
                   start="2025-04-01", end="2025-04-30", resolution="day"),
            "and for June so far?",
            "2025-06-01",
            "2025-06-18",
        ),
    ],
)  # fmt: skip
def test_follow_ups_move_or_name_the_span(
    history: list[BaseMessage], message: str, first: str, last: str
):
    assert span(message, history) == (first, last)


def test_a_share_of_the_pv_that_was_used_is_self_consumption_also_in_a_follow_up():
    history = thread("How much did the PV make last week?", series="production", period="last_week")
    assert call("and how much of the solar did we end up using at home?", history)["series"] == (
        "self_consumption"
    )
    assert call("Wie viel vom Solarstrom haben wir gestern im Haus genutzt?")["series"] == (
        "self_consumption"
    )
    # using electricity at home is consumption
    assert call("How much did we use at home yesterday?")["series"] == "consumption"


@pytest.mark.parametrize(
    ("message", "series", "focus"),
    [
        ("What did the solar panels churn out on 2 June?", "production", None),
        ("Höchste viertelstündliche Leistung gestern?", "consumption", "peak_kw"),
        ("highest 15-minute demand of M-001 on 4 June?", "consumption", "peak_kw"),
        ("Welche Stunde war gestern die verbrauchsstärkste?", "consumption", "peak_hour"),
        ("Welche Stunde hatte gestern den höchsten Verbrauch?", "consumption", "peak_hour"),
    ],
)
def test_measures_in_other_words(message: str, series: str, focus: str | None):
    args = call(message)
    assert (args["series"], args.get("focus")) == (series, focus)


def test_a_tariff_word_named_to_be_left_out_asks_for_no_tariff():
    found = calls("Was hat uns der Netzbezug letzten Monat gekostet, ohne Grundpreis?")
    assert [tool for tool, _ in found] == ["query_timeseries"]
    assert found[0][1]["series"] == "cost"
    asked = calls("Was kostet der Grundpreis, und was hat mich der Strom letzten Monat gekostet?")
    assert "get_tariff" in [tool for tool, _ in asked]
