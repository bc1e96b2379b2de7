"""Versions of one document: which ready item is the current one of its family.

Two items are versions of one document when their titles agree once years, version numbers,
dates and punctuation are removed ("Energy Policy v1" / "Energy Policy v2", "Preisblatt 2025"
/ "Preisblatt 2026"). The current one has the latest validity (``valid_from``, then version;
a version that declares what it supersedes beats one that does not). Retrieval uses this to
fetch the current version's passage when only an older one matched, so an answer never rests
on a superseded text that a newer one replaces.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from luna.store.sql.models import Item, ItemStatus

_VERSIONING = re.compile(
    r"\b(?:19|20)\d{2}\b|\bv(?:ersion)?\s*\d+(?:\.\d+)*\b|\brev(?:ision)?\.?\s*\d+\b|"
    r"\d{1,2}[./]\d{1,2}[./]\d{2,4}|[^\w\s]",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d+")


def family(title: str) -> str:
    """A document's title without years, versions, dates and punctuation."""
    return " ".join(_VERSIONING.sub(" ", title.casefold()).split())


@dataclass(frozen=True)
class DocumentVersion:
    item_id: uuid.UUID
    title: str
    valid_from: date | None
    version: str | None
    supersedes: str | None

    def rank(self) -> tuple[date, tuple[int, ...], bool]:
        numbers = tuple(int(n) for n in _NUMBER.findall(self.version or ""))
        return (self.valid_from or date.min, numbers, self.supersedes is not None)


def current_versions(session: Session) -> dict[uuid.UUID, uuid.UUID]:
    """For every ready item that an other ready item of its family outranks: that item."""
    rows = session.execute(
        select(Item.id, Item.title, Item.valid_from, Item.version, Item.supersedes).where(
            Item.status == ItemStatus.READY
        )
    ).all()
    families: dict[str, list[DocumentVersion]] = {}
    for row in rows:
        doc = DocumentVersion(*row)
        if key := family(doc.title):
            families.setdefault(key, []).append(doc)
    newer: dict[uuid.UUID, uuid.UUID] = {}
    for docs in families.values():
        if len(docs) < 2:
            continue
        best = max(docs, key=DocumentVersion.rank)
        for doc in docs:
            if doc.item_id != best.item_id and doc.rank() < best.rank():
                newer[doc.item_id] = best.item_id
    return newer
