"""German answers to German data questions, English to English, and follow-ups in the thread's
language: 36 questions (18 threads, 12 of them with a follow-up), each through the energy
assistant graph with real tools on a simulated site and a model that must never be called.
The questions were written for this test before it first ran and were not edited after; each
answer must be in the thread's language, cite its data and leak no bracket or prompt word.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from langchain_core.messages import HumanMessage

from luna.config import Settings
from luna.core.language import Language, detect_language
from luna.graphs.agent.graph import build_agent_graph
from luna.graphs.agent.state import AgentContext, turn_input
from luna.prompts.registry import register_files
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.tools import ToolContext, build_tools
from tests.energy_site import Site, site_lifetime
from tests.scripted_model import ScriptedModel

# (language, first question, follow-up or None)
THREADS: list[tuple[Language, str, str | None]] = [
    ("de", "Wie viel Strom habe ich gestern verbraucht?", "Und vorgestern?"),
    ("de", "Wie hoch war mein Verbrauch letzte Woche?", "Und in der Woche davor?"),
    ("de", "Wie viel hat meine PV-Anlage gestern erzeugt?", "Und letzte Woche?"),
    ("de", "Was hat mich der Strom letzte Woche gekostet?", "Und gestern?"),
    ("de", "Wann war gestern meine höchste Verbrauchsstunde?", None),
    ("de", "Wie teuer war der Börsenstrom gestern im Durchschnitt?", "Und letzte Woche?"),
    ("de", "Wie viel Strom hat Zähler M-002 gestern verbraucht?", None),
    ("de", "Wie viel Solarstrom habe ich gestern selbst verbraucht?", "Und letzte Woche?"),
    ("de", "Wie viel kWh habe ich in den letzten 7 Tagen bezogen?", "Und was hat das gekostet?"),
    ("en", "How much electricity did I use yesterday?", "And the day before?"),
    ("en", "What was my consumption last week?", "And the week before that?"),
    ("en", "How much did my solar panels produce yesterday?", "What about last week?"),
    ("en", "What did my electricity cost me last week?", "And yesterday?"),
    ("en", "When was my peak hour yesterday?", None),
    ("en", "What was the average day-ahead price yesterday?", "And last week?"),
    ("en", "How much did meter M-002 consume yesterday?", None),
    ("en", "How much of my own solar power did I use yesterday?", "And last week?"),
    ("en", "How many kWh did I draw in the last 7 days?", None),
]
_CITATION = re.compile(r"\[\d{1,2}\]")
_LEAK_WORDS = ("RESULTS", "According to the", "The user", "error", "query_timeseries", "{")


@pytest.fixture(scope="module")
def energy_site(stores: Stores) -> Iterator[Site]:
    yield from site_lifetime(stores)


@pytest.fixture(scope="module")
def runtime(
    settings: Settings, stores: Stores, energy_site: Site, tmp_path_factory
) -> Iterator[Runtime]:
    rt = Runtime(settings.model_copy(update={"home": tmp_path_factory.mktemp("language")}))
    with session_scope(stores.sessions) as s:
        register_files(s)
    yield rt
    rt.close()


def _answer(graph, ctx: AgentContext, thread: str, question: str) -> str:
    config = {"configurable": {"thread_id": thread}}
    for _ in graph.stream(
        turn_input(question, HumanMessage(question)), config, context=ctx, stream_mode="updates"
    ):
        pass
    return str(graph.get_state(config).values["answer"])


def test_the_thread_set_is_large_enough():
    questions = sum(1 + (follow is not None) for _, _, follow in THREADS)
    assert questions >= 30
    assert {language for language, _, _ in THREADS} == {"de", "en"}


@pytest.mark.parametrize(("language", "question", "follow_up"), THREADS)
def test_data_answers_are_in_the_threads_language(
    runtime: Runtime, energy_site: Site, language: Language, question: str, follow_up: str | None
):
    tools = build_tools(
        ToolContext(
            settings=runtime.settings,
            sessions=runtime.stores.sessions,
            retriever=None,
            user_id=energy_site.anna_id,
            timescale=runtime.stores.timescale,
        )
    )
    model = ScriptedModel(script=[], seen=[])  # every answer is routed and written by code
    ctx = AgentContext(
        chat_model=model,
        tools=tools,
        sessions=runtime.stores.sessions,
        model_name="scripted",
        max_tool_rounds=2,
    )
    graph = build_agent_graph(tools, runtime.checkpointer)
    thread = f"test:{uuid.uuid4().hex}"
    for asked in [question, *([follow_up] if follow_up else [])]:
        answer = _answer(graph, ctx, thread, asked)
        assert detect_language(answer) == language, (asked, answer)
        rest = _CITATION.sub("", answer)
        assert not set("[]{}") & set(rest), (asked, answer)
        assert not [w for w in _LEAK_WORDS if w.casefold() in answer.casefold()], answer
    assert model.seen == []
