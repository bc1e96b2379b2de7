"""The sample knowledge base the retrieval and QA datasets refer to, and how hits map to it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from luna.evals.datasets import Reference
from luna.evals.metrics import section_matches
from luna.runtime import Runtime
from luna.store.sql.models import Item, ItemChunk, ItemStatus

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "samples" / "knowledge"


def ingest_samples(runtime: Runtime, directory: Path = SAMPLES_DIR) -> int:
    """Ingest every sample document; unchanged ones are recognised by hash and skipped."""
    ingested = 0
    for path in sorted(directory.iterdir()):
        if path.is_file() and path.name != "manifest.json":
            outcome = runtime.ingest.ingest(path.read_bytes(), path.name)
            ingested += 0 if outcome.duplicate else 1
    return ingested


def file_name(source: str) -> str:
    """``upload:tarif.pdf`` or ``docs/tarif.pdf`` → ``tarif.pdf``."""
    return source.rsplit(":", 1)[-1].rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Chunk:
    item_id: uuid.UUID
    document: str
    title: str
    section: str | None
    text: str


class KnowledgeIndex:
    """Every ready chunk of the knowledge base, to grade hits and build the ideal ranking."""

    def __init__(self, runtime: Runtime) -> None:
        with runtime.stores.sessions() as session:
            rows = session.execute(
                select(
                    ItemChunk.item_id, Item.source, Item.title, ItemChunk.section, ItemChunk.text
                )
                .join(Item, Item.id == ItemChunk.item_id)
                .where(Item.status == ItemStatus.READY)
            ).all()
        self.chunks = [Chunk(r[0], file_name(r[1]), r[2], r[3], r[4]) for r in rows]
        self.documents = {c.item_id: (c.document, c.title) for c in self.chunks}

    def document_of(self, item_id: uuid.UUID | str) -> str | None:
        entry = self.documents.get(uuid.UUID(str(item_id)))
        return entry[0] if entry else None

    def missing(self, references: list[Reference]) -> list[str]:
        known = {doc for doc, _ in self.documents.values()}
        return sorted({r.document for r in references} - known)

    @staticmethod
    def grade(
        document: str, title: str, section: str | None, text: str, refs: list[Reference]
    ) -> int:
        """2: the expected document and section; 1: the expected document; 0: another one."""
        best = 0
        for ref in refs:
            if document == ref.document or title == ref.title:
                best = max(best, 2 if section_matches(section, text, ref.section) else 1)
        return best

    def ideal_grades(self, refs: list[Reference]) -> list[int]:
        grades = (self.grade(c.document, c.title, c.section, c.text, refs) for c in self.chunks)
        return [g for g in grades if g > 0]
