"""Admin learning: curated Q&A pairs and corrections of answers become knowledge.

Each pair is ingested through the normal ingest pipeline as a small Markdown document with
source ``curated:<uuid>`` and a provenance footer (who, when, which document or answer it
refers to), so retrieval can find and cite it like any other document. The pair is stored in
``curated_pairs`` only once its document is ready; learning cycles then use it as a training
pair (question → referenced passage) and as an up-vote by its curator for that passage.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from luna.runtime import Runtime
from luna.store.sql.database import session_scope
from luna.store.sql.models import Answer, CuratedPair, Item, ItemChunk, ItemStatus


class CuratedError(ValueError):
    """A curated pair refers to something that does not exist, or could not be ingested."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _check_refs(
    session: Session,
    item_id: uuid.UUID | None,
    chunk_id: int | None,
    answer_id: uuid.UUID | None,
) -> tuple[uuid.UUID | None, str | None]:
    """Validate the references; the referenced item (from the chunk if only that is given)
    and its title."""
    if chunk_id is not None:
        chunk = session.get(ItemChunk, chunk_id)
        if chunk is None:
            raise CuratedError("chunk_id", f"no chunk {chunk_id}")
        if item_id is not None and chunk.item_id != item_id:
            raise CuratedError("chunk_id", f"chunk {chunk_id} is not part of item {item_id}")
        item_id = chunk.item_id
    title = None
    if item_id is not None:
        item = session.get(Item, item_id)
        if item is None or item.status is not ItemStatus.READY:
            raise CuratedError("item_id", f"no ready item {item_id}")
        title = item.title
    if answer_id is not None and session.get(Answer, answer_id) is None:
        raise CuratedError("answer_id", f"no answer {answer_id}")
    return item_id, title


def _document(
    question: str, answer: str, actor: str, ref_title: str | None, answer_id: uuid.UUID | None
) -> bytes:
    lines = [f"# {question.strip()}", "", answer.strip(), "", "---", ""]
    note = f"Kuratierte Antwort von {actor}, {datetime.now(UTC):%Y-%m-%d}."
    if ref_title:
        note += f" Quelle: {ref_title}."
    if answer_id:
        note += f" Korrektur der Antwort {answer_id}."
    lines.append(note)
    return "\n".join(lines).encode()


def add_curated(
    runtime: Runtime,
    *,
    question: str,
    answer: str,
    actor: str,
    item_id: uuid.UUID | None = None,
    chunk_id: int | None = None,
    answer_id: uuid.UUID | None = None,
    note: str | None = None,
) -> int:
    """Ingest the pair as a curated document and store it; returns the pair's id."""
    with runtime.stores.sessions() as session:
        item_id, ref_title = _check_refs(session, item_id, chunk_id, answer_id)
    source = f"curated:{uuid.uuid4()}"
    outcome = runtime.ingest.ingest(
        _document(question, answer, actor, ref_title, answer_id),
        f"{source.split(':', 1)[1]}.md",
        mime_type="text/markdown",
        source=source,
        title=f"Kuratiert: {question.strip()[:200]}",
    )
    if outcome.status is not ItemStatus.READY:
        if not outcome.duplicate:
            runtime.ingest.delete(outcome.item_id)
        raise CuratedError("answer", f"the curated document could not be ingested: {outcome.error}")
    provenance: dict[str, Any] = {
        "kind": "correction" if answer_id else "curated",
        "source": source,
        "reference_title": ref_title,
        "note": note,
    }
    try:
        with session_scope(runtime.stores.sessions) as session:
            pair = CuratedPair(
                question=question.strip(),
                answer=answer.strip(),
                item_id=item_id,
                chunk_id=chunk_id,
                answer_id=answer_id,
                knowledge_item_id=outcome.item_id,
                provenance=provenance,
                created_by=actor,
            )
            session.add(pair)
            session.flush()
            return pair.id
    except Exception:
        if not outcome.duplicate:
            runtime.ingest.delete(outcome.item_id)  # no curated document without its pair
        raise


def list_curated(session: Session, limit: int = 200) -> list[CuratedPair]:
    return list(session.scalars(select(CuratedPair).order_by(CuratedPair.id.desc()).limit(limit)))
