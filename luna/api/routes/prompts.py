"""Prompt version management (admin only): list, show, create, activate, roll back, diff, audit.

Routes are thin: the rules (immutability, SemVer order, variable checks, the audit trail) live
in :mod:`luna.prompts.registry`, which the CLI uses too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field, ValidationError

from luna.api.deps import AdminUser, SessionDep
from luna.api.errors import field_error
from luna.prompts import registry
from luna.prompts.registry import (
    PromptConflictError,
    PromptError,
    PromptMessage,
    PromptNotFoundError,
    PromptSpec,
)
from luna.store.sql.models import Prompt, PromptAudit, PromptVersion, column_length

router = APIRouter(prefix="/prompts", tags=["prompts"])


class VersionSummary(BaseModel):
    version: str
    author: str
    description: str | None
    source: str
    created_at: datetime
    active: bool


class PromptSummary(BaseModel):
    name: str
    active_version: str
    updated_at: datetime
    versions: list[VersionSummary]


class RenderedMessage(BaseModel):
    role: str
    content: str


class VersionDetail(BaseModel):
    ref: str
    spec: PromptSpec
    source: str
    created_at: datetime
    active: bool
    rendered: list[RenderedMessage] | None = None


class VersionIn(BaseModel):
    """A new version of the prompt named in the path."""

    version: str = Field(max_length=column_length(PromptVersion.version), examples=["1.2.0"])
    description: str | None = Field(default=None, max_length=2000)
    variables: list[str]
    params: dict[str, Any] = Field(default_factory=dict)
    examples: dict[str, str] = Field(default_factory=dict)
    messages: list[PromptMessage] = Field(min_length=1)
    reason: str | None = Field(default=None, max_length=2000)


class ActivateIn(BaseModel):
    version: str = Field(max_length=column_length(PromptVersion.version))
    reason: str = Field(min_length=3, max_length=2000)


class RollbackIn(BaseModel):
    reason: str = Field(min_length=3, max_length=2000)


class AuditEntry(BaseModel):
    ts: datetime
    version: str
    action: str
    actor: str
    reason: str | None


class DiffOut(BaseModel):
    a: str
    b: str
    diff: str


def _http(exc: PromptError) -> HTTPException:
    if isinstance(exc, PromptNotFoundError):
        return HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc))
    if isinstance(exc, PromptConflictError):
        return HTTPException(status.HTTP_409_CONFLICT, detail=str(exc))
    return field_error("version", str(exc))


def _prompt(session: SessionDep, name: str) -> Prompt:
    prompt = session.get(Prompt, name)
    if prompt is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown prompt '{name}'")
    return prompt


def _summary(prompt: Prompt, rows: list[PromptVersion]) -> PromptSummary:
    return PromptSummary(
        name=prompt.name,
        active_version=prompt.active_version,
        updated_at=prompt.updated_at,
        versions=[
            VersionSummary(
                version=r.version,
                author=r.author,
                description=r.description,
                source=r.source,
                created_at=r.created_at,
                active=r.version == prompt.active_version,
            )
            for r in rows
        ],
    )


def _detail(session: SessionDep, name: str, version: str, *, render: bool) -> VersionDetail:
    prompt = _prompt(session, name)
    row = next((r for r in registry.versions(session, name) if r.version == version), None)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown prompt version {name}@{version}")
    loaded = registry.load_version(session, name, version)
    rendered = None
    if render:
        rendered = [
            RenderedMessage(role=m.type, content=str(m.content)) for m in loaded.render_example()
        ]
    return VersionDetail(
        ref=loaded.ref,
        spec=loaded.spec,
        source=row.source,
        created_at=row.created_at,
        active=version == prompt.active_version,
        rendered=rendered,
    )


@router.get("", response_model=list[PromptSummary])
def list_prompts(session: SessionDep, admin: AdminUser) -> list[PromptSummary]:
    """Every prompt with its versions and which one is active."""
    return [_summary(p, rows) for p, rows in registry.list_prompts(session)]


@router.get("/{name}", response_model=PromptSummary)
def show_prompt(name: str, session: SessionDep, admin: AdminUser) -> PromptSummary:
    return _summary(_prompt(session, name), registry.versions(session, name))


@router.get("/{name}/versions/{version}", response_model=VersionDetail)
def show_version(
    name: str,
    version: str,
    session: SessionDep,
    admin: AdminUser,
    render: bool = Query(False, description="Add the messages filled with example values."),
) -> VersionDetail:
    return _detail(session, name, version, render=render)


@router.post("/{name}/versions", response_model=VersionDetail, status_code=status.HTTP_201_CREATED)
def create_version(
    name: str, body: VersionIn, session: SessionDep, admin: AdminUser
) -> VersionDetail:
    """A new immutable version: the template must compile, its variables must be the declared
    ones, and the version must be above every existing one (409 if it exists)."""
    try:
        spec = PromptSpec(
            name=name,
            version=body.version,
            author=admin.username,
            description=body.description,
            variables=body.variables,
            params=body.params,
            examples=body.examples,
            messages=body.messages,
        )
    except ValidationError as exc:
        fields = [
            {
                "field": ".".join(str(p) for p in err["loc"]) or "variables",
                "message": err["msg"],
                "type": err["type"],
            }
            for err in exc.errors()
        ]
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=fields) from exc
    try:
        registry.create_version(session, spec, actor=admin.username, reason=body.reason)
    except PromptError as exc:
        raise _http(exc) from exc
    return _detail(session, name, spec.version, render=False)


@router.post("/{name}/activate", response_model=PromptSummary)
def activate(name: str, body: ActivateIn, session: SessionDep, admin: AdminUser) -> PromptSummary:
    prompt = _prompt(session, name)
    try:
        registry.activate(session, name, body.version, actor=admin.username, reason=body.reason)
    except PromptError as exc:
        raise _http(exc) from exc
    return _summary(prompt, registry.versions(session, name))


@router.post("/{name}/rollback", response_model=PromptSummary)
def rollback(name: str, body: RollbackIn, session: SessionDep, admin: AdminUser) -> PromptSummary:
    """Re-activate the version that was active before the current one (from the audit trail)."""
    prompt = _prompt(session, name)
    try:
        registry.rollback(session, name, actor=admin.username, reason=body.reason)
    except PromptError as exc:
        raise _http(exc) from exc
    return _summary(prompt, registry.versions(session, name))


@router.get("/{name}/diff", response_model=DiffOut)
def diff(
    name: str,
    session: SessionDep,
    admin: AdminUser,
    a: str = Query(..., description="The older version."),
    b: str = Query(..., description="The newer version."),
) -> DiffOut:
    """Unified diff of the two versions in the repository's file format."""
    _prompt(session, name)
    try:
        text = registry.diff_versions(session, name, a, b)
    except PromptError as exc:
        raise _http(exc) from exc
    return DiffOut(a=f"{name}@{a}", b=f"{name}@{b}", diff=text)


@router.get("/{name}/audit", response_model=list[AuditEntry])
def audit(name: str, session: SessionDep, admin: AdminUser) -> list[AuditEntry]:
    """Who changed the prompt, when, what and why, oldest first."""
    _prompt(session, name)
    rows: list[PromptAudit] = registry.audit_trail(session, name)
    return [
        AuditEntry(ts=r.ts, version=r.version, action=r.action, actor=r.actor, reason=r.reason)
        for r in rows
    ]
