"""Data threads through the energy assistant graph with real tools on the PostgreSQL test site,
German and English: every figure is compared with an independent SQL query over the stored
rows. A range is summed over all its days, a follow-up answers the measure it asks for over
the thread's period, a relative follow-up moves the period, a model's forecast of a past day
becomes a read of that day, a meter of another customer is refused in any turn, a follow-up
that only switches the meter answers the new meter's figure over the same period, and days in
words, ordinals and public holidays are the days they name."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from langchain_core.messages import HumanMessage
from sqlalchemy import text

from luna.config import Settings, site_timezone
from luna.core.language import Language
from luna.graphs.agent.graph import build_agent_graph
from luna.graphs.agent.state import AgentContext, turn_input
from luna.prompts.registry import register_files
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.tools import ToolContext, build_tools
from luna.tools.context import meter_error, user_meters
from tests.energy_site import Site, site_lifetime
from tests.scripted_model import ScriptedModel

MONTHS_EN = [date(2025, month, 1).strftime("%B") for month in range(1, 13)]
MONTHS_DE = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]
ORDINALS_DE = [
    "ersten",
    "zweiten",
    "dritten",
    "vierten",
    "fünften",
    "sechsten",
    "siebten",
    "achten",
    "neunten",
    "zehnten",
    "elften",
    "zwölften",
    "dreizehnten",
    "vierzehnten",
    "fünfzehnten",
    "sechzehnten",
    "siebzehnten",
    "achtzehnten",
    "neunzehnten",
    "zwanzigsten",
    "einundzwanzigsten",
    "zweiundzwanzigsten",
    "dreiundzwanzigsten",
    "vierundzwanzigsten",
    "fünfundzwanzigsten",
    "sechsundzwanzigsten",
    "siebenundzwanzigsten",
    "achtundzwanzigsten",
    "neunundzwanzigsten",
    "dreißigsten",
    "einunddreißigsten",
]
ORDINALS_EN = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
    "twenty-first",
    "twenty-second",
    "twenty-third",
    "twenty-fourth",
    "twenty-fifth",
    "twenty-sixth",
    "twenty-seventh",
    "twenty-eighth",
    "twenty-ninth",
    "thirtieth",
    "thirty-first",
]
_NUMBER = re.compile(r"(?<!\w)[-−]?\d+(?:[.,]\d+)*")  # with its sign: prices go below zero


@pytest.fixture(scope="module")
def energy_site(stores: Stores) -> Iterator[Site]:
    yield from site_lifetime(stores)


@pytest.fixture(scope="module")
def runtime(
    settings: Settings, stores: Stores, energy_site: Site, tmp_path_factory
) -> Iterator[Runtime]:
    rt = Runtime(settings.model_copy(update={"home": tmp_path_factory.mktemp("threads")}))
    with session_scope(stores.sessions) as s:
        register_files(s)
    yield rt
    rt.close()


class Chat:
    """Anna's assistant on one thread: her tools, the meter check the API wires in, and a
    scripted model that fails the test if it is called beyond its script."""

    def __init__(
        self,
        runtime: Runtime,
        site: Site,
        script: list[str] | None = None,
        *,
        admin: bool = False,
    ) -> None:
        tool_context = ToolContext(
            settings=runtime.settings,
            sessions=runtime.stores.sessions,
            retriever=None,
            user_id=site.admin_id if admin else site.anna_id,
            is_admin=admin,
            timescale=runtime.stores.timescale,
        )
        tools = build_tools(tool_context)
        self.model = ScriptedModel(script=list(script or []), seen=[])
        self.ctx = AgentContext(
            chat_model=self.model,
            tools=tools,
            sessions=runtime.stores.sessions,
            model_name="scripted",
            max_tool_rounds=2,
            meter_check=partial(meter_error, tool_context),
            meters=partial(user_meters, tool_context),
            country="DE",
        )
        self.graph = build_agent_graph(tools, runtime.checkpointer)
        self.config: Any = {"configurable": {"thread_id": f"test:{uuid.uuid4().hex}"}}

    def ask(self, question: str) -> dict[str, Any]:
        """The state after the turn, with the turn's tool arguments as ``calls``."""
        calls: list[dict[str, Any]] = []
        for update in self.graph.stream(
            turn_input(question, HumanMessage(question)),
            self.config,
            context=self.ctx,
            stream_mode="updates",
        ):
            for message in (update.get("plan") or {}).get("messages", []):
                calls += [c["args"] for c in message.tool_calls]
        return {**self.graph.get_state(self.config).values, "calls": calls}


def today() -> date:
    return datetime.now(ZoneInfo(site_timezone())).date()


def sql(runtime: Runtime, query: str, first: date, last: date, **binds: Any) -> float:
    """One figure over the local days ``first``–``last`` (``:s``/``:e`` bound as the UTC range,
    ``binds`` beside them)."""
    zone = ZoneInfo(site_timezone())
    start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    with runtime.stores.engine.connect() as conn:
        return float(conn.execute(text(query), {"s": start, "e": end, **binds}).scalar_one())


ANNA = "meter_id = 'M-001' AND ts >= :s AND ts < :e"  # Anna owns M-001 only
CONSUMED = f"SELECT sum(consumption_kwh) FROM smart_meter_readings WHERE {ANNA}"
SELF_CONSUMED = (
    f"SELECT sum(least(consumption_kwh, production_kwh)) FROM smart_meter_readings WHERE {ANNA}"
)
PEAK_KW = (
    f"SELECT max(consumption_kwh * 60.0 / interval_minutes) FROM smart_meter_readings WHERE {ANNA}"
)
PEAK_HOUR = (
    "SELECT max(kwh) FROM (SELECT date_trunc('hour', ts), sum(consumption_kwh) AS kwh "
    f"FROM smart_meter_readings WHERE {ANNA} GROUP BY 1) hours"
)
HIGHEST_PRICE = (
    "SELECT max(price_eur_mwh) / 10 FROM market_prices WHERE resolution_minutes = 60 "
    "AND ts >= :s AND ts < :e"
)
LOWEST_PRICE = HIGHEST_PRICE.replace("max(", "min(")


def states(answer: str, value: float, language: Language) -> bool:
    """Whether ``answer`` states ``value`` (to the cent or hundredth) in its language's notation."""
    found = []
    for digits in _NUMBER.findall(answer):
        digits = digits.replace("−", "-")
        plain = digits.replace(".", "").replace(",", ".") if language == "de" else digits
        try:
            found.append(float(plain.replace(",", "")))
        except ValueError:
            continue
    return any(abs(v - value) <= 0.006 for v in found)


def test_a_range_is_summed_over_every_day_in_it_in_both_languages(
    runtime: Runtime, energy_site: Site
):
    first, last = today() - timedelta(days=9), today() - timedelta(days=3)
    want = sql(runtime, CONSUMED, first, last)
    german = Chat(runtime, energy_site).ask(
        f"Wie viel Strom habe ich vom {first:%d.%m.} bis {last:%d.%m.} verbraucht?"
    )
    english = Chat(runtime, energy_site).ask(
        f"How much electricity did I use between {first.day} {MONTHS_EN[first.month - 1]} and "
        f"{last.day} {MONTHS_EN[last.month - 1]}?"
    )
    for state, language in ((german, "de"), (english, "en")):
        (args,) = state["calls"]
        assert (args["start"], args["end"]) == (first.isoformat(), last.isoformat())
        assert states(state["answer"], want, language), state["answer"]  # type: ignore[arg-type]
    assert german["answer"].startswith(
        f"Der Stromverbrauch vom {first:%d.%m.%Y} bis {last:%d.%m.%Y} betrug"
    )


def test_german_follow_ups_take_the_new_measure_over_the_threads_day(
    runtime: Runtime, energy_site: Site
):
    day = today() - timedelta(days=1)
    chat = Chat(runtime, energy_site)
    chat.ask("Wie viel hat meine PV-Anlage gestern erzeugt?")
    own = chat.ask("Und davon selbst genutzt?")
    assert states(own["answer"], sql(runtime, SELF_CONSUMED, day, day), "de"), own["answer"]
    peak = chat.ask("Und wie hoch war da die Spitzenlast?")
    assert states(peak["answer"], sql(runtime, PEAK_KW, day, day), "de"), peak["answer"]
    assert "gestern" in peak["answer"]
    earlier = chat.ask("Und einen Tag früher?")
    before = day - timedelta(days=1)
    assert states(earlier["answer"], sql(runtime, PEAK_KW, before, before), "de")
    assert chat.model.seen == []


def test_english_follow_ups_keep_the_day_and_move_it_keeping_the_measure(
    runtime: Runtime, energy_site: Site
):
    day = today() - timedelta(days=5)
    chat = Chat(runtime, energy_site)
    chat.ask(f"How much did M-001 use on {MONTHS_EN[day.month - 1]} {day.day}?")
    peak = chat.ask("What was its peak load that day?")
    assert states(peak["answer"], sql(runtime, PEAK_KW, day, day), "en"), peak["answer"]
    before = day - timedelta(days=1)
    moved = chat.ask("what about the day before that?")
    (args,) = moved["calls"]
    assert (args["start"], args["focus"]) == (before.isoformat(), "peak_kw")
    assert states(moved["answer"], sql(runtime, PEAK_KW, before, before), "en")
    assert chat.model.seen == []


def test_the_heaviest_hour_is_answered_with_its_consumption(runtime: Runtime, energy_site: Site):
    day = today() - timedelta(days=1)
    want = sql(runtime, PEAK_HOUR, day, day)
    for question, language in (
        ("In welcher Stunde hab ich gestern am meisten Strom gebraucht, und wie viel?", "de"),
        ("What was my highest hourly consumption yesterday?", "en"),
    ):
        chat = Chat(runtime, energy_site)
        state = chat.ask(question)
        assert state["calls"][0]["focus"] == "peak_hour"
        assert states(state["answer"], want, language), state["answer"]  # type: ignore[arg-type]
        assert chat.model.seen == []


def test_the_highest_and_lowest_price_follow_ups_stay_on_yesterday(
    runtime: Runtime, energy_site: Site
):
    day = today() - timedelta(days=1)
    chat = Chat(runtime, energy_site)
    chat.ask("Was war gestern der mittlere Börsenpreis?")
    highest = chat.ask("Und der Höchstwert?")
    assert states(highest["answer"], sql(runtime, HIGHEST_PRICE, day, day), "de")
    assert highest["answer"].startswith("Der höchste Day-Ahead-Börsenpreis (DE-LU) gestern (")
    lowest = chat.ask("Und der niedrigste?")
    assert states(lowest["answer"], sql(runtime, LOWEST_PRICE, day, day), "de")
    assert chat.model.seen == []


def test_a_forecast_the_model_chose_for_a_past_day_is_read_from_the_store(
    runtime: Runtime, energy_site: Site
):
    day = today() - timedelta(days=2)
    chat = Chat(runtime, energy_site, ['{"tool": "forecast", "args": {"target": "consumption"}}'])
    state = chat.ask("Wie war das vorgestern bei mir?")
    assert state["tools_used"] == ["query_timeseries"]
    assert states(state["answer"], sql(runtime, CONSUMED, day, day), "de"), state["answer"]
    assert len(chat.model.seen) == 1  # the routing call; the answer is written by code
    assert "[" not in re.sub(r"\[\d\]", "", state["answer"])


def test_another_customers_meter_is_refused_in_a_follow_up_as_in_a_first_question(
    runtime: Runtime, energy_site: Site
):
    first = Chat(runtime, energy_site).ask("How much did meter M-002 consume yesterday?")
    refusal = first["answer"]
    assert refusal.startswith("I can't tell you anything about meter M-002")
    chat = Chat(runtime, energy_site, ["Hello! Ask me about your energy data."])
    chat.ask("Hi there")
    follow = chat.ask("And what about meter M-002?")
    assert follow["answer"] == refusal
    assert follow["calls"] == []  # refused before any tool or model call
    assert len(chat.model.seen) == 1
    german = Chat(runtime, energy_site)
    german.ask("Wie viel Strom habe ich gestern verbraucht?")
    assert german.ask("Und beim Zähler m-002?")["answer"].startswith("Zum Zähler M-002")


METER_USED = (
    "SELECT sum(consumption_kwh) FROM smart_meter_readings "
    "WHERE meter_id = ANY(:meters) AND ts >= :s AND ts < :e"
)


def test_a_meter_switch_keeps_measure_and_period_and_answers_the_new_meters_figure(
    runtime: Runtime, energy_site: Site
):
    """Monika may read M-001 and M-002: "Und bei M-002?" and "für den anderen Zähler" keep
    the thread's day written as an ordinal and answer each meter's own figure, by rule."""
    day = today() - timedelta(days=4)
    m001 = sql(runtime, METER_USED, day, day, meters=["M-001"])
    m002 = sql(runtime, METER_USED, day, day, meters=["M-002"])
    chat = Chat(runtime, energy_site, admin=True)
    first = chat.ask(
        f"Wie viel Strom hat M-001 am {ORDINALS_DE[day.day - 1]} {MONTHS_DE[day.month - 1]} "
        "verbraucht?"
    )
    assert first["calls"][0]["start"] == first["calls"][0]["end"] == day.isoformat()
    assert states(first["answer"], m001, "de"), first["answer"]
    switched = chat.ask("Und bei M-002?")
    (args,) = switched["calls"]
    assert (args["meter_id"], args["start"], args["end"]) == (
        "M-002",
        day.isoformat(),
        day.isoformat(),
    )
    assert "Zähler M-002" in switched["answer"]
    assert states(switched["answer"], m002, "de"), switched["answer"]
    assert not states(switched["answer"], m001, "de")
    back = chat.ask("Und für den anderen Zähler?")
    assert back["calls"][0]["meter_id"] == "M-001"
    assert states(back["answer"], m001, "de"), back["answer"]
    assert chat.model.seen == []


def test_english_meter_switches_and_both_meters_together(runtime: Runtime, energy_site: Site):
    day = today() - timedelta(days=6)
    chat = Chat(runtime, energy_site, admin=True)
    chat.ask(
        f"How much electricity did M-002 use on the {ORDINALS_EN[day.day - 1]} of "
        f"{MONTHS_EN[day.month - 1]}?"
    )
    other = chat.ask("what about meter M-001?")
    assert states(other["answer"], sql(runtime, METER_USED, day, day, meters=["M-001"]), "en")
    assert "meter M-001" in other["answer"]
    both = chat.ask("and both meters together?")
    assert "meter_id" not in both["calls"][0]
    total = sql(runtime, METER_USED, day, day, meters=["M-001", "M-002"])
    assert states(both["answer"], total, "en"), both["answer"]
    assert chat.model.seen == []


def test_a_figure_the_model_gives_a_meter_it_was_not_computed_for_never_reaches_the_user(
    runtime: Runtime, energy_site: Site
):
    """The model read M-001 (averages: no template, so it writes the answer) and wrote M-002's
    name over the figure: the answer is replaced by one that names the figure's own meter."""
    args = {"series": "consumption", "meter_id": "M-001", "period": "yesterday"}
    route = json.dumps({"tool": "query_timeseries", "args": args | {"aggregation": "avg"}})
    chat = Chat(runtime, energy_site, [route, "M-002 used 0.42 kWh on average [1]."], admin=True)
    chat.ask("How much did M-001 use yesterday?")
    state = chat.ask("And how did things look over there?")
    answer = state["answer"]
    assert answer.startswith("I have not computed a figure of its own for meter M-002")
    assert "M-002 used" not in answer
    assert "M-001" in answer


def test_a_holiday_and_a_colloquial_cost_question_read_the_holiday(
    runtime: Runtime, energy_site: Site
):
    """ "Tag der Arbeit" is 1 May of the latest year it has passed in, never a forecast; "what
    did my power set me back" is the customer's cost."""
    may_day = date(today().year - (today() < date(today().year, 5, 1)), 5, 1)
    chat = Chat(runtime, energy_site)
    state = chat.ask("Wie viel Strom habe ich am Tag der Arbeit verbraucht?")
    assert state["tools_used"] == ["query_timeseries"]
    (args,) = state["calls"]
    assert (args["start"], args["end"]) == (may_day.isoformat(), may_day.isoformat())
    assert f"{may_day:%d.%m.%Y}" in state["answer"]
    cost = Chat(runtime, energy_site).ask("What did my power set me back yesterday?")
    assert cost["calls"][0]["series"] == "cost"
    assert cost["answer"].startswith("Your electricity cost yesterday")
