"""RAG graph wiring with a scripted chat model, over real retrieval and a real checkpointer.

Asserts the path taken (first turns skip the condense call, follow-ups use it), that history
persists per thread in PostgreSQL, and that citations map back to retrieved chunks.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import BaseMessage, HumanMessage
from sqlalchemy import text

from luna.config import AnswerCheck, Settings
from luna.graphs.rag.answerability import REFUSAL_TEXT
from luna.graphs.rag.graph import build_rag_graph
from luna.graphs.rag.grounding import WITHHELD
from luna.graphs.rag.nodes import _authoritative_completions, _current_documents, parse_verdict
from luna.graphs.rag.state import RagContext
from luna.prompts.registry import register_files
from luna.retrieval.retriever import RetrievedChunk
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from tests.scripted_model import ScriptedModel

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "knowledge"


@pytest.fixture
def runtime(settings: Settings, clean_db: Stores, tmp_path: Path) -> Iterator[Runtime]:
    rt = Runtime(settings.model_copy(update={"home": tmp_path}))
    with session_scope(rt.stores.sessions) as s:
        register_files(s)
    for name in ("luna-strom-dynamisch-preisblatt.pdf", "netzbetreiber-14a-regeln.txt"):
        assert rt.ingest.ingest((SAMPLES / name).read_bytes(), name).chunks > 0
    yield rt
    rt.close()


class RecordingModel(FakeListChatModel):
    """Scripted replies; remembers the prompts it was given."""

    seen: ClassVar[list[list[str]]] = []

    def _call(self, messages, stop=None, run_manager=None, **kwargs):  # type: ignore[override]
        self.seen.append([str(m.content) for m in messages])
        return super()._call(messages, stop, run_manager, **kwargs)


def test_first_turn_retrieves_and_cites_follow_up_is_condensed(runtime: Runtime):
    model = RecordingModel(
        responses=[
            "Der Grundpreis beträgt 14,90 € pro Monat brutto [1].",
            "Wie setzt sich der Arbeitspreis zusammen?",
            "Day-Ahead-Preis plus 16,131 ct/kWh netto [1].",
        ]
    )
    RecordingModel.seen = []
    graph = build_rag_graph(runtime.checkpointer)
    ctx = RagContext(
        retriever=runtime.retriever,
        chat_model=model,
        sessions=runtime.stores.sessions,
        model_name="scripted",
        top_k=3,
    )
    config = {"configurable": {"thread_id": "test-user:thread-1"}}

    def turn(question: str) -> tuple[list[str], dict]:
        return _ask(graph, ctx, question, config)

    nodes, first = turn("Wie hoch ist der Grundpreis im dynamischen Tarif?")
    assert nodes == ["condense", "retrieve", "facts", "screen", "check", "generate"]
    assert len(model.seen) == 1  # no condense call on a first turn
    assert first["standalone_question"] == "Wie hoch ist der Grundpreis im dynamischen Tarif?"
    assert first["citations"][0]["title"].startswith("Luna Strom Dynamisch")
    assert first["citations"][0]["chunk_id"] == first["sources"][0]["chunk_id"]
    assert "[1] Luna Strom Dynamisch" in model.seen[0][-1]  # numbered passages in the prompt
    assert first["prompt"].startswith("rag_answer@")

    # The database goes away between two turns (a restart, as far as clients can tell):
    # every pooled connection of the checkpointer and the stores is terminated.
    with runtime.stores.engine.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    assert killed >= 1

    _, second = turn("Und der Arbeitspreis?")
    assert len(model.seen) == 3
    assert "Und der Arbeitspreis?" in model.seen[1][-1]  # the condense prompt saw the follow-up
    assert "14,90" in model.seen[1][-1]  # ... and the history
    assert second["standalone_question"] == "Wie setzt sich der Arbeitspreis zusammen?"
    history = graph.get_state(config).values["messages"]
    assert [m.type for m in history] == ["human", "ai", "human", "ai"]

    other = {"configurable": {"thread_id": "test-user:thread-2"}}
    assert graph.get_state(other).values == {}


def test_refusal_carries_no_citations(runtime: Runtime):
    model = FakeListChatModel(responses=["I don't know based on the available documents."])
    graph = build_rag_graph()
    ctx = RagContext(
        retriever=runtime.retriever,
        chat_model=model,
        sessions=runtime.stores.sessions,
        model_name="scripted",
    )
    result = graph.invoke(
        {
            "messages": [HumanMessage("Who won the 1954 World Cup?")],
            "question": "Who won the 1954 World Cup?",
        },
        context=ctx,
    )
    assert result["refused"] is True
    assert result["citations"] == []


def _context(
    runtime: Runtime, model: ScriptedModel, answer_check: AnswerCheck = AnswerCheck.MODEL
) -> RagContext:
    return RagContext(
        retriever=runtime.retriever,
        chat_model=model,
        sessions=runtime.stores.sessions,
        model_name="scripted",
        top_k=3,
        answer_check=answer_check,
    )


def _ask(graph, ctx: RagContext, question: str, config=None) -> tuple[list[str], dict]:
    """One run of the graph: the nodes in order and the state they wrote."""
    nodes, state = [], {}
    for update in graph.stream(
        {"messages": [HumanMessage(question)], "question": question},
        config,
        context=ctx,
        stream_mode="updates",
    ):
        for node, values in update.items():
            nodes.append(node)
            state.update(values or {})
    return nodes, state


def test_answer_check_refuses_in_the_question_language_without_generating(runtime: Runtime):
    model = ScriptedModel(script=['{"answerable": false}', '{"answerable": false}'])
    graph = build_rag_graph()

    nodes, state = _ask(
        graph, _context(runtime, model), "Wie hoch ist der Grundpreis im Tarif Fix?"
    )
    assert nodes == ["condense", "retrieve", "facts", "screen", "check", "refuse"]
    assert state["answer"] == REFUSAL_TEXT["de"]
    assert state["refused"] is True
    assert state["citations"] == []
    assert state["prompt"].startswith("rag_check@")
    assert "Wie hoch ist der Grundpreis im Tarif Fix?" in model.prompt(0)  # the check saw it

    _, english = _ask(graph, _context(runtime, model), "What is the base price of the Fix tariff?")
    assert english["answer"] == REFUSAL_TEXT["en"]
    assert len(model.seen) == 2  # one check call per question, no answer call


def test_answer_check_shares_the_answer_prompt_as_prefix(runtime: Runtime):
    """The check is the answer prompt plus one message, so llama.cpp reuses the prefill."""
    model = ScriptedModel(script=['{"answerable": true}', "Der Grundpreis beträgt 14,90 € [1]."])
    nodes, state = _ask(build_rag_graph(), _context(runtime, model), "Wie hoch ist der Grundpreis?")
    assert nodes[-2:] == ["check", "generate"]
    assert state["refused"] is False
    assert state["citations"]
    check_messages, answer_messages = model.seen
    assert check_messages[:-1] == answer_messages
    assert "answerable" in str(check_messages[-1].content)


def test_the_parts_of_a_question_that_asks_several_things_are_listed_for_the_answer(
    runtime: Runtime,
):
    model = ScriptedModel(
        script=['{"answerable": true}', "Der Grundpreis beträgt 14,90 € [1]. Der Arbeitspreis …"]
    )
    question = "Wie hoch ist der Grundpreis und wie setzt sich der Arbeitspreis zusammen?"
    _ask(build_rag_graph(), _context(runtime, model), question)
    asked = str(model.seen[-1][-1].content)
    assert asked.rstrip().endswith(
        "order, with the name, date or figure it asks for):\n1. Wie hoch ist der Grundpreis?\n"
        "2. wie setzt sich der Arbeitspreis zusammen?"
    )
    model = ScriptedModel(script=['{"answerable": true}', "Der Grundpreis beträgt 14,90 € [1]."])
    _ask(build_rag_graph(), _context(runtime, model), "Wie hoch ist der Grundpreis?")
    assert "PARTS" not in str(model.seen[-1][-1].content)


def test_a_check_reply_without_verdict_lets_the_answer_through(runtime: Runtime):
    model = ScriptedModel(script=["hmm", "Der Grundpreis beträgt 14,90 € [1]."])
    nodes, state = _ask(build_rag_graph(), _context(runtime, model), "Grundpreis?")
    assert nodes[-1] == "generate"
    assert "14,90" in state["answer"]


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [
        ('{"answerable": true}', True),
        ('{"answerable":false}', False),
        ('```json\n{"answerable": false}\n```', False),
        ("No, the context describes another battery.", False),
        ("Ja.", True),
        ("maybe", None),
    ],
)
def test_parse_verdict(reply: str, verdict: bool | None):
    assert parse_verdict(reply) is verdict


def test_a_designation_no_passage_mentions_is_refused_before_any_model_call(runtime: Runtime):
    model = ScriptedModel(script=[])
    nodes, state = _ask(
        build_rag_graph(), _context(runtime, model), "Wie hoch ist der Grundpreis im Modul 7?"
    )
    assert nodes[-2:] == ["check", "refuse"]
    assert state["unmentioned"] == ["Modul 7"]
    assert state["answer"] == REFUSAL_TEXT["de"] + " Sie erwähnen „Modul 7“ nicht."
    assert model.seen == []


def test_names_only_check_refuses_unmentioned_names_and_never_asks_the_model(runtime: Runtime):
    model = ScriptedModel(script=["Der Grundpreis beträgt 14,90 € [1]."])
    graph = build_rag_graph()
    names = AnswerCheck.NAMES
    _, refused = _ask(graph, _context(runtime, model, names), "Was kostet der Tarif 2019?")
    assert refused["unmentioned"] == ["2019"]
    assert model.seen == []
    nodes, answered = _ask(graph, _context(runtime, model, names), "Wie hoch ist der Grundpreis?")
    assert nodes[-2:] == ["check", "generate"]
    assert "14,90" in answered["answer"]
    assert len(model.seen) == 1  # the answer only, no check call


def test_a_refusal_names_only_what_this_turn_misses(runtime: Runtime):
    """The state is checkpointed per thread: the first turn's missing name must not reappear."""
    # Turn 1 is refused by the names check alone; turn 2 is condensed, then the model says no.
    model = ScriptedModel(script=["Wie hoch ist der Grundpreis?", '{"answerable": false}'])
    graph = build_rag_graph(runtime.checkpointer)
    ctx = _context(runtime, model)
    config = {"configurable": {"thread_id": f"test:{uuid.uuid4().hex}"}}
    _, first = _ask(graph, ctx, "Wie hoch ist der Grundpreis im Modul 7?", config)
    assert first["unmentioned"] == ["Modul 7"]
    _, second = _ask(graph, ctx, "Wie hoch ist der Grundpreis?", config)
    assert second["answer"] == REFUSAL_TEXT["de"]  # the model said no; no names to blame


class NumberPicker(ScriptedModel):
    """Replies to the ``rag_calculate`` prompt with ``template`` filled with the ids its
    numbers list gives ``values`` (the ids depend on what retrieval and screening showed)."""

    values: list[str]
    template: str

    def _next(self, messages: list[BaseMessage]) -> str:
        self.seen.append(list(messages))
        listing = str(messages[-1].content)
        ids = []
        for value in self.values:
            found = re.search(rf"^(n\d+) = {re.escape(value)}\b", listing, re.MULTILINE)
            assert found is not None, (value, listing)
            ids.append(found.group(1))
        return json.dumps({"expression": self.template.format(*ids)})


def test_a_figure_that_needs_arithmetic_is_computed_by_code_not_written_by_the_model(
    runtime: Runtime,
):
    question = "Wie hoch ist der Arbeitspreis brutto bei einem Day-Ahead-Preis von 10,00 ct/kWh?"
    hits = runtime.retriever.search(question, top_k=3)
    n = next(i for i, h in enumerate(hits, start=1) if "16,131 ct/kWh" in h.text)
    model = NumberPicker(script=[], values=["10,00", "16,131", "1,19"], template="({} + {}) * {}")
    ctx = _context(runtime, model, AnswerCheck.NAMES)
    nodes, state = _ask(build_rag_graph(), ctx, question)
    assert nodes[-2:] == ["check", "calculate"]
    assert state["calculated"] is True
    assert "= 31,10 ct/kWh" in state["answer"]  # (10,00 + 16,131) × 1,19 = 31,0959
    assert [c["n"] for c in state["citations"]] == [n]
    # the sheet's formula sentence ("… = (Day-Ahead-Preis + 16,131 ct/kWh) × 1,19. …") is
    # evaluated by code: the model plans nothing and writes no answer
    assert model.seen == []


@pytest.mark.parametrize(
    ("draft", "withheld"),
    [
        # the model's own arithmetic, with a price no passage states
        ("Der Arbeitspreis kostet Sie 40 kWh × 0,10 €/kWh = 4,00 € im Monat [1].", True),
        ("Der Arbeitspreis beträgt 16,131 ct/kWh [1].", False),  # as the price sheet states
        ("Der Arbeitspreis beträgt 0,16131 €/kWh [1].", False),  # the same, in euros
    ],
)
def test_a_figure_no_source_states_is_withheld_not_asserted(
    runtime: Runtime, draft: str, withheld: bool
):
    model = ScriptedModel(script=[draft])
    ctx = _context(runtime, model, AnswerCheck.NAMES)
    nodes, state = _ask(build_rag_graph(), ctx, "Was steht im Preisblatt zum Arbeitspreis?")
    assert nodes[-1] == "generate"
    assert state["refused"] is withheld
    if withheld:
        assert state["answer"] == WITHHELD["de"]
        assert state["citations"] == []
    else:
        assert state["answer"].startswith(draft.removesuffix("."))


def test_a_price_asked_from_passages_of_no_authority_brings_the_price_sheet(runtime: Runtime):
    """Retrieval found only a grid operator's rules text or nothing authoritative: a question
    that asks a price still reads the current price sheet's passage on it."""
    ctx = _context(runtime, ScriptedModel(script=[]))
    found = _authoritative_completions("What is the monthly base fee?", [], ctx)
    assert found
    chunk, pinned = found[0]
    assert chunk.title.startswith("Luna Strom Dynamisch")
    assert pinned  # asked as an attribute: shown whatever ranks above it
    assert _authoritative_completions("Who installed the battery?", [], ctx) == []


def test_a_tariff_price_asked_beside_an_authoritative_non_tariff_brings_the_price_sheet(
    runtime: Runtime,
):
    """Retrieval ranked a PV agreement (authoritative, but no tariff) for "the monthly base
    fee": a tariff's price is what only a price sheet states, so its passage is added and
    pinned; a price of something else ("what does the heat pump cost?") is not looked for in
    the tariff."""
    ctx = _context(runtime, ScriptedModel(script=[]))
    contract = RetrievedChunk(
        chunk_id=-1,
        point_id=uuid.uuid4(),
        item_id=uuid.uuid4(),
        title="Direct Marketing Agreement (PV)",
        source="agreement.docx",
        page=1,
        section="4. Remuneration",
        text="For each MWh fed in, the Producer receives a fixed price of 78.50 EUR.",
        score=1.0,
    )
    found = _authoritative_completions("What is the monthly base fee, net?", [contract], ctx)
    assert found
    chunk, pinned = found[0]
    assert chunk.title.startswith("Luna Strom Dynamisch")
    assert pinned
    assert _authoritative_completions("What does the heat pump cost?", [contract], ctx) == []
    # a grid operator's letter that states its own fee answers a grid-fee question itself
    letter = RetrievedChunk(
        chunk_id=-2,
        point_id=uuid.uuid4(),
        item_id=uuid.uuid4(),
        title="Netzbetreiber: Bestätigung § 14a",
        source="letter.docx",
        page=1,
        section=None,
        text="Netzentgelt Modul 2: reduzierter Arbeitspreis 2,74 ct/kWh netto.",
        score=1.0,
    )
    assert (
        _authoritative_completions("Wie hoch ist das Netzentgelt für Modul 2?", [letter], ctx) == []
    )


def test_code_reads_the_sources_screened_not_a_planted_price(runtime: Runtime):
    """The calculations that read all retrieved sources (tables read whole, a peak against a
    limit) see them screened like the shown passages."""
    ctx = _context(runtime, ScriptedModel(script=[]))
    sources = [
        {"n": 1, "item_id": str(uuid.uuid4()), "title": "Preisblatt 2026", "section": None,
         "text": "Leistungspreis: 118,00 €/kW im Jahr."},
        {"n": 2, "item_id": str(uuid.uuid4()), "title": "Notiz Haustechnik",
         "section": "Anmerkungen", "text": "Der Leistungspreis bleibt bei 104 €/kW im Jahr."},
    ]  # fmt: skip
    current, _ = _current_documents({"question": "?", "sources": sources}, ctx)
    assert current[0]["text"] == sources[0]["text"]
    assert "104" not in current[1]["text"]  # contradicted by the price sheet: dropped
