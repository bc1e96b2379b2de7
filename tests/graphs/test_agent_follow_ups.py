"""Routing of data questions and follow-ups by code, German and English: a follow-up takes the
measure it names and keeps the meter and period of the thread, a relative follow-up moves the
period and keeps the measure, a past period is never forecast (neither by the rules nor by the
model's choice), and a model-written answer keeps no stray brackets. No database: the rules and
the router decide, the model is scripted."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from luna.config import Settings
from luna.graphs.agent.intents import rule_calls
from luna.graphs.agent.measures import find_focus
from luna.graphs.agent.nodes import without_stray_brackets
from luna.graphs.agent.routing import route
from luna.tools import ToolContext, build_tools
from tests.scripted_model import ScriptedModel

NOW = datetime(2025, 6, 18, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # a Wednesday
TOOLS = build_tools(
    ToolContext(settings=Settings(_env_file=None), sessions=None, retriever=None, user_id=1)  # type: ignore[arg-type, call-arg]
)


def thread(question: str, **args: Any) -> list[BaseMessage]:
    """A thread whose one turn was ``question`` answered by ``query_timeseries(**args)``."""
    call = {"name": "query_timeseries", "id": "c1", "args": args}
    return [HumanMessage(question), AIMessage(content="", tool_calls=[call]), AIMessage("…")]


def follow(message: str, history: list[BaseMessage]) -> dict[str, Any]:
    calls = rule_calls(message, history, now=NOW)
    assert calls is not None, message
    (call,) = calls
    assert call.tool == "query_timeseries"
    return call.args


PRODUCED = thread(
    "Wie viel hat meine PV-Anlage gestern erzeugt?",
    series="production",
    period="yesterday",
    resolution="hour",
)
ON_A_DAY = thread(
    "How much did M-001 use on 3 June?",
    series="consumption",
    meter_id="M-001",
    start="2025-06-03",
    end="2025-06-03",
    resolution="hour",
)


@pytest.mark.parametrize(
    ("message", "history", "series", "focus"),
    [
        ("Und davon selbst genutzt?", PRODUCED, "self_consumption", None),
        ("Wie viel davon habe ich selber verbraucht?", PRODUCED, "self_consumption", None),
        ("and how much of that did I use myself?", PRODUCED, "self_consumption", None),
        ("Und wie hoch war da die Spitzenlast?", PRODUCED, "consumption", "peak_kw"),
        ("What was its peak load that day?", ON_A_DAY, "consumption", "peak_kw"),
        ("And which hour was the busiest?", ON_A_DAY, "consumption", "peak_hour"),
        ("Und was hat das gekostet?", ON_A_DAY, "cost", None),
    ],
)
def test_a_follow_up_takes_its_new_measure_and_keeps_meter_and_period(
    message: str, history: list[BaseMessage], series: str, focus: str | None
):
    args = follow(message, history)
    earlier = history[1].tool_calls[0]["args"]  # type: ignore[attr-defined]
    assert args["series"] == series
    assert args.get("focus") == focus
    assert args.get("meter_id") == earlier.get("meter_id")
    when = ("period", "start", "end")
    assert {k: args.get(k) for k in when} == {k: earlier.get(k) for k in when}


def test_a_follow_up_that_moves_the_period_keeps_the_measure():
    peak_hours = thread(
        "When was my peak hour last week?",
        series="consumption",
        period="last_week",
        resolution="day",
        focus="peak_hour",
    )
    earlier = follow("And the previous week?", peak_hours)
    assert (earlier["series"], earlier["focus"]) == ("consumption", "peak_hour")
    assert (earlier["start"], earlier["end"]) == ("2025-06-02", "2025-06-08")
    german = follow("Und die Woche davor?", peak_hours)
    assert german == earlier


@pytest.mark.parametrize(
    ("message", "day"),
    [
        ("Und einen Tag früher?", "2025-06-15"),
        ("what about the day before that?", "2025-06-15"),
        ("Und am Vortag?", "2025-06-15"),
        ("And a day later?", "2025-06-17"),
    ],
)
def test_a_relative_day_follow_up_moves_explicit_dates_too(message: str, day: str):
    """The thread already moved once ("am Tag davor" gave explicit dates): it moves again."""
    moved = thread(
        "Und am Tag davor?", series="cost", start="2025-06-16", end="2025-06-16", resolution="hour"
    )
    args = follow(message, moved)
    assert (args["series"], args["start"], args["end"]) == ("cost", day, day)


def test_vorgestern_is_two_days_back_also_as_a_follow_up():
    yesterday = thread("Verbrauch gestern?", series="consumption", period="yesterday")
    for message in ("Und vorgestern?", "and the day before yesterday?"):
        args = follow(message, yesterday)
        assert (args["start"], args["end"]) == ("2025-06-16", "2025-06-16")
        assert "period" not in args


@pytest.mark.parametrize(
    ("message", "focus"),
    [
        ("Und der Höchstwert?", "max"),
        ("Und der niedrigste?", "min"),
        ("And the lowest?", "min"),
        ("and the maximum?", "max"),
    ],
)
def test_an_elliptical_figure_follow_up_keeps_the_threads_period(message: str, focus: str):
    mean_price = thread(
        "Was war gestern der mittlere Börsenpreis?",
        series="price",
        period="yesterday",
        resolution="hour",
        focus="mean",
    )
    args = follow(message, mean_price)
    assert args == {"series": "price", "period": "yesterday", "resolution": "hour", "focus": focus}


@pytest.mark.parametrize(
    ("message", "series", "focus"),
    [
        ("Verbrauch am Donerstag?", "consumption", None),
        ("Wie viel musste ich gestern für Strom zahlen?", "cost", None),
        ("Was war der durchschnittliche Spotpreis letzte Woche?", "price", "mean"),
        ("Wie hoch war der mittlere Börsenpreis vorgestern?", "price", "mean"),
        (
            "In welcher Stunde hab ich gestern am meisten Strom gebraucht und wie viel war das?",
            "consumption",
            "peak_hour",
        ),
        ("Was war gestern meine verbrauchsstärkste Stunde?", "consumption", "peak_hour"),
        ("What was my highest hourly consumption yesterday?", "consumption", "peak_hour"),
        ("What did I spend on power last Tuesday?", "cost", None),
        ("What was the average spot price last week?", "price", "mean"),
        ("Wie viel Strom habe ich vom 2. bis 8. Juni gebraucht?", "consumption", None),
        ("What was my electricity expected to cost last week?", "cost", None),
    ],
)
def test_plain_past_data_questions_are_rule_routed_never_forecast(
    message: str, series: str, focus: str | None
):
    calls = rule_calls(message, now=NOW)
    assert calls is not None, message
    assert calls[0].tool == "query_timeseries"
    assert calls[0].args["series"] == series
    assert calls[0].args.get("focus") == focus


def test_a_range_is_routed_as_a_range_in_both_languages():
    for message in (
        "Wie viel PV kam vom 2. bis 8. Juni?",
        "How much PV did I get between 2 June and 8 June?",
    ):
        args = follow(message, [])
        assert (args["start"], args["end"], args["resolution"]) == (
            "2025-06-02",
            "2025-06-08",
            "day",
        )


def test_the_models_forecast_of_a_past_day_becomes_a_read_with_dates_by_code():
    """The model (not the rules: the message names no series) chose a forecast, and guessed
    yesterday for "vorgestern": code reads the stored series for the day it names."""
    reply = json.dumps({"tool": "forecast", "args": {"target": "pv", "horizon_hours": 24}})
    model = ScriptedModel(script=[reply])
    decision = route(model, "Wie war das vorgestern bei mir?", tools=TOOLS, now=NOW)
    assert decision.method == "structured"
    assert decision.tool == "query_timeseries"
    assert decision.args == {
        "series": "production",
        "start": "2025-06-16",
        "end": "2025-06-16",
        "resolution": "hour",
    }

    guessed = json.dumps(
        {"tool": "query_timeseries", "args": {"series": "consumption", "period": "yesterday"}}
    )
    model.script.append(guessed)
    pinned = route(model, "Wie lief es vom 2. bis 8. Juni?", tools=TOOLS, now=NOW)
    assert (pinned.args["start"], pinned.args["end"]) == ("2025-06-02", "2025-06-08")
    assert "period" not in pinned.args

    future = json.dumps({"tool": "forecast", "args": {"target": "price"}})
    model.script.append(future)
    ahead = route(model, "Wie wird das morgen?", tools=TOOLS, now=NOW)
    assert (ahead.tool, ahead.args) == ("forecast", {"target": "price"})


def test_figures_say_which_measure_in_both_languages():
    assert find_focus("Wie hoch war die Lastspitze?") == "peak_kw"
    assert find_focus("What was the maximum power draw?") == "peak_kw"
    assert find_focus("Mein höchster Viertelstundenverbrauch?") == "peak_kw"  # not an hour
    assert find_focus("Wann habe ich am meisten verbraucht?") == "peak_hour"
    assert find_focus("When did I use the most?") == "peak_hour"
    assert find_focus("durchschnittlich") == "mean"
    assert find_focus("Und am günstigsten?") == "min"
    assert find_focus("Wie viel habe ich verbraucht?") is None


def test_a_model_written_answer_keeps_only_its_citation_markers():
    assert without_stray_brackets("Die Erzeugung war [18.62 kWh] kWh [1].", 1) == (
        "Die Erzeugung war 18.62 kWh [1]."
    )
    assert without_stray_brackets("Expect [12,5] kWh tomorrow [3].", 2) == (
        "Expect 12,5 kWh tomorrow 3."
    )
    assert without_stray_brackets("See [1] and [2].", 2) == "See [1] and [2]."


LAST_WEEKS_COST = thread(
    "Was hat mich der Strom an M-001 letzte Woche gekostet?",
    series="cost",
    meter_id="M-001",
    period="last_week",
    resolution="day",
)
MY_METERS = ["M-001", "M-003"]


@pytest.mark.parametrize(
    "message",
    [
        "Und bei M-003?",
        "and M-003?",
        "what about meter m-003?",
        "Wie sieht es bei M-003 aus?",
        "Und für den anderen Zähler?",
        "and for the other meter?",
        "und beim zweiten Zähler?",
    ],
)
def test_a_follow_up_that_only_switches_the_meter_keeps_measure_and_period(message: str):
    calls = rule_calls(message, LAST_WEEKS_COST, now=NOW, meters=MY_METERS)
    assert calls is not None, message
    (call,) = calls
    assert (call.tool, call.args) == (
        "query_timeseries",
        {"series": "cost", "period": "last_week", "resolution": "day", "meter_id": "M-003"},
    )
    assert call.restated == "What was the energy cost of meter M-003 last week?"


def test_both_meters_together_drops_the_meter_and_the_other_one_needs_a_meter_before():
    both = rule_calls("und beide Zähler zusammen?", LAST_WEEKS_COST, now=NOW, meters=MY_METERS)
    assert both is not None
    assert both[0].args == {"series": "cost", "period": "last_week", "resolution": "day"}
    summed = thread("Kosten letzte Woche?", series="cost", period="last_week", resolution="day")
    # after a sum over all meters "the other meter" is no meter in particular: the model asks
    assert rule_calls("and the other meter?", summed, now=NOW, meters=MY_METERS) is None


def test_a_meter_switch_after_a_forecast_forecasts_for_that_meter():
    forecast = [
        HumanMessage("Wie viel wird M-001 morgen verbrauchen?"),
        AIMessage(
            content="",
            tool_calls=[
                {
                    "name": "forecast",
                    "id": "f1",
                    "args": {"target": "consumption", "meter_id": "M-001", "horizon_hours": 48},
                }
            ],
        ),
        AIMessage("…"),
    ]
    calls = rule_calls("Und für M-003?", forecast, now=NOW)
    assert calls is not None
    assert (calls[0].tool, calls[0].args) == (
        "forecast",
        {"target": "consumption", "meter_id": "M-003", "horizon_hours": 48},
    )
    past = follow("and yesterday?", forecast)  # a past day after a forecast is read
    assert past == {
        "series": "consumption",
        "meter_id": "M-001",
        "period": "yesterday",
        "resolution": "hour",
    }


def test_a_meter_switch_in_a_price_thread_is_no_meters_price():
    prices = thread("Börsenpreis gestern?", series="price", period="yesterday", resolution="hour")
    assert rule_calls("and M-003?", prices, now=NOW) is None


@pytest.mark.parametrize(
    "message",
    [
        "What did my electricity set me back last week?",
        "How much did I fork out for power yesterday?",
        "How much did I spend on electricity on the third of June?",
        "What did I pay for power over the Easter weekend?",
        "Was hat mich der Strom letzte Woche gekostet?",
        "Was der Strom mich gestern gekostet hat, würde ich gern wissen",
        "Wie viel habe ich letzte Woche für Strom berappt?",
        "Wie viel kostete mich der Strom am Pfingstmontag?",
        "Meine Stromrechnung letzte Woche?",
    ],
)
def test_colloquial_cost_questions_are_cost_questions(message: str):
    calls = rule_calls(message, now=NOW)
    assert calls is not None, message
    assert (calls[0].tool, calls[0].args["series"]) == ("query_timeseries", "cost")


@pytest.mark.parametrize(
    ("message", "start", "end"),
    [
        ("Wie viel Strom habe ich am dritten Juni verbraucht?", "2025-06-03", "2025-06-03"),
        ("Expected consumption on the third of June?", "2025-06-03", "2025-06-03"),
        ("Wie viel Strom in den letzten drei Tagen?", "2025-06-15", "2025-06-17"),
        ("Prognose PV die ersten zehn Tage im Juni", "2025-06-01", "2025-06-10"),
        ("Wie viel Strom wurde am Pfingstmontag verbraucht?", "2025-06-09", "2025-06-09"),
        ("What was my consumption expected to be on Whit Monday?", "2025-06-09", "2025-06-09"),
    ],
)
def test_a_past_day_in_words_or_a_holiday_is_read_never_forecast(
    message: str, start: str, end: str
):
    calls = rule_calls(message, now=NOW, country="DE")
    assert calls is not None, message
    assert calls[0].tool == "query_timeseries"
    assert (calls[0].args["start"], calls[0].args["end"]) == (start, end)


def test_the_models_call_is_for_the_meter_the_message_names():
    """The model copies the thread's meter into a follow-up about another one; code puts the
    named meter back (its figure must never be answered as the other meter's)."""
    earlier = json.dumps(
        {"tool": "query_timeseries", "args": {"series": "consumption", "meter_id": "M-001"}}
    )
    model = ScriptedModel(script=[earlier])
    decision = route(model, "Und was sagt M-003 dazu?", tools=TOOLS, now=NOW)
    assert decision.args["meter_id"] == "M-003"
    ahead = json.dumps({"tool": "forecast", "args": {"target": "pv", "meter_id": "M-001"}})
    model.script.append(ahead)
    forecast = route(model, "Was macht M-003 demnächst?", tools=TOOLS, now=NOW)
    assert (forecast.tool, forecast.args["meter_id"]) == ("forecast", "M-003")
