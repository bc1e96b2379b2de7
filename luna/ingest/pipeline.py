"""Document ingest: object store, parsing, chunking, embeddings, Qdrant and SQL kept in step.

Order of writes, and why it is safe:

1. the item row (``pending``; a new version leaves the serving row ``ready`` until step 4);
2. the original and the parsed extract under keys of this run's own
   (``raw/{item_id}/{run}/{filename}``, ``processed/{item_id}/{run}.json``, see
   ``luna.ingest.object_keys``), so the serving version's objects are never overwritten
   (``parsed``);
3. the new version's vectors (point ids derive from item, content hash and ordinal, so they
   never collide with the previous version's) (``embedded``);
4. one SQL transaction swaps the chunk rows, points the item row at this run's objects and marks
   it ``ready``;
5. the previous version's vectors and objects are deleted (what a failure here leaves behind,
   ``luna ingest verify --repair`` removes).

Retrieval only trusts vectors whose point id has a chunk row (see ``luna.retrieval``), so
readers see the old version until step 4 commits and the new one after: never both, never
neither; the item row names the original and extract of the version it serves throughout. Any
failure before step 4 deletes the vectors and objects it wrote (except those the item's
committed row names) and marks the item ``failed`` with the reason; a new version that fails
leaves the previous one serving, its chunks, vectors, original and extract untouched.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath

from langchain_core.embeddings import Embeddings
from sqlalchemy import delete, select

from luna.config import Settings
from luna.ingest.chunking import Chunk, chunk_elements
from luna.ingest.context import indexed_text, opening
from luna.ingest.errors import DocumentError
from luna.ingest.model import ParsedDocument, ParseLimits
from luna.ingest.object_keys import VersionKeys, version_keys
from luna.ingest.parsing import parse_document
from luna.ingest.table_rows import table_row_chunks
from luna.ingest.validity import extract_validity
from luna.ingest.validity_record import record_extracted
from luna.observability.metrics import observe_ingest
from luna.store.factory import Stores
from luna.store.objects.base import PROCESSED_PREFIX, RAW_PREFIX
from luna.store.sql.database import session_scope
from luna.store.sql.models import Item, ItemChunk, ItemStatus
from luna.store.vectors.base import VectorPoint, chunk_point_id

log = logging.getLogger(__name__)


@dataclass
class IngestOutcome:
    """What happened to one file."""

    item_id: uuid.UUID
    filename: str
    status: ItemStatus
    chunks: int = 0
    duplicate: bool = False
    replaced: bool = False
    error: str | None = None
    error_code: str | None = None
    limit: str | None = None  # the setting that refused the file (parse budget)
    timings_s: dict[str, float] = field(default_factory=dict)


def safe_filename(filename: str) -> str:
    """The base name of an upload, reduced to characters that are safe in object keys."""
    name = PurePosixPath(filename.replace("\\", "/")).name.strip() or "upload"
    cleaned = "".join(c if c.isalnum() or c in "._-+() " else "_" for c in name)
    return cleaned.strip(" .")[:200] or "upload"


def chunk_point(
    point_id: uuid.UUID,
    vector: Sequence[float],
    *,
    item_id: uuid.UUID,
    ordinal: int,
    title: str | None,
    page: int | None,
    section: str | None,
    text: str,
) -> VectorPoint:
    """A chunk's vector point: the dense vector, the text for keyword search (the chunk's
    ``indexed_text``, the same the vector embeds) and a payload of locators (SQL stays the
    source of truth for the text)."""
    return VectorPoint(
        id=point_id,
        vector=vector,
        payload={
            "item_id": str(item_id),
            "ordinal": ordinal,
            "title": title,
            "page": page,
            "section": section,
        },
        text=text,
    )


def processed_payload(document: ParsedDocument) -> bytes:
    return json.dumps(
        {
            "title": document.title,
            "mime_type": document.mime_type,
            "pages": document.pages,
            "elements": [asdict(element) for element in document.elements],
        },
        ensure_ascii=False,
    ).encode()


EmbedProgress = Callable[[int, int], None]  # (chunks embedded, chunks in all)


def _no_progress(_done: int, _total: int) -> None:
    return None


class IngestPipeline:
    """Turns uploaded bytes into a ready, searchable item (or a failed one with its reason)."""

    def __init__(self, stores: Stores, embeddings: Embeddings, settings: Settings) -> None:
        self._stores = stores
        self._embeddings = embeddings
        self._settings = settings
        self._limits = ParseLimits(
            max_bytes=settings.ingest_max_bytes,
            max_pages=settings.ingest_max_pages,
            max_elements=settings.ingest_max_elements,
            max_xml_elements=settings.ingest_max_xml_elements,
            max_parse_seconds=settings.ingest_max_parse_seconds,
        )

    # --- entry points ------------------------------------------------------------------

    def ingest(
        self,
        data: bytes,
        filename: str,
        *,
        mime_type: str | None = None,
        source: str | None = None,
        title: str | None = None,
        on_embedded: EmbedProgress | None = None,
    ) -> IngestOutcome:
        """Ingest one file; identical content is a no-op, a known source is a new version.

        An earlier attempt at the same source that never got ready (it failed, or its process
        died mid-way) is removed with whatever vectors and objects it wrote, and the file
        starts over. ``on_embedded(done, total)`` follows the chunks as they are embedded.
        """
        name = safe_filename(filename)
        source = source or f"upload:{name}"
        digest = hashlib.sha256(data).hexdigest()
        with session_scope(self._stores.sessions) as session:
            same = session.scalar(
                select(Item).where(Item.content_hash == digest, Item.status == ItemStatus.READY)
            )
            if same is not None:
                observe_ingest("duplicate")
                return IngestOutcome(same.id, name, same.status, len(same.chunks), duplicate=True)
            previous = session.scalar(
                select(Item).where(Item.source == source).order_by(Item.created_at.desc())
            )
            abandoned: uuid.UUID | None = None
            if previous is not None and previous.status is ItemStatus.READY:
                item_id, replacing = previous.id, True
            else:
                if previous is not None:  # a failed or stuck earlier attempt: start over
                    abandoned = previous.id
                    session.delete(previous)
                    session.flush()
                item = Item(
                    title=title or name,
                    source=source,
                    mime_type=mime_type or "application/octet-stream",
                    content_hash=digest,
                    size_bytes=len(data),
                    status=ItemStatus.PENDING,
                )
                session.add(item)
                session.flush()
                item_id, replacing = item.id, False
        if abandoned is not None:
            self._discard_abandoned(abandoned)
        return self._process(
            item_id, data, name, mime_type, title, digest, replacing, on_embedded=on_embedded
        )

    def reingest(self, item_id: uuid.UUID) -> IngestOutcome:
        """Process an item again from its stored raw bytes (after a parser or model change)."""
        with self._stores.sessions() as session:
            item = session.get(Item, item_id)
            if item is None or item.raw_key is None:
                raise KeyError(f"item {item_id} has no stored original")
            raw_key, mime, title = item.raw_key, item.mime_type, item.title
            replacing = item.status is ItemStatus.READY
        data = self._stores.objects.get(raw_key)
        name = raw_key.rsplit("/", 1)[-1]
        digest = hashlib.sha256(data).hexdigest()
        # Same content gives the same point ids: vectors are overwritten in place and the rows
        # keep pointing at them, so the item stays searchable throughout. The original is
        # copied to the run's own keys, like any version's, and the old copy deleted after.
        return self._process(item_id, data, name, mime, title, digest, replacing)

    def delete(self, item_id: uuid.UUID) -> bool:
        """Remove an item everywhere: vectors, objects, rows. False if it did not exist."""
        with self._stores.sessions() as session:
            item = session.get(Item, item_id)
            if item is None:
                return False
            keys = [k for k in (item.raw_key, item.processed_key) if k]
        self._stores.vectors.delete_by_item(item_id)
        for key in keys:
            self._stores.objects.delete(key)
        with session_scope(self._stores.sessions) as session:
            session.execute(delete(Item).where(Item.id == item_id))
        return True

    # --- the pipeline --------------------------------------------------------------------

    def _process(
        self,
        item_id: uuid.UUID,
        data: bytes,
        name: str,
        mime_type: str | None,
        title: str | None,
        digest: str,
        replacing: bool,
        *,
        on_embedded: EmbedProgress | None = None,
    ) -> IngestOutcome:
        outcome = IngestOutcome(item_id, name, ItemStatus.PENDING, replaced=replacing)
        written: list[uuid.UUID] = []
        stored: list[str] = []  # object keys this run wrote (or may have: before each put)
        try:
            keys = version_keys(item_id, name)
            started = time.perf_counter()
            document = parse_document(data, name, mime_type, limits=self._limits)
            outcome.timings_s["parse"] = time.perf_counter() - started
            stored.append(keys.raw)
            self._stores.objects.put(keys.raw, data, document.mime_type)
            stored.append(keys.processed)
            self._stores.objects.put(
                keys.processed, processed_payload(document), "application/json"
            )
            self._set_status(item_id, ItemStatus.PARSED, replacing)

            chunks = chunk_elements(
                document,
                max_tokens=self._settings.chunk_max_tokens,
                overlap_tokens=self._settings.chunk_overlap_tokens,
            )
            chunks += table_row_chunks(
                document, first_ordinal=len(chunks), max_tokens=self._settings.chunk_max_tokens
            )
            started = time.perf_counter()
            points = self._embed(
                item_id, digest, document, chunks, title, written, on_embedded or _no_progress
            )
            outcome.timings_s["embed"] = time.perf_counter() - started
            self._set_status(item_id, ItemStatus.EMBEDDED, replacing)

            old_points, old_keys = self._swap_chunks(
                item_id, chunks, points, document, title, digest, len(data), keys
            )
            written.clear()  # committed: these vectors and objects now belong to the item
            stored.clear()
            self._drop_previous(old_points, old_keys)
            outcome.status, outcome.chunks = ItemStatus.READY, len(chunks)
            observe_ingest(outcome.status.value, outcome.chunks)
            return outcome
        except DocumentError as exc:
            outcome.error, outcome.error_code = str(exc), exc.code
            outcome.limit = getattr(exc, "limit", None)
        except Exception as exc:  # storage or model failure: record it, keep serving
            log.exception("ingest of %s failed", name)
            outcome.error, outcome.error_code = f"{type(exc).__name__}: {exc}", "internal"
        self._discard_vectors(written)
        self._discard_objects(item_id, stored)
        outcome.status = self._mark_failed(item_id, outcome.error or "failed", replacing)
        observe_ingest("failed", reason=outcome.error_code)
        return outcome

    def _embed(
        self,
        item_id: uuid.UUID,
        version: str,
        document: ParsedDocument,
        chunks: Sequence[Chunk],
        title: str | None,
        written: list[uuid.UUID],
        on_embedded: EmbedProgress,
    ) -> list[uuid.UUID]:
        ids = [chunk_point_id(item_id, version, c.ordinal) for c in chunks]
        batch = self._settings.embed_batch_size
        title = title or document.title
        context = opening(chunks[0].text, title) if chunks else ""
        for lo in range(0, len(chunks), batch):
            part = chunks[lo : lo + batch]
            texts = [
                indexed_text(c.text, title=title, context=context, ordinal=c.ordinal) for c in part
            ]
            vectors = self._embeddings.embed_documents(texts)
            points = [
                chunk_point(
                    ids[lo + i],
                    vector,
                    item_id=item_id,
                    ordinal=chunk.ordinal,
                    title=title,
                    page=chunk.page,
                    section=chunk.section,
                    text=text,
                )
                for i, (chunk, vector, text) in enumerate(zip(part, vectors, texts, strict=True))
            ]
            written.extend(p.id for p in points)
            self._stores.vectors.upsert(points)
            on_embedded(lo + len(part), len(chunks))
        return ids

    def _swap_chunks(
        self,
        item_id: uuid.UUID,
        chunks: Sequence[Chunk],
        point_ids: Sequence[uuid.UUID],
        document: ParsedDocument,
        title: str | None,
        digest: str,
        size: int,
        keys: VersionKeys,
    ) -> tuple[list[uuid.UUID], list[str]]:
        """One transaction: replace the chunk rows, set the validity, point the row at this
        run's objects, mark ready. Returns the replaced version's point ids and object keys, read
        under the row lock: of two versions committed in turn, each deletes what it replaced."""
        validity = extract_validity(document)
        with session_scope(self._stores.sessions) as session:
            item = session.get(Item, item_id, with_for_update=True)
            if item is None:
                raise KeyError(f"item {item_id} was deleted during ingest")
            old = list(
                session.scalars(select(ItemChunk.point_id).where(ItemChunk.item_id == item_id))
            )
            session.execute(delete(ItemChunk).where(ItemChunk.item_id == item_id))
            session.flush()
            session.add_all(
                ItemChunk(
                    item_id=item_id,
                    ordinal=chunk.ordinal,
                    text=chunk.text,
                    token_count=chunk.token_count,
                    point_id=point_id,
                    page=chunk.page,
                    section=chunk.section,
                    meta=dict(chunk.metadata),
                )
                for chunk, point_id in zip(chunks, point_ids, strict=True)
            )
            record_extracted(item, validity, digest)  # before content_hash changes
            item.title = title or document.title
            item.mime_type = document.mime_type
            item.content_hash = digest
            item.size_bytes = size
            previous = [item.raw_key, item.processed_key]
            item.raw_key, item.processed_key = keys.raw, keys.processed
            item.status, item.error = ItemStatus.READY, None
        current = set(point_ids)
        return (
            [p for p in old if p not in current],
            [k for k in previous if k and k not in (keys.raw, keys.processed)],
        )

    # --- bookkeeping ---------------------------------------------------------------------

    def _set_status(self, item_id: uuid.UUID, status: ItemStatus, replacing: bool) -> None:
        if replacing:  # the previous version stays ready until the swap
            return
        with session_scope(self._stores.sessions) as session:
            item = session.get(Item, item_id)
            if item is not None:
                item.status = status

    def _mark_failed(self, item_id: uuid.UUID, reason: str, replacing: bool) -> ItemStatus:
        with session_scope(self._stores.sessions) as session:
            item = session.get(Item, item_id)
            if item is None:
                return ItemStatus.FAILED
            if replacing:
                item.error = f"new version rejected, previous version kept: {reason}"
                return item.status
            item.status, item.error = ItemStatus.FAILED, reason
            return ItemStatus.FAILED

    def _discard_abandoned(self, item_id: uuid.UUID) -> None:
        """Delete the vectors and objects of an attempt whose row is gone (it never got ready).
        A failure is logged: ``luna ingest verify --repair`` removes what is left."""
        try:
            self._stores.vectors.delete_by_item(item_id)
            for prefix in (RAW_PREFIX, PROCESSED_PREFIX):
                for key in self._stores.objects.list(f"{prefix}{item_id}"):
                    self._stores.objects.delete(key)
        except Exception:
            log.exception("could not remove what the abandoned attempt %s wrote", item_id)

    def _discard_vectors(self, ids: list[uuid.UUID]) -> None:
        """Delete vectors a failed run wrote, except those committed rows still point at."""
        if not ids:
            return
        try:
            with self._stores.sessions() as session:
                kept = set(
                    session.scalars(select(ItemChunk.point_id).where(ItemChunk.point_id.in_(ids)))
                )
            self._stores.vectors.delete_points([i for i in ids if i not in kept])
        except Exception:  # the vector store may be what failed; `luna ingest verify` repairs
            log.exception("could not remove %d vectors of a failed ingest", len(ids))

    def _drop_previous(self, points: list[uuid.UUID], keys: list[str]) -> None:
        """Delete the replaced version's vectors and objects once the new one is committed. The
        new version serves whatever happens here, so a failure is logged, not reported;
        ``luna ingest verify --repair`` removes what is left."""
        try:
            if points:
                self._stores.vectors.delete_points(points)
        except Exception:
            log.exception("could not remove %d vectors of the replaced version", len(points))
        try:
            for key in keys:
                self._stores.objects.delete(key)
        except Exception:
            log.exception("could not remove the replaced version's objects %s", keys)

    def _discard_objects(self, item_id: uuid.UUID, keys: list[str]) -> None:
        """Delete objects a failed run wrote, except those the item's committed row names (a
        commit that went through although its acknowledgement was lost)."""
        if not keys:
            return
        try:
            with self._stores.sessions() as session:
                item = session.get(Item, item_id)
                kept = {item.raw_key, item.processed_key} if item is not None else set()
            for key in keys:
                if key not in kept:
                    self._stores.objects.delete(key)
        except Exception:  # the object store may be what failed; `luna ingest verify` repairs
            log.exception("could not remove %d objects of a failed ingest", len(keys))
