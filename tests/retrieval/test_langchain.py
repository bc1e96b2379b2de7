"""Luna's retrieval as LangChain components, over a small real ingested corpus.

The LangChain retriever must return exactly the internal call's hits in the same order (it is
the path the RAG graph takes), and plug into plain LCEL code; the vector-store facade searches
by similarity, SQL-trusted, and leaves writing to the ingest pipeline.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough

from luna.config import Settings
from luna.retrieval.langchain import (
    LunaRetriever,
    LunaVectorStore,
    chunk_document,
    chunks_of,
    document_chunk,
)
from luna.retrieval.retriever import RetrievalFilter
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.store.vectors.base import VectorPoint
from tests.emptying import empty_stores

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "knowledge"
DOCS = (
    "luna-strom-dynamisch-preisblatt.pdf",
    "netzbetreiber-14a-regeln.txt",
    "luna-store-10-manual-excerpt.pdf",
    "luna-iems-faq.md",
)
QUERIES = (
    "Wie hoch ist der Grundpreis im dynamischen Tarif?",
    "Wie setzt sich der Arbeitspreis zusammen?",
    "Welche Netzentgelte gelten nach Modul 3 im Hochtarif und im Niedertarif?",
    "What is the usable capacity of the battery storage?",
    "How much is the monthly base price of the dynamic tariff?",
    "What does the grid operator control under section 14a?",
)


@pytest.fixture(scope="module")
def runtime(settings: Settings, stores: Stores, tmp_path_factory) -> Iterator[Runtime]:
    """The corpus ingested once for the module; emptied afterwards as ``clean_db`` does."""
    rt = Runtime(settings.model_copy(update={"home": tmp_path_factory.mktemp("home")}), stores)
    for name in DOCS:
        assert rt.ingest.ingest((SAMPLES / name).read_bytes(), name).chunks > 0
    yield rt
    rt.close()
    empty_stores(stores)


@pytest.mark.parametrize("query", QUERIES)
def test_same_hits_in_the_same_order_as_the_internal_call(runtime: Runtime, query: str):
    internal = runtime.retriever.search(query, top_k=5)
    documents = LunaRetriever.from_runtime(runtime, k=5).invoke(query)
    assert internal, query
    assert chunks_of(documents) == internal  # every field, score included, in order
    assert [d.page_content for d in documents] == [c.text for c in internal]
    assert asyncio.run(LunaRetriever.from_runtime(runtime, k=5).ainvoke(query)) == documents


def test_settings_and_filters_reach_the_search(runtime: Runtime):
    query = QUERIES[0]
    first = runtime.retriever.search(query, top_k=4)[0]
    scope = RetrievalFilter(item_ids=[first.item_id])
    internal = runtime.retriever.search(query, top_k=3, filters=scope, multi_hop=False, spare=2)
    retriever = LunaRetriever.from_runtime(runtime, k=3, filters=scope, multi_hop=False, spare=2)
    assert chunks_of(retriever.invoke(query)) == internal
    # per call, and filters as LangChain callers pass them: a mapping with string ids
    by_call = LunaRetriever.from_runtime(runtime).invoke(
        query, k=3, filters={"item_ids": [str(first.item_id)]}, multi_hop=False, spare=2
    )
    assert chunks_of(by_call) == internal
    assert {d.metadata["item_id"] for d in by_call} == {str(first.item_id)}
    nowhere = {"item_ids": [str(uuid.uuid4())]}
    assert LunaRetriever.from_runtime(runtime, filters=nowhere).invoke(query) == []
    with pytest.raises(TypeError, match="unknown"):
        LunaRetriever.from_runtime(runtime).invoke(query, top_k=3)


def test_documents_carry_the_hit(runtime: Runtime):
    (document, *_) = LunaRetriever.from_runtime(runtime).invoke(QUERIES[3])
    meta = document.metadata
    assert document.id == meta["point_id"]
    assert {"item_id", "chunk_id", "title", "source", "ordinal", "page", "section", "score"} <= set(
        meta
    )
    assert {"valid_from", "version", "superseded_by", "citation"} <= set(meta)
    assert isinstance(meta["ordinal"], int)
    assert meta["score"] > 0
    assert chunk_document(document_chunk(document)) == document  # lossless both ways


class EchoModel(FakeListChatModel):
    """A fake chat model that remembers its prompts (and answers from its list)."""

    seen: ClassVar[list[str]] = []

    def _call(self, messages, stop=None, run_manager=None, **kwargs):  # type: ignore[override]
        self.seen.append("\n".join(str(m.content) for m in messages))
        return super()._call(messages, stop, run_manager, **kwargs)


def format_docs(documents: list[Document]) -> str:
    return "\n\n".join(
        f"[{i}] {d.metadata['citation']}\n{d.page_content}" for i, d in enumerate(documents, 1)
    )


def test_plugs_into_a_plain_lcel_chain(runtime: Runtime):
    retriever = LunaRetriever.from_runtime(runtime, k=3)
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Answer from the context.\n{context}"), ("human", "{question}")]
    )
    EchoModel.seen = []
    model = EchoModel(responses=["14,90 € pro Monat [1]"])
    chain: Any = (
        {"context": retriever | format_docs, "question": RunnablePassthrough()}
        | prompt
        | model
        | StrOutputParser()
    )
    question = QUERIES[0]
    assert chain.invoke(question) == "14,90 € pro Monat [1]"
    (seen,) = EchoModel.seen
    assert question in seen
    for hit in runtime.retriever.search(question, top_k=3):
        assert hit.text in seen


def test_vector_store_searches_by_similarity_sql_trusted(runtime: Runtime):
    store = LunaVectorStore.from_runtime(runtime)
    query = QUERIES[3]
    scored = store.similarity_search_with_score(query, k=4)
    assert len(scored) == 4
    scores = [s for _, s in scored]
    assert scores == sorted(scores, reverse=True)
    assert [d for d, _ in scored] == store.similarity_search(query, k=4)
    vector = runtime.embeddings.embed_query(query)
    assert store.similarity_search_by_vector(vector, k=4)  # no adapter learned: the same hits
    # an orphan vector (no item_chunks row) nearest of all is never served
    orphan = uuid.uuid4()
    runtime.stores.vectors.upsert([VectorPoint(orphan, vector, {"item_id": str(uuid.uuid4())})])
    try:
        assert orphan not in {uuid.UUID(d.id or "") for d in store.similarity_search(query, k=4)}
    finally:
        runtime.stores.vectors.delete_points([orphan])
    one = scored[0][0].metadata["item_id"]
    filtered = store.similarity_search(query, k=4, filter={"item_ids": [one]})
    assert filtered
    assert {d.metadata["item_id"] for d in filtered} == {one}


def test_vector_store_retriever_and_writes(runtime: Runtime):
    store = LunaVectorStore.from_runtime(runtime)
    retriever = store.as_retriever(search_kwargs={"k": 5})
    assert isinstance(retriever, LunaRetriever)
    assert chunks_of(retriever.invoke(QUERIES[4])) == runtime.retriever.search(QUERIES[4], top_k=5)
    with pytest.raises(ValueError, match="similarity only"):
        store.as_retriever(search_type="mmr")
    with pytest.raises(NotImplementedError, match="ingest"):
        store.add_texts(["Der Grundpreis beträgt 99 €."])
    with pytest.raises(NotImplementedError, match="ingest"):
        store.add_documents([Document("x")])
    with pytest.raises(NotImplementedError, match="ingest"):
        LunaVectorStore.from_texts(["x"], runtime.embeddings)
