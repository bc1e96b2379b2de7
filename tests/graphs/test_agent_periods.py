"""Periods and measures resolved by code, German and English: every name of last week is last
week, "so far"/"seit" runs up to today, a weekday of a named week is that one day, a date in
digits is one day in every national order, a day of the month alone follows the thread's
month, a load peak is consumption's peak kW or peak hour, and none of it is ever forecast.
No database and no real model: the rules and the router decide, the model is scripted."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from luna.config import Settings
from luna.graphs.agent.follow_up_periods import bare_day, day_near
from luna.graphs.agent.intents import rule_calls
from luna.graphs.agent.measures import find_focus
from luna.graphs.agent.named_periods import message_period, never_forecast
from luna.graphs.agent.numeric_dates import day_first, numeric_day
from luna.graphs.agent.routing import route
from luna.tools import ToolContext, build_tools
from tests.scripted_model import ScriptedModel

NOW = datetime(2025, 6, 18, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # a Wednesday
TODAY = NOW.date()
TOOLS = build_tools(
    ToolContext(settings=Settings(_env_file=None), sessions=None, retriever=None, user_id=1)  # type: ignore[arg-type, call-arg]
)


def call(message: str, history: list[BaseMessage] | None = None) -> dict[str, Any]:
    """The one ``query_timeseries`` call the rules make for ``message``: its arguments."""
    calls = rule_calls(message, history or [], now=NOW)
    assert calls is not None, message
    (found,) = calls
    assert found.tool == "query_timeseries", message
    return found.args


def days(message: str) -> tuple[str, str] | None:
    _, found = message_period(message, TODAY)
    return (found[0].isoformat(), found[1].isoformat()) if found else None


def thread(question: str, **args: Any) -> list[BaseMessage]:
    """A thread whose one turn was ``question`` answered by ``query_timeseries(**args)``."""
    tool_call = {"name": "query_timeseries", "id": "c1", "args": args}
    return [HumanMessage(question), AIMessage(content="", tool_calls=[tool_call]), AIMessage("…")]


@pytest.mark.parametrize(
    "message",
    [
        "Wie viel Strom habe ich in der vergangenen Kalenderwoche verbraucht?",
        "Stromverbrauch letzte KW",
        "Was hat der Strom in der vorigen Kalenderwoche gekostet?",
        "Wie hoch war der Verbrauch der Vorwoche?",
        "What did I consume in the previous calendar week?",
        "Electricity usage for the prior week, please",
        "how much solar did we generate last calendar week",
    ],
)
def test_every_name_of_last_week_is_last_week(message: str):
    assert message_period(message, TODAY) == ("last_week", None)
    assert call(message)["period"] == "last_week"
    assert find_focus(message) is None  # "KW" in capitals is a week, no kilowatt


@pytest.mark.parametrize(
    ("message", "period"),
    [
        ("Wie hoch war der Verbrauch seit Monatsbeginn?", "this_month"),
        ("Stromkosten seit Anfang des Monats", "this_month"),
        ("How much have I used since the start of the month?", "this_month"),
        ("Solar production month to date", "this_month"),
        ("What did power cost me so far this month?", "this_month"),
        ("Verbrauch seit Wochenbeginn", "this_week"),
        ("How much electricity since Monday?", "this_week"),
        ("consumption week to date", "this_week"),
        ("How much electricity year to date?", "this_year"),
        ("Wie viel Strom dieses Jahr bis jetzt?", "this_year"),
        ("Wie viel PV seit Jahresbeginn?", "this_year"),
    ],
)
def test_up_to_now_is_the_running_period(message: str, period: str):
    assert message_period(message, TODAY) == (period, None)
    assert call(message)["period"] == period
    assert never_forecast(message, TODAY)


@pytest.mark.parametrize(
    ("message", "first", "last"),
    [
        ("Wie viel Strom im Juni bis jetzt?", "2025-06-01", "2025-06-18"),
        ("Wie viel Strom heuer im Juni bis jetzt?", "2025-06-01", "2025-06-18"),
        ("How much PV in June so far?", "2025-06-01", "2025-06-18"),
        ("consumption since the 3rd", "2025-06-03", "2025-06-18"),
        ("Verbrauch seit dem 1.", "2025-06-01", "2025-06-18"),
        ("How much electricity since last month until now?", "2025-05-01", "2025-06-18"),
    ],
)
def test_so_far_ends_the_period_today(message: str, first: str, last: str):
    assert days(message) == (first, last)
    assert never_forecast(message, TODAY)


@pytest.mark.parametrize(
    ("message", "first", "last"),
    [
        ("Verbrauch am 12. Juni letztes Jahr", "2024-06-12", "2024-06-12"),
        ("Wie viel PV im Mai letzten Jahres?", "2024-05-01", "2024-05-31"),
        ("How much PV did I produce in May this year?", "2025-05-01", "2025-05-31"),
        ("What was my consumption in March last year?", "2024-03-01", "2024-03-31"),
    ],
)
def test_a_month_or_date_of_a_named_year_is_in_that_year(message: str, first: str, last: str):
    assert days(message) == (first, last)


@pytest.mark.parametrize(
    ("message", "first", "last"),
    [
        ("How much did I use Thursday last week?", "2025-06-12", "2025-06-12"),
        ("Verbrauch letzte Woche Donnerstag?", "2025-06-12", "2025-06-12"),
        ("Wie viel Strom am Donnerstag der Vorwoche?", "2025-06-12", "2025-06-12"),
        ("last week's Thursday consumption?", "2025-06-12", "2025-06-12"),
        ("What did I pay on Monday of the previous week?", "2025-06-09", "2025-06-09"),
        ("PV am Sonntag vergangener Woche", "2025-06-15", "2025-06-15"),
        ("Verbrauch am Montag dieser Woche", "2025-06-16", "2025-06-16"),
        ("Verbrauch Montag bis Mittwoch letzte Woche", "2025-06-09", "2025-06-11"),
        ("consumption from Tuesday to Thursday last week", "2025-06-10", "2025-06-12"),
        ("Stromverbrauch in KW 22", "2025-05-26", "2025-06-01"),
        ("consumption in calendar week 23", "2025-06-02", "2025-06-08"),
        ("Verbrauch vorletzte Woche", "2025-06-02", "2025-06-08"),
        ("consumption the week before last", "2025-06-02", "2025-06-08"),
        ("What did electricity cost me in the week of 26 May?", "2025-05-26", "2025-06-01"),
    ],
)
def test_a_day_of_a_named_week_is_that_day(message: str, first: str, last: str):
    assert days(message) == (first, last)
    assert never_forecast(message, TODAY) or last >= TODAY.isoformat()


def test_a_weekday_of_last_week_is_a_day_also_in_a_follow_up():
    """After a question about last month, "der Vorwoche" with a weekday is a day of last week,
    not the thread's period moved by a week; without a weekday it still moves it."""
    month = thread("Verbrauch im Mai?", series="consumption", start="2025-05-01", end="2025-05-31")
    args = call("und am Freitag der Vorwoche?", month)
    assert (args["start"], args["end"], args["resolution"]) == ("2025-06-13", "2025-06-13", "hour")
    moved = call("und die Vorwoche?", month)
    assert moved["start"] != "2025-06-09"


@pytest.mark.parametrize(
    ("message", "day"),
    [
        ("consumption on 20/05/2025?", "2025-05-20"),
        ("What did I use on 20/05?", "2025-05-20"),
        ("What did I use on 5/27?", "2025-05-27"),
        ("consumption on 5/27/2025", "2025-05-27"),
        ("Verbrauch am 27.5.?", "2025-05-27"),
        ("Verbrauch am 27.05.25?", "2025-05-27"),
        ("Verbrauch am 27.05.24?", "2024-05-27"),
        ("consumption on 2025-05-27?", "2025-05-27"),
        ("solar on 2025/05/27", "2025-05-27"),
        ("consumption on 20/6", "2024-06-20"),  # without a year: the latest not after today
        ("Wie hoch war der aktuelle Verbrauch am 3.6.?", "2025-06-03"),  # a date beats "aktuell"
    ],
)
def test_a_date_in_digits_is_one_day(message: str, day: str):
    assert days(message) == (day, day)
    args = call(message)
    assert (args["start"], args["end"], args["resolution"]) == (day, day, "hour")
    assert "period" not in args


def test_slashed_dates_are_day_first_unless_the_message_shows_otherwise():
    """Both readings of "6/5" are valid: day-first (6 May), as written in Germany and Britain,
    unless another date of the message can only be month-first ("5/28")."""
    assert numeric_day("consumption on 6/5", TODAY) == date(2025, 5, 6)
    assert not day_first("6/5 compared to 5/28")
    assert numeric_day("consumption on 6/5 compared to 5/28", TODAY) == date(2025, 6, 5)
    assert days("consumption from 5/28 to 6/2") == ("2025-05-28", "2025-06-02")
    assert days("Verbrauch vom 28/05 bis 02/06") == ("2025-05-28", "2025-06-02")
    assert numeric_day("my heat pump runs 24/7", TODAY) is None
    assert numeric_day("it was 27.5 kWh", TODAY) is None  # a decimal, no date
    assert numeric_day("on 31/02", TODAY) is None


@pytest.mark.parametrize(
    ("message", "day"),
    [
        ("and on the 11th?", "2025-05-11"),
        ("und am elften?", "2025-05-11"),
        ("und am 12.?", "2025-05-12"),
        ("what about the 3rd?", "2025-05-03"),
        ("Und am 21?", "2025-05-21"),
        ("and the twentieth?", "2025-05-20"),
    ],
)
def test_a_day_of_the_month_alone_keeps_the_threads_month_meter_and_measure(message: str, day: str):
    may = thread(
        "Peak kW of M-001 on 3 May?",
        series="consumption",
        meter_id="M-001",
        focus="peak_kw",
        start="2025-05-03",
        end="2025-05-03",
        resolution="hour",
    )
    args = call(message, may)
    assert args == {
        "series": "consumption",
        "meter_id": "M-001",
        "focus": "peak_kw",
        "start": day,
        "end": day,
        "resolution": "hour",
    }


def test_a_day_of_the_month_is_found_near_the_threads_period():
    span = (date(2025, 5, 26), date(2025, 6, 1))  # a week across two months
    assert day_near(28, span, TODAY) == date(2025, 5, 28)
    assert day_near(1, span, TODAY) == date(2025, 6, 1)
    assert day_near(12, span, TODAY) == date(2025, 6, 12)
    assert day_near(25, (TODAY, TODAY), TODAY) == date(2025, 5, 25)  # June 25th is to come
    assert bare_day("Verbrauch am 12 Uhr") is None
    assert bare_day("the 3 days before") is None
    assert bare_day("and on the first?") == 1


@pytest.mark.parametrize(
    ("message", "focus"),
    [
        ("Was war meine höchste Leistungsspitze letzte Woche?", "peak_kw"),
        ("Wie hoch war die Lastspitze am 27.5.?", "peak_kw"),
        ("Wie hoch war meine Bezugsspitze gestern?", "peak_kw"),
        ("What was the biggest load peak last month?", "peak_kw"),
        ("What was my peak demand yesterday?", "peak_kw"),
        ("maximum draw in kW last week?", "peak_kw"),
        ("What was the highest power draw on 5/27?", "peak_kw"),
        ("What was the heaviest hour of usage yesterday?", "peak_hour"),
        ("busiest hour last week?", "peak_hour"),
        ("Welche war die stärkste Stunde gestern?", "peak_hour"),
        ("verbrauchsreichste Stunde letzte Woche?", "peak_hour"),
        (
            "Welche Stunde mit dem höchsten Verbrauch hatte ich am Donnerstag der Vorwoche?",
            "peak_hour",
        ),
    ],
)
def test_a_load_peak_is_consumptions_peak_read_from_data(message: str, focus: str):
    args = call(message)
    assert (args["series"], args["focus"]) == ("consumption", focus)


@pytest.mark.parametrize(
    "message",
    [
        "What peak demand do you expect for Thursday last week?",
        "Welche Lastspitze erwartest du für die vergangene Kalenderwoche?",
        "What consumption was expected so far this month?",
        "Prognose PV seit Monatsbeginn",
        "expected usage on 5/27",
    ],
)
def test_past_or_up_to_now_periods_are_never_forecast(message: str):
    assert never_forecast(message, TODAY), message
    calls = rule_calls(message, now=NOW)
    assert calls is not None, message
    assert calls[0].tool == "query_timeseries", message


def test_the_models_forecast_of_a_named_week_day_becomes_a_read():
    """The model chose a forecast for a message the rules leave to it (no series named): code
    reads the stored series of the day it names."""
    reply = json.dumps({"tool": "forecast", "args": {"target": "consumption"}})
    model = ScriptedModel(script=[reply])
    decision = route(model, "Und wie war das Donnerstag letzte Woche?", tools=TOOLS, now=NOW)
    assert decision.tool == "query_timeseries"
    assert (decision.args["start"], decision.args["end"]) == ("2025-06-12", "2025-06-12")
    model.script.append(reply)
    so_far = route(model, "Wie sieht es seit Monatsbeginn aus?", tools=TOOLS, now=NOW)
    assert (so_far.tool, so_far.args["period"]) == ("query_timeseries", "this_month")


@pytest.mark.parametrize(
    ("message", "series"),
    [
        ("My bill seems crazy high. How much electricity have I used this month?", "consumption"),
        (
            "Die Rechnung ist ein Schock. Wie viel Strom habe ich letzte Woche verbraucht?",
            "consumption",
        ),
        ("I used a lot of power last week. What did that cost me?", "cost"),
        ("Ich hab viel verbraucht. Was hat mich das am 3. Juni gekostet?", "cost"),
        ("The panels were shining all day. What did I spend on power yesterday?", "cost"),
        ("Was hat mich der Stromverbrauch gestern gekostet?", "cost"),
    ],
)
def test_the_question_not_the_scene_setting_names_the_measure(message: str, series: str):
    assert call(message)["series"] == series
