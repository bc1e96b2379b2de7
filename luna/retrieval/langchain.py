"""Luna's retrieval as LangChain components: a ``BaseRetriever`` and a ``VectorStore`` facade.

:class:`LunaRetriever` is the retrieval of the answers (:meth:`Retriever.search`: dense and
BM25 search fused by rank, multi-hop queries, learned weights and query adapter, SQL-trusted
hits, filters, near-duplicate removal, older versions marked) as a LangChain retriever, so
any chain or agent can use it: ``LunaRetriever.from_runtime(runtime) | format_docs``. The RAG
graph's ``retrieve`` node goes through it too, so there is one retrieval path.

Each hit is a :class:`~langchain_core.documents.Document` whose ``page_content`` is the
chunk's text (from SQL) and whose ``metadata`` carries everything the hit knows (see
:func:`chunk_document`); :func:`document_chunk` turns it back into the
:class:`RetrievedChunk`, losslessly.

:class:`LunaVectorStore` is the vector layer and embeddings behind LangChain's
``VectorStore`` interface: ``similarity_search`` is a dense (cosine) search, still
SQL-trusted; ``as_retriever`` gives the :class:`LunaRetriever`. It is read-only: texts enter
Luna through its ingest pipeline (see :data:`INGEST_ONLY`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForRetrieverRun,
    CallbackManagerForRetrieverRun,
)
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables.config import run_in_executor
from langchain_core.vectorstores import VectorStore
from pydantic import ConfigDict

from luna.retrieval.retriever import RetrievalFilter, RetrievedChunk, Retriever

if TYPE_CHECKING:
    from luna.runtime import Runtime

FilterLike = RetrievalFilter | Mapping[str, Any] | None

INGEST_ONLY = (
    "Luna's knowledge base is written only by its ingest pipeline, which parses, chunks, "
    "embeds and commits each document with its SQL rows (a vector without its item_chunks "
    "row is never served): use Runtime.ingest.ingest(data, filename), `luna ingest add "
    "FILE…` or POST /ingest, then search through LunaVectorStore or LunaRetriever."
)


def as_filter(filters: FilterLike) -> RetrievalFilter | None:
    """A :class:`RetrievalFilter` from one, or from a mapping with its field names
    (``{"item_ids": [...], "sources": [...], "labels": {"topic": "tariff"}}``), as LangChain
    callers pass filters; unknown keys are an error rather than silently ignored."""
    if filters is None or isinstance(filters, RetrievalFilter):
        return filters
    unknown = set(filters) - {"item_ids", "sources", "labels"}
    if unknown:
        raise ValueError(f"unknown retrieval filter keys: {sorted(unknown)}")
    item_ids = filters.get("item_ids")
    return RetrievalFilter(
        item_ids=None if item_ids is None else [uuid.UUID(str(i)) for i in item_ids],
        sources=filters.get("sources"),
        labels=filters.get("labels"),
    )


def chunk_document(chunk: RetrievedChunk) -> Document:
    """A hit as a LangChain document: the chunk text, and its metadata in JSON types (ids as
    strings, dates in ISO form); the document id is the chunk's vector (point) id."""
    return Document(
        id=str(chunk.point_id),
        page_content=chunk.text,
        metadata={
            "item_id": str(chunk.item_id),
            "chunk_id": chunk.chunk_id,
            "point_id": str(chunk.point_id),
            "title": chunk.title,
            "source": chunk.source,
            "ordinal": chunk.ordinal,
            "page": chunk.page,
            "section": chunk.section,
            "score": chunk.score,
            "valid_from": chunk.valid_from.isoformat() if chunk.valid_from else None,
            "version": chunk.version,
            "superseded_by": str(chunk.superseded_by) if chunk.superseded_by else None,
            "citation": chunk.citation(),
        },
    )


def document_chunk(document: Document) -> RetrievedChunk:
    """The :class:`RetrievedChunk` a :func:`chunk_document` document was made from."""
    meta = document.metadata
    return RetrievedChunk(
        chunk_id=int(meta["chunk_id"]),
        point_id=uuid.UUID(meta["point_id"]),
        item_id=uuid.UUID(meta["item_id"]),
        title=meta["title"],
        source=meta["source"],
        page=meta.get("page"),
        section=meta.get("section"),
        text=document.page_content,
        score=float(meta["score"]),
        valid_from=date.fromisoformat(meta["valid_from"]) if meta.get("valid_from") else None,
        version=meta.get("version"),
        superseded_by=uuid.UUID(meta["superseded_by"]) if meta.get("superseded_by") else None,
        ordinal=meta.get("ordinal"),
    )


class LunaRetriever(BaseRetriever):
    """Luna's hybrid retrieval (:meth:`Retriever.search`) as a LangChain retriever.

    The fields are :meth:`Retriever.search`'s arguments; any of them can also be given per
    call, e.g. ``retriever.invoke(question, k=8, filters={"sources": ["upload"]})``. What the
    retriever was built with (keyword search, dictionary, learned weights and query adapter)
    applies as in every other retrieval: :meth:`from_runtime` takes the runtime's.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Retriever
    k: int = 4
    """The number of hits (``top_k``)."""
    filters: RetrievalFilter | None = None
    """Documents to search in (item ids, sources, labels), resolved in SQL."""
    score_threshold: float | None = None
    """A lower bound on the dense (cosine) hits."""
    multi_hop: bool = True
    """Add the part, attribute and bridge queries (``luna.retrieval.queries``)."""
    spare: int = 0
    """More chunks after the ``k``, in rank order, for a caller that may set some aside."""
    superseded: bool = True
    """Also return the best chunk of each older version of a hit's document (after the hits,
    ``metadata["superseded_by"]`` set); False returns current versions only."""

    @classmethod
    def from_runtime(cls, runtime: Runtime, **fields: Any) -> LunaRetriever:
        """The runtime's retriever (its stores, embeddings, dictionary and learned state)."""
        return cls(retriever=runtime.retriever, **fields)

    def search(self, query: str, **overrides: Any) -> list[RetrievedChunk]:
        """The hits as :class:`RetrievedChunk`, with this retriever's settings and
        ``overrides`` (field names, as for ``invoke``)."""
        unknown = set(overrides) - set(_SEARCH_FIELDS)
        if unknown:
            raise TypeError(f"LunaRetriever got unknown arguments: {sorted(unknown)}")
        settings = {name: getattr(self, name) for name in _SEARCH_FIELDS} | overrides
        chunks = self.retriever.search(
            query,
            top_k=settings["k"],
            filters=as_filter(settings["filters"]),
            score_threshold=settings["score_threshold"],
            multi_hop=settings["multi_hop"],
            spare=settings["spare"],
        )
        if not settings["superseded"]:
            chunks = [c for c in chunks if c.superseded_by is None]
        return chunks

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **overrides: Any
    ) -> list[Document]:
        return [chunk_document(c) for c in self.search(query, **overrides)]

    async def _aget_relevant_documents(
        self,
        query: str,
        *,
        run_manager: AsyncCallbackManagerForRetrieverRun,
        **overrides: Any,
    ) -> list[Document]:
        # The search is synchronous (SQL sessions, the vector store): it runs in a worker
        # thread so an event loop is never blocked.
        chunks = await run_in_executor(None, self.search, query, **overrides)
        return [chunk_document(c) for c in chunks]


_SEARCH_FIELDS = ("k", "filters", "score_threshold", "multi_hop", "spare", "superseded")


class LunaVectorStore(VectorStore):
    """Luna's vector layer and embeddings as a (read-only) LangChain ``VectorStore``.

    ``similarity_search`` and ``similarity_search_with_score`` are a dense search (cosine
    similarity) through :meth:`Retriever.similar`: SQL-trusted, filtered like retrieval
    (``filter={"item_ids": [...], "sources": [...], "labels": {...}}``), without keyword
    search, fusion or multi-hop. ``as_retriever`` returns the full hybrid
    :class:`LunaRetriever`, which is what answers should use. ``add_texts`` and
    ``from_texts`` raise :class:`NotImplementedError` (:data:`INGEST_ONLY`): LangChain's
    contract (one text, one vector, the caller's metadata as payload) cannot hold Luna's
    (documents chunked, versioned, parsed for validity, committed in SQL first).
    """

    def __init__(self, retriever: Retriever) -> None:
        self._retriever = retriever

    @classmethod
    def from_runtime(cls, runtime: Runtime) -> LunaVectorStore:
        return cls(runtime.retriever)

    @property
    def embeddings(self) -> Embeddings:
        return self._retriever._embeddings

    def add_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        raise NotImplementedError(INGEST_ONLY)

    def add_documents(self, documents: list[Document], **kwargs: Any) -> list[str]:
        raise NotImplementedError(INGEST_ONLY)

    @classmethod
    def from_texts(
        cls,
        texts: list[str],
        embedding: Embeddings,
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> LunaVectorStore:
        raise NotImplementedError(f"{INGEST_ONLY} Build the store with from_runtime(runtime).")

    def similarity_search_with_score(
        self, query: str, k: int = 4, filter: FilterLike = None, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        """The ``k`` chunks nearest to ``query`` with their cosine similarity."""
        chunks = self._retriever.similar(
            query,
            top_k=k,
            filters=as_filter(filter),
            score_threshold=kwargs.get("score_threshold"),
        )
        return [(chunk_document(c), c.score) for c in chunks]

    def similarity_search(
        self, query: str, k: int = 4, filter: FilterLike = None, **kwargs: Any
    ) -> list[Document]:
        return [d for d, _ in self.similarity_search_with_score(query, k, filter, **kwargs)]

    def similarity_search_by_vector(
        self, embedding: list[float], k: int = 4, filter: FilterLike = None, **kwargs: Any
    ) -> list[Document]:
        chunks = self._retriever.similar(
            embedding,
            top_k=k,
            filters=as_filter(filter),
            score_threshold=kwargs.get("score_threshold"),
        )
        return [chunk_document(c) for c in chunks]

    def _select_relevance_score_fn(self) -> Callable[[float], float]:
        # Scores are cosine similarities already (higher is closer), not distances.
        return lambda score: score

    def as_retriever(self, **kwargs: Any) -> LunaRetriever:  # type: ignore[override]
        """The hybrid :class:`LunaRetriever` over the same retriever; ``kwargs`` are its
        fields (``k``, ``filters``, …) or, as for other stores, ``search_kwargs={"k": 8}``."""
        fields = {**kwargs.pop("search_kwargs", {}), **kwargs}
        search_type = fields.pop("search_type", "similarity")
        if search_type != "similarity":  # one kind of search: Luna's hybrid retrieval
            raise ValueError(f"LunaVectorStore retrieves by similarity only, not {search_type!r}")
        if "filter" in fields:
            fields["filters"] = fields.pop("filter")
        return LunaRetriever(retriever=self._retriever, **fields)


def chunks_of(documents: Sequence[Document]) -> list[RetrievedChunk]:
    """:func:`document_chunk` of each document, in order."""
    return [document_chunk(d) for d in documents]
