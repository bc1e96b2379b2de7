"""Knowledge-base search without the chat model: what retrieval finds for a query, at once.

The admin checks here that a freshly ingested document is findable and which passages a
question would retrieve, before asking the (slow, CPU-bound) model.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from luna.api.deps import AdminUser, RuntimeDep
from luna.api.errors import field_error

router = APIRouter(prefix="/admin/search", tags=["admin"])


class SearchHit(BaseModel):
    chunk_id: int
    item_id: uuid.UUID
    title: str
    source: str
    page: int | None
    section: str | None
    score: float
    text: str


class SearchOut(BaseModel):
    query: str
    hits: list[SearchHit]


@router.get("", response_model=SearchOut)
async def search(
    runtime: RuntimeDep,
    _admin: AdminUser,
    q: Annotated[str, Query(min_length=1, max_length=500, description="The query text.")],
    top_k: Annotated[int, Query(ge=1, le=20)] = 5,
) -> SearchOut:
    """The passages retrieval would hand the model for ``q``, best first, with their scores."""
    if not q.strip():
        raise field_error("q", "must contain text")
    found = await run_in_threadpool(runtime.retriever.search, q, top_k=top_k)
    return SearchOut(
        query=q,
        hits=[
            SearchHit(
                chunk_id=c.chunk_id,
                item_id=c.item_id,
                title=c.title,
                source=c.source,
                page=c.page,
                section=c.section,
                score=round(c.score, 4),
                text=c.text,
            )
            for c in found
        ],
    )
