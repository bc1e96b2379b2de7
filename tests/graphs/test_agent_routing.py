"""Tool routing: deterministic rules, the constrained structured call, native tool calls.

No database and no real model: the tools are built with a context that is never queried, and
the model is scripted. What the rules and the router decide is the behaviour under test.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_ollama import ChatOllama
from llama_cpp.llama_grammar import LlamaGrammar, json_schema_to_gbnf

from luna.config import Settings
from luna.graphs.agent.intents import rule_calls
from luna.graphs.agent.routing import (
    args_json_schema,
    decision_schema,
    parse_reply,
    route,
    tool_catalogue,
)
from luna.tools import TOOL_NAMES, ToolContext, build_tools
from luna.tools.periods import resolve_range
from tests.scripted_model import ScriptedModel

NOW = datetime(2025, 6, 18, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # a Wednesday
TOOLS = build_tools(
    ToolContext(settings=Settings(_env_file=None), sessions=None, retriever=None, user_id=1)  # type: ignore[arg-type, call-arg]
)


@pytest.mark.parametrize(
    ("message", "tool", "args"),
    [
        (
            "How much did meter M-001 consume last week, and when was the peak?",
            "query_timeseries",
            {"series": "consumption", "meter_id": "M-001", "period": "last_week"},
        ),
        (
            "Wie viel hat mein Zähler gestern verbraucht?",
            "query_timeseries",
            {"series": "consumption", "period": "yesterday", "resolution": "hour"},
        ),
        (
            "Wie hoch ist der Strompreis morgen?",
            "query_timeseries",
            {"series": "price", "period": "tomorrow", "resolution": "hour"},
        ),
        (
            "How much PV did m-002 produce in the last 7 days?",
            "query_timeseries",
            {"series": "production", "meter_id": "M-002", "period": "last_7_days"},
        ),
        ("Wie hoch ist der Grundpreis?", "get_tariff", {}),
        (
            "Was war unser Stromverbrauch gestern insgesamt?",  # a compound: Strom+verbrauch
            "query_timeseries",
            {"series": "consumption", "period": "yesterday"},
        ),
        (
            "Wie hoch war der Börsenstrompreis letzte Woche?",
            "query_timeseries",
            {"series": "price", "period": "last_week"},
        ),
        (
            "Was hat mich der Stromverbrauch gestern gekostet?",  # the cost, not the kWh
            "query_timeseries",
            {"series": "cost", "period": "yesterday"},
        ),
        (
            "What did my electricity cost me last month?",
            "query_timeseries",
            {"series": "cost", "period": "last_month"},
        ),
        (
            "Forecast my consumption for the next 12 hours",
            "forecast",
            {"target": "consumption", "horizon_hours": 12},
        ),
        ("Wie viel werde ich morgen verbrauchen?", "forecast", {"target": "consumption"}),
        ("When should I charge my battery tomorrow?", "optimise_schedule", {"day": "tomorrow"}),
        ("Was regelt § 14a für steuerbare Verbrauchseinrichtungen?", "search_documents", {}),
        ("How long is the minimum pause of the heat pump compressor?", "search_documents", {}),
    ],
)
def test_obvious_intents_are_routed_by_rules(message: str, tool: str, args: dict[str, Any]):
    calls = rule_calls(message, now=NOW)
    assert calls is not None
    assert calls[0].tool == tool
    assert args.items() <= calls[0].args.items()
    assert calls[0].restated is None  # nothing was taken from a thread


def test_two_intents_queue_two_calls():
    calls = rule_calls(
        "Wie viel habe ich letzte Woche verbraucht und was ist mein Grundpreis?", now=NOW
    )
    assert calls is not None
    assert [c.tool for c in calls] == ["query_timeseries", "get_tariff"]


@pytest.mark.parametrize(
    "message",
    [
        "Did the roof do anything useful?",
        "How much did I consume?",  # no period: the model (or the user) must say which
        "Erkläre mir bitte mein Dashboard",
        "Was kostet eine kWh heute pro kWh im Vergleich?",  # a price per kWh, not a cost
    ],
)
def test_unclear_messages_are_left_to_the_model(message: str):
    assert rule_calls(message, now=NOW) is None


@pytest.mark.parametrize("message", ["Danke!", "hi", "Thanks a lot", "ok", "Hallo, wer bist du?"])
def test_small_talk_needs_no_tool(message: str):
    assert rule_calls(message, now=NOW) == []
    assert rule_calls("Danke, und gestern?", now=NOW) != []  # a question, not small talk


def test_follow_ups_inherit_meter_and_series_from_the_thread():
    earlier = [
        HumanMessage("How much did M-001 consume last week?"),
        AIMessage(
            content="",
            tool_calls=[
                {
                    "name": "query_timeseries",
                    "id": "c1",
                    "args": {
                        "series": "consumption",
                        "meter_id": "M-001",
                        "period": "last_week",
                        "resolution": "day",
                    },
                }
            ],
        ),
        AIMessage(content="41.2 kWh [1]."),
    ]
    (before,) = rule_calls("And the week before?", earlier, now=NOW) or []
    assert before.args == {
        "series": "consumption",
        "meter_id": "M-001",
        "resolution": "day",
        "start": "2025-06-02",
        "end": "2025-06-08",
    }
    assert (
        before.restated == "What was the consumption of meter M-001 from 2025-06-02 to 2025-06-08?"
    )
    (pv,) = rule_calls("und die PV-Erzeugung?", earlier, now=NOW) or []
    assert pv.args["series"] == "production"
    assert pv.args["meter_id"] == "M-001"
    assert pv.args["period"] == "last_week"
    (cost,) = rule_calls("und was hat das gekostet?", earlier, now=NOW) or []
    assert cost.args["series"] == "cost"
    assert (cost.args["meter_id"], cost.args["period"]) == ("M-001", "last_week")
    assert rule_calls("Is that a lot?", earlier, now=NOW) is None


def test_a_period_beside_explicit_dates_gives_way_to_the_dates():
    reply = json.dumps(
        {
            "tool": "query_timeseries",
            "args": {
                "series": "consumption",
                "period": "last_week",
                "start": "2025-06-13",
                "end": "2025-06-13",
            },
        }
    )
    decision = parse_reply(TOOLS, reply, "structured")
    assert decision.error is None
    assert decision.args == {"series": "consumption", "start": "2025-06-13", "end": "2025-06-13"}


def test_the_decision_schema_compiles_to_a_llama_grammar():
    schema = decision_schema(TOOLS)
    grammar = json_schema_to_gbnf(json.dumps(schema))
    for name in TOOL_NAMES:
        assert f'\\"{name}\\"' in grammar  # each tool is a grammar alternative
    assert '"\\"last_week\\""' in grammar  # enums are constrained, not free strings
    LlamaGrammar.from_string(grammar, verbose=False)  # llama.cpp accepts it
    timeseries = next(t for t in TOOLS if t.name == "query_timeseries")
    assert "zone" not in args_json_schema(timeseries)["properties"]  # default, never guessed


def test_catalogue_lists_every_tool_with_its_arguments():
    catalogue = tool_catalogue(TOOLS)
    assert catalogue.count("\n") == len(TOOLS) - 1
    assert (
        "query_timeseries(series: consumption|production|self_consumption|cost|price, "
        "meter_id?: string" in catalogue
    )


@pytest.mark.parametrize(
    ("reply", "tool", "error"),
    [
        ('```json\n{"tool": "forecast", "args": {"target": "pv"}}\n```', "forecast", None),
        ('{"tool": null, "args": {}}', None, None),
        ('{"tool": "forecast", "args": {"target": "pv", "meter_id": ""}}', "forecast", None),
        ('{"tool": "delete_all", "args": {}}', None, "unknown tool"),
        ('{"tool": "forecast", "args": {"target": "wind"}}', None, "target"),
        (
            '{"tool": "forecast", "args": {"target": "pv", "horizon_hours": 999}}',
            None,
            "horizon_hours",
        ),
        ('{"args": {}}', None, '"tool" key'),
        ("I think you should call forecast", None, "no JSON"),
        ('{"tool": "forecast", "args": {"target": }', None, "not valid JSON"),
    ],
)
def test_replies_are_validated_against_the_tool_schemas(reply, tool, error):
    decision = parse_reply(TOOLS, reply, "structured")
    assert decision.tool == tool
    if error is None:
        assert decision.error is None
    else:
        assert error in (decision.error or "")


def test_structured_route_makes_one_model_call_with_the_catalogue():
    model = ScriptedModel(script=['{"tool": "forecast", "args": {"target": "price"}}'])
    decision = route(model, "Will it get cheaper?", tools=TOOLS, now=NOW)
    assert decision.method == "structured"
    assert decision.tool == "forecast"
    assert decision.args == {"target": "price"}
    assert len(model.seen) == 1
    assert "- optimise_schedule(" in model.prompt(0)
    assert "Today is Wednesday 2025-06-18." in model.prompt(0)

    rule = route(model, "Wie viel habe ich gestern verbraucht?", tools=TOOLS, now=NOW)
    assert rule.method == "rule"
    assert len(model.seen) == 1  # no further model call

    model.script.append('{"tool": "forecast", "args": {"target": "pv"}}')
    retry = route(
        model, "Will it get cheaper?", tools=TOOLS, now=NOW, feedback="target: invalid value"
    )
    assert "previous reply was unusable: target: invalid value" in model.prompt(1)
    assert retry.tool == "forecast"


def test_a_meter_the_model_guessed_is_dropped_but_a_named_one_kept():
    reply = (
        '{"tool": "query_timeseries", "args": {"series": "consumption", "meter_id": "M-001", '
        '"period": "yesterday"}}'
    )
    model = ScriptedModel(script=[reply, reply])
    guessed = route(model, "How much juice did we go through yesterday?", tools=TOOLS, now=NOW)
    # all our meters; the period as code resolves it (a single day is read hourly)
    assert guessed.args == {"series": "consumption", "period": "yesterday", "resolution": "hour"}
    named = route(model, "Did M-001 go through much juice yesterday?", tools=TOOLS, now=NOW)
    assert named.args["meter_id"] == "M-001"


class ToolCallingOllama(ChatOllama):
    """ChatOllama with its server replaced by a scripted reply carrying tool calls."""

    reply: AIMessage

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        assert {t["function"]["name"] for t in kwargs["tools"]} == set(TOOL_NAMES)
        return ChatResult(generations=[ChatGeneration(message=self.reply)])


def test_ollama_models_route_with_native_tool_calls():
    good = AIMessage(
        content="",
        tool_calls=[
            {"name": "query_timeseries", "id": "1", "args": {"series": "price", "period": "today"}}
        ],
    )
    model = ToolCallingOllama(model="llama3.1:8b-instruct", reply=good)
    decision = route(model, "Did the roof do anything useful?", tools=TOOLS, now=NOW)
    assert decision.method == "native"
    assert decision.tool == "query_timeseries"
    assert decision.args == {"series": "price", "period": "today"}

    bad = AIMessage(
        content="",
        invalid_tool_calls=[
            {"name": "forecast", "args": "{target:", "id": "2", "error": "bad JSON"}
        ],
    )
    malformed = route(ToolCallingOllama(model="x", reply=bad), "Hm?", tools=TOOLS, now=NOW)
    assert malformed.tool is None
    assert "malformed tool call forecast" in (malformed.error or "")

    wrong = AIMessage(
        content="", tool_calls=[{"name": "forecast", "id": "3", "args": {"target": "wind"}}]
    )
    invalid = route(ToolCallingOllama(model="x", reply=wrong), "Hm?", tools=TOOLS, now=NOW)
    assert invalid.tool is None
    assert "target" in (invalid.error or "")

    chat = route(
        ToolCallingOllama(model="x", reply=AIMessage(content="Hi!")), "Hm?", tools=TOOLS, now=NOW
    )
    assert chat.method == "native"
    assert chat.tool is None
    assert chat.error is None

    # The routing prompt's JSON written as text rather than as a tool call is still the choice.
    written = AIMessage(content='{"tool": "query_timeseries", "args": {"series": "price"}}')
    as_text = route(ToolCallingOllama(model="x", reply=written), "Hm?", tools=TOOLS, now=NOW)
    assert (as_text.method, as_text.tool) == ("native", "query_timeseries")
    assert as_text.args["series"] == "price"


def test_a_single_day_as_start_and_bare_end_date_is_that_whole_day():
    """ "Und am Tag davor?" after "gestern" asks for one day, start = end as dates."""
    start, end = resolve_range(None, "2025-06-09", "2025-06-09", NOW, "Europe/Berlin")
    assert (start.astimezone(NOW.tzinfo), end - start) == (
        datetime(2025, 6, 9, tzinfo=NOW.tzinfo),
        timedelta(days=1),
    )


@pytest.mark.parametrize(
    ("message", "args"),
    [
        ("Wie hoch war mein Verbrauch am Sonntag?", {"start": "2025-06-15", "end": "2025-06-15"}),
        ("How much did I use last Friday?", {"start": "2025-06-13", "end": "2025-06-13"}),
        ("Verbrauch vom 28. Mai, bitte.", {"start": "2025-05-28", "end": "2025-05-28"}),
        ("What did the PV produce on June 3rd?", {"start": "2025-06-03", "end": "2025-06-03"}),
        ("Wie viel Sonnenstrom kam im Mai vom Dach?", {"start": "2025-05-01", "end": "2025-05-31"}),
        ("Wie viel PV-Strom gab es im Juli?", {"start": "2024-07-01", "end": "2024-07-31"}),
        (
            "Wie viel Strom habe ich vorgestern verbraucht?",
            {"start": "2025-06-16", "end": "2025-06-16"},
        ),
        ("What did I use the day before yesterday?", {"start": "2025-06-16", "end": "2025-06-16"}),
    ],
)
def test_named_days_and_months_are_past_dates_resolved_by_code(message: str, args: dict[str, Any]):
    """A weekday is the latest before today (a Wednesday), a date or month without a year the
    latest not after today; a single day is read hourly, a month daily."""
    (call,) = rule_calls(message, now=NOW) or []
    assert call.tool == "query_timeseries"
    assert args.items() <= call.args.items()
    assert "period" not in call.args
    assert call.args["resolution"] == ("hour" if args["start"] == args["end"] else "day")


def test_the_highest_price_of_a_week_is_an_hour_and_a_bill_is_a_cost():
    (week,) = rule_calls("How high did the day-ahead price go this week?", now=NOW) or []
    assert week.args["resolution"] == "hour"
    (bill,) = rule_calls("Wie viel musste ich letzte Woche für Strom bezahlen?", now=NOW) or []
    assert (bill.args["series"], bill.args["period"]) == ("cost", "last_week")


@pytest.mark.parametrize(
    ("message", "series"),
    [
        ("Wie teuer war der Börsenstrom gestern im Durchschnitt?", "price"),
        ("When was my peak hour yesterday?", "consumption"),
        ("How much of my own solar power did I use yesterday?", "self_consumption"),
        ("Wie viel eigenen Sonnenstrom habe ich gestern genutzt?", "self_consumption"),
    ],
)
def test_price_peak_and_own_solar_wordings_name_their_series(message: str, series: str):
    (call,) = rule_calls(message, now=NOW) or []
    assert call.tool == "query_timeseries"
    assert call.args["series"] == series
    assert call.args["period"] == "yesterday"
