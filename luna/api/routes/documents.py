"""Knowledge-base documents: upload and ingest (admin; at once, or queued for a worker), list,
inspect, correct the validity, re-ingest, delete, drift."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Self

from fastapi import APIRouter, File, HTTPException, Response, UploadFile, status
from fastapi.concurrency import run_in_threadpool
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from sqlalchemy import String, func, select

from luna.api.deps import AdminUser, CurrentUser, RuntimeDep, SessionDep
from luna.core.time_bounds import BoundedDate
from luna.ingest.consistency import DriftReport, check_drift, repair_drift
from luna.ingest.detect import EXTRA_SUFFIXES
from luna.ingest.pipeline import IngestOutcome, safe_filename
from luna.ingest.validity_record import record_admin
from luna.jobs.ingest import enqueue_ingest
from luna.store.sql.models import Item, ItemChunk, ItemStatus, column_length

router = APIRouter(tags=["documents"])

MAX_FILES = 20
UPLOAD_FORMATS = "PDF, DOCX, TXT, Markdown or HTML; with the unstructured extra also " + ", ".join(
    s.lstrip(".").upper() for s in EXTRA_SUFFIXES
)
# HTTP status for a file that failed, by the parser's error code.
FAILURE_STATUS = {
    "unsupported": status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    "missing_extra": status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,  # the error names the extra
    "too_large": status.HTTP_413_CONTENT_TOO_LARGE,
    "empty": status.HTTP_422_UNPROCESSABLE_CONTENT,
    "encrypted": status.HTTP_422_UNPROCESSABLE_CONTENT,
    "corrupt": status.HTTP_422_UNPROCESSABLE_CONTENT,
    "invalid": status.HTTP_422_UNPROCESSABLE_CONTENT,
    "over_budget": status.HTTP_422_UNPROCESSABLE_CONTENT,
    "internal": status.HTTP_503_SERVICE_UNAVAILABLE,
}
# A part's Content-Type is stored as the item's MIME type: longer fails the insert (a 500).
_mime_column = Item.__table__.c.mime_type.type
assert isinstance(_mime_column, String)
assert _mime_column.length is not None
MIME_TYPE_LENGTH: int = _mime_column.length


def _storable_content_type(upload: UploadFile) -> UploadFile:
    if upload.content_type and len(upload.content_type) > MIME_TYPE_LENGTH:
        raise ValueError(
            f"the part's Content-Type has {len(upload.content_type)} characters; "
            f"at most {MIME_TYPE_LENGTH} are allowed"
        )
    return upload


StorableUpload = Annotated[UploadFile, AfterValidator(_storable_content_type)]


class FileResult(BaseModel):
    filename: str
    item_id: uuid.UUID | None
    status: ItemStatus
    chunks: int
    duplicate: bool
    replaced: bool
    error: str | None
    error_code: str | None
    limit: str | None = Field(
        default=None, description="The setting whose limit refused the file (parse budget)."
    )

    @classmethod
    def of(cls, outcome: IngestOutcome) -> FileResult:
        return cls(
            filename=outcome.filename,
            item_id=outcome.item_id,
            status=outcome.status,
            chunks=outcome.chunks,
            duplicate=outcome.duplicate,
            replaced=outcome.replaced,
            error=outcome.error,
            error_code=outcome.error_code,
            limit=outcome.limit,
        )


class IngestResponse(BaseModel):
    files: list[FileResult]


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    source: str
    mime_type: str
    content_hash: str
    size_bytes: int
    status: ItemStatus
    error: str | None
    created_at: datetime
    updated_at: datetime
    chunk_count: int = 0
    valid_from: date | None = None
    version: str | None = None
    validity_kind: str | None = None
    validity_evidence: str | None = None
    validity_source: str | None = None
    supersedes: str | None = None


class ValidityIn(BaseModel):
    """The admin's correction. A field left out keeps its value; ``null`` clears it."""

    model_config = ConfigDict(extra="forbid")

    valid_from: BoundedDate | None = None
    version: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, max_length=column_length(Item.version))
        ]
        | None
    ) = None

    @model_validator(mode="after")
    def _names_something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("send valid_from, version or both")
        return self


class ChunkOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    ordinal: int
    page: int | None
    section: str | None
    token_count: int
    text: str


class ItemDetail(ItemOut):
    chunks: list[ChunkOut]


class DriftOut(BaseModel):
    clean: bool
    repaired: bool
    items: int
    chunks: int
    vectors: int
    orphan_vectors: list[uuid.UUID]
    missing_vectors: list[uuid.UUID]
    orphan_objects: list[str]
    missing_originals: list[uuid.UUID]
    stuck_items: list[uuid.UUID]

    @classmethod
    def of(cls, report: DriftReport) -> DriftOut:
        return cls(clean=report.clean, **report.__dict__)


@router.post(
    "/ingest",
    response_model=IngestResponse,
    status_code=status.HTTP_201_CREATED,
    responses={207: {"model": IngestResponse, "description": "some files failed"}},
)
async def ingest(
    files: Annotated[list[StorableUpload], File(description=UPLOAD_FORMATS)],
    runtime: RuntimeDep,
    response: Response,
    _admin: AdminUser,
) -> IngestResponse:
    """Ingest uploaded files. 201: all ready; 207: some failed; 4xx: every file failed."""
    if len(files) > MAX_FILES:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE, f"at most {MAX_FILES} files per upload"
        )
    limit = runtime.settings.ingest_max_bytes
    results = []
    for upload in files:
        data = await upload.read(limit + 1)  # never buffer more than the limit allows
        outcome = await run_in_threadpool(
            runtime.ingest.ingest,
            data,
            upload.filename or "upload",
            mime_type=upload.content_type,
        )
        results.append(FileResult.of(outcome))
    failed = [r for r in results if r.status is ItemStatus.FAILED or r.error]
    if failed and len(failed) == len(results):
        raise HTTPException(
            FAILURE_STATUS.get(failed[0].error_code or "invalid", 422),
            detail=[r.model_dump(mode="json") for r in results],
        )
    if failed:
        response.status_code = status.HTTP_207_MULTI_STATUS
    return IngestResponse(files=results)


class QueuedFile(BaseModel):
    filename: str = Field(description="The name the item will get (made safe for storage).")
    job_id: int = Field(description="The job that ingests it: GET /jobs/{job_id}.")


class IngestJobsResponse(BaseModel):
    jobs: list[QueuedFile]


@router.post(
    "/ingest/jobs", response_model=IngestJobsResponse, status_code=status.HTTP_202_ACCEPTED
)
async def ingest_in_background(
    files: Annotated[list[StorableUpload], File(description=UPLOAD_FORMATS)],
    runtime: RuntimeDep,
    _admin: AdminUser,
) -> IngestJobsResponse:
    """Queue uploaded files for a worker to ingest, one job per file (its progress: chunks
    embedded; its result: what ``POST /ingest`` reports for the file). The files are checked
    for size first and all or none are queued."""
    if len(files) > MAX_FILES:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE, f"at most {MAX_FILES} files per upload"
        )
    limit = runtime.settings.ingest_max_bytes
    uploads = []
    for upload in files:
        name = upload.filename or "upload"
        data = await upload.read(limit + 1)  # never buffer more than the limit allows
        if len(data) > limit:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE,
                f"{name}: larger than {limit} bytes (LUNA_INGEST_MAX_BYTES); nothing was queued",
            )
        if not data:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"{name}: empty file; nothing was queued"
            )
        uploads.append((name, upload.content_type, data))
    queued = []
    for name, mime_type, data in uploads:
        job_id = await run_in_threadpool(
            enqueue_ingest, runtime.jobs, runtime, data, name, mime_type
        )
        queued.append(QueuedFile(filename=safe_filename(name), job_id=job_id))
    return IngestJobsResponse(jobs=queued)


@router.get("/items", response_model=list[ItemOut])
def list_items(
    session: SessionDep, _user: CurrentUser, status_filter: ItemStatus | None = None
) -> list[ItemOut]:
    counts = (
        select(ItemChunk.item_id, func.count().label("n")).group_by(ItemChunk.item_id).subquery()
    )
    query = (
        select(Item, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.item_id == Item.id)
        .order_by(Item.created_at.desc())
    )
    if status_filter is not None:
        query = query.where(Item.status == status_filter)
    return [
        ItemOut.model_validate(item).model_copy(update={"chunk_count": n})
        for item, n in session.execute(query)
    ]


def _item(session: SessionDep, item_id: uuid.UUID) -> Item:
    item = session.get(Item, item_id)
    if item is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown item {item_id}")
    return item


@router.get("/items/{item_id}", response_model=ItemDetail)
def get_item(item_id: uuid.UUID, session: SessionDep, _user: CurrentUser) -> ItemDetail:
    item = _item(session, item_id)
    detail = ItemDetail.model_validate(item)
    return detail.model_copy(update={"chunk_count": len(detail.chunks)})


@router.patch("/items/{item_id}/validity", response_model=ItemOut)
def correct_validity(
    item_id: uuid.UUID, body: ValidityIn, session: SessionDep, _admin: AdminUser
) -> ItemOut:
    """Set the item's valid-from date and version by hand (``validity_source='admin'``); a
    re-ingest of the same content keeps them, a new version of the content is read afresh."""
    item = _item(session, item_id)
    sent = body.model_fields_set
    record_admin(
        item,
        valid_from=body.valid_from if "valid_from" in sent else item.valid_from,
        version=(body.version or None) if "version" in sent else item.version,
    )
    session.flush()
    chunks = session.scalar(select(func.count()).where(ItemChunk.item_id == item_id)) or 0
    return ItemOut.model_validate(item).model_copy(update={"chunk_count": chunks})


@router.delete("/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_item(item_id: uuid.UUID, runtime: RuntimeDep, _admin: AdminUser) -> Response:
    if not await run_in_threadpool(runtime.ingest.delete, item_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown item {item_id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/items/{item_id}/reingest", response_model=FileResult)
async def reingest_item(item_id: uuid.UUID, runtime: RuntimeDep, _admin: AdminUser) -> FileResult:
    try:
        outcome = await run_in_threadpool(runtime.ingest.reingest, item_id)
    except KeyError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc.args[0])) from exc
    return FileResult.of(outcome)


@router.get("/ingest/drift", response_model=DriftOut)
async def drift(runtime: RuntimeDep, _admin: AdminUser, repair: bool = False) -> DriftOut:
    """Compare SQL, vectors and objects; with ``repair=true`` fix what can be fixed."""
    if repair:
        report = await run_in_threadpool(repair_drift, runtime.stores, runtime.embeddings)
    else:
        report = await run_in_threadpool(check_drift, runtime.stores)
    return DriftOut.of(report)
