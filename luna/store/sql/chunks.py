"""Reading a document's stored chunks back, for code that needs more of it than was retrieved."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from luna.ingest.model import SECTION_SEPARATOR
from luna.store.sql.models import ItemChunk


def chunk_texts(session: Session, item_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """Each item's chunk texts in document order."""
    ids = list(dict.fromkeys(item_ids))
    texts: dict[uuid.UUID, list[str]] = {item_id: [] for item_id in ids}
    if not ids:
        return texts
    rows = session.execute(
        select(ItemChunk.item_id, ItemChunk.text)
        .where(ItemChunk.item_id.in_(ids))
        .order_by(ItemChunk.item_id, ItemChunk.ordinal)
    ).all()
    for item_id, text in rows:
        texts[item_id].append(text)
    return texts


def section_texts(
    session: Session, sections: Iterable[tuple[uuid.UUID, str | None]]
) -> dict[tuple[uuid.UUID, str | None], list[str]]:
    """The chunk texts of each (item, section) in document order, its subsections' included
    ("2 Flex > Rechenbeispiel" belongs to "2 Flex"; ``None``: the chunks without a
    section)."""
    wanted = list(dict.fromkeys(sections))
    texts: dict[tuple[uuid.UUID, str | None], list[str]] = {key: [] for key in wanted}
    if not wanted:
        return texts
    rows = session.execute(
        select(ItemChunk.item_id, ItemChunk.section, ItemChunk.text)
        .where(ItemChunk.item_id.in_({item_id for item_id, _ in wanted}))
        .order_by(ItemChunk.item_id, ItemChunk.ordinal)
    ).all()
    for item_id, section, text in rows:
        for key in _enclosing(item_id, section):
            if key in texts:
                texts[key].append(text)
    return texts


def _enclosing(item_id: uuid.UUID, section: str | None) -> list[tuple[uuid.UUID, str | None]]:
    """The (item, section) keys a chunk's section lies in: its own and each enclosing one."""
    if section is None:
        return [(item_id, None)]
    parts = section.split(SECTION_SEPARATOR)
    return [(item_id, SECTION_SEPARATOR.join(parts[:n])) for n in range(len(parts), 0, -1)]
