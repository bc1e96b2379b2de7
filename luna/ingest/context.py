"""The document context every chunk is indexed with (contextual chunk embeddings).

A section of a policy ("8 Monitoring … reports within 2 working days") does not name the
company, and a datasheet row does not name the product family: those live in the title and
the document's opening lines. A question names them ("… bei Vogt …"), so without them the
header chunk wins every search about the document and the section that answers loses. Each
chunk is therefore embedded and keyword-indexed as title + opening + its own text; SQL keeps
the chunk's own text, which is what passages show.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from luna.store.sql.models import ItemChunk

OPENING_CHARS = 200


def opening(first_chunk: str, title: str | None, limit: int = OPENING_CHARS) -> str:
    """The first ``limit`` characters of a document's first chunk (cut at a word), without the
    title it may start with."""
    text = " ".join(first_chunk.split())
    if title and text.casefold().startswith(" ".join(title.split()).casefold()):
        text = text[len(" ".join(title.split())) :].lstrip(" ·:-–")
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return cut[: cut.rfind(" ")] if " " in cut else cut


def indexed_text(text: str, *, title: str | None, context: str, ordinal: int) -> str:
    """What a chunk is embedded and keyword-indexed as: title, the document's opening (not
    repeated in the first chunk, which holds it) and the chunk's own text."""
    head = [title] if title else []
    if context and ordinal > 0:
        head.append(context)
    return "\n".join([*head, text])


def openings(session: Session, titles: Mapping[uuid.UUID, str | None]) -> dict[uuid.UUID, str]:
    """The opening of each item in ``titles`` (item id → title), from its first chunk row (for
    re-embedding without re-parsing)."""
    ids = list(titles)
    if not ids:
        return {}
    first = (
        select(ItemChunk.item_id, func.min(ItemChunk.ordinal).label("ordinal"))
        .where(ItemChunk.item_id.in_(ids))
        .group_by(ItemChunk.item_id)
        .subquery()
    )
    rows = session.execute(
        select(ItemChunk.item_id, ItemChunk.text).join(
            first,
            (ItemChunk.item_id == first.c.item_id) & (ItemChunk.ordinal == first.c.ordinal),
        )
    ).all()
    return {item_id: opening(text, titles.get(item_id)) for item_id, text in rows}
