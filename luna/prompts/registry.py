"""Versioned prompts: YAML files in the repository, registered into SQL, one active version.

Files under ``luna/prompts/<name>/v<semver>.yaml`` are the shipped versions; on start-up they
are registered (new versions only: versions are immutable) and the newest file version becomes
active for prompts that have none. Graphs load the active version by name (or a pinned version,
for evals) and render it into LangChain messages; what they record is ``name@version``.

Administrators create further versions at run time (API, CLI), activate and roll them back;
every change is a ``prompt_audit`` row (who, when, what, why), and run-time versions can be
exported back to files in the repository format.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from langchain_core.messages import BaseMessage
from langchain_core.prompts import ChatPromptTemplate
from pydantic import BaseModel, Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from luna.store.sql.models import Prompt, PromptAudit, PromptVersion

PROMPTS_DIR = Path(__file__).parent
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
ROLES = ("system", "human", "ai", "placeholder")


class PromptError(ValueError):
    """A prompt is malformed, unknown, or its variables do not match its template."""


class PromptNotFoundError(PromptError):
    """No prompt or prompt version by that name."""


class PromptConflictError(PromptError):
    """The change clashes with what is stored: a duplicate version, nothing to roll back to."""


class PromptMessage(BaseModel):
    role: str
    content: str

    @field_validator("role")
    @classmethod
    def _role(cls, value: str) -> str:
        if value not in ROLES:
            raise ValueError(f"role must be one of {ROLES}")
        return value


class PromptSpec(BaseModel):
    """A prompt version as written in a file or posted to the API."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{1,99}$")
    version: str
    author: str = "luna"
    description: str | None = None
    variables: list[str]
    params: dict[str, Any] = Field(default_factory=dict)
    examples: dict[str, str] = Field(
        default_factory=dict, description="Example value per variable, for previews."
    )
    messages: list[PromptMessage] = Field(min_length=1)

    @field_validator("version")
    @classmethod
    def _semver(cls, value: str) -> str:
        if not SEMVER.match(value):
            raise ValueError("version must be SemVer MAJOR.MINOR.PATCH")
        return value

    @model_validator(mode="after")
    def _variables_match(self) -> PromptSpec:
        template = self.template()  # raises on a template that does not compile
        used = set(template.input_variables) | set(template.optional_variables)
        used.discard("history")
        declared = set(self.variables)
        if used != declared:
            raise ValueError(
                f"declared variables {sorted(declared)} differ from the template's {sorted(used)}"
            )
        unknown = set(self.examples) - declared
        if unknown:
            raise ValueError(f"examples for undeclared variables {sorted(unknown)}")
        return self

    def template(self) -> ChatPromptTemplate:
        try:
            return ChatPromptTemplate.from_messages([(m.role, m.content) for m in self.messages])
        except (KeyError, ValueError) as exc:
            raise PromptError(
                f"template of {self.name}@{self.version} does not compile: {exc}"
            ) from exc

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass(frozen=True)
class LoadedPrompt:
    spec: PromptSpec
    template: ChatPromptTemplate = field(compare=False)

    @property
    def ref(self) -> str:
        return self.spec.ref

    def render(
        self, history: list[BaseMessage] | None = None, **variables: str
    ) -> list[BaseMessage]:
        return self.template.format_messages(history=history or [], **variables)

    def render_example(self) -> list[BaseMessage]:
        """The prompt filled with its example values (``<name>`` where a spec has none)."""
        values = {v: self.spec.examples.get(v, f"<{v}>") for v in self.spec.variables}
        return self.template.format_messages(history=[], **values)


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def parse_ref(ref: str) -> tuple[str, str]:
    """``"rag_answer@1.0.0"`` → ``("rag_answer", "1.0.0")``."""
    name, sep, version = ref.partition("@")
    if not sep or not name or not SEMVER.match(version):
        raise PromptError(f"'{ref}' is not a prompt reference NAME@MAJOR.MINOR.PATCH")
    return name, version


def read_prompt_files(directory: Path = PROMPTS_DIR) -> list[PromptSpec]:
    specs = []
    for path in sorted(directory.glob("*/v*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        spec = PromptSpec.model_validate(data)
        if path.parent.name != spec.name or path.stem != f"v{spec.version}":
            raise PromptError(f"{path} declares {spec.ref}: name and file path must agree")
        specs.append(spec)
    return specs


def _spec(row: PromptVersion) -> PromptSpec:
    return PromptSpec(
        name=row.name,
        version=row.version,
        author=row.author,
        description=row.description,
        variables=list(row.variables),
        params=dict(row.params),
        examples=dict(row.examples or {}),
        messages=[PromptMessage(**m) for m in row.messages],
    )


def _store_version(
    session: Session, spec: PromptSpec, *, source: str, actor: str, reason: str | None
) -> None:
    """Add an immutable version and its ``create`` audit record (one concept, one place)."""
    session.add(
        PromptVersion(
            name=spec.name,
            version=spec.version,
            messages=[m.model_dump() for m in spec.messages],
            variables=spec.variables,
            params=spec.params,
            examples=spec.examples,
            description=spec.description,
            author=spec.author,
            source=source,
        )
    )
    session.add(
        PromptAudit(
            name=spec.name, version=spec.version, action="create", actor=actor, reason=reason
        )
    )


def newest(name: str, specs: list[PromptSpec] | None = None) -> PromptSpec:
    """The newest version of prompt ``name`` among ``specs`` (default: the shipped files): the
    one a first start activates."""
    specs = specs if specs is not None else read_prompt_files()
    return max((s for s in specs if s.name == name), key=lambda s: version_key(s.version))


def register_files(session: Session, specs: list[PromptSpec] | None = None) -> int:
    """Register shipped versions that SQL lacks; activate the newest where none is active."""
    specs = specs if specs is not None else read_prompt_files()
    added = 0
    for spec in sorted(specs, key=lambda s: (s.name, version_key(s.version))):
        exists = session.scalar(
            select(PromptVersion.id).where(
                PromptVersion.name == spec.name, PromptVersion.version == spec.version
            )
        )
        if exists is None:
            _store_version(session, spec, source="file", actor=spec.author, reason="shipped file")
            added += 1
    session.flush()
    for name in {s.name for s in specs}:
        if session.get(Prompt, name) is None:
            first = newest(name, specs)
            session.add(Prompt(name=name, active_version=first.version))
            session.add(
                PromptAudit(
                    name=name,
                    version=first.version,
                    action="activate",
                    actor="luna",
                    reason="first start",
                )
            )
    return added


def load_version(session: Session, name: str, version: str) -> LoadedPrompt:
    row = session.scalar(
        select(PromptVersion).where(PromptVersion.name == name, PromptVersion.version == version)
    )
    if row is None:
        raise PromptNotFoundError(f"unknown prompt version {name}@{version}")
    spec = _spec(row)
    return LoadedPrompt(spec, spec.template())


def load_active(session: Session, name: str) -> LoadedPrompt:
    prompt = session.get(Prompt, name)
    if prompt is None:
        raise PromptNotFoundError(f"unknown prompt '{name}'")
    return load_version(session, name, prompt.active_version)


def load_prompt(
    session: Session, name: str, overrides: Mapping[str, str] | None = None
) -> LoadedPrompt:
    """The version pinned in ``overrides`` (name → version, e.g. by an eval run), else the
    active one. Pinning never changes what other callers get."""
    if overrides and name in overrides:
        return load_version(session, name, overrides[name])
    return load_active(session, name)


def versions(session: Session, name: str) -> list[PromptVersion]:
    """All versions of a prompt, oldest SemVer first."""
    rows = list(session.scalars(select(PromptVersion).where(PromptVersion.name == name)))
    return sorted(rows, key=lambda r: version_key(r.version))


def list_prompts(session: Session) -> list[tuple[Prompt, list[PromptVersion]]]:
    """Every prompt with its versions, by name."""
    prompts = session.scalars(select(Prompt).order_by(Prompt.name))
    return [(p, versions(session, p.name)) for p in prompts]


def audit_trail(session: Session, name: str) -> list[PromptAudit]:
    """The prompt's changes, oldest first."""
    return list(
        session.scalars(
            select(PromptAudit).where(PromptAudit.name == name).order_by(PromptAudit.id)
        )
    )


def create_version(
    session: Session, spec: PromptSpec, *, actor: str, reason: str | None = None
) -> LoadedPrompt:
    """Store a new, immutable version created at run time.

    The spec is already validated (template compiles, declared variables equal the used ones);
    here the version must be new and above every existing one, so SemVer order is history
    order. The first version of a new prompt becomes its active version.
    """
    existing = versions(session, spec.name)
    if any(r.version == spec.version for r in existing):
        raise PromptConflictError(f"{spec.ref} exists; versions are immutable")
    if existing and version_key(spec.version) <= version_key(existing[-1].version):
        raise PromptError(
            f"version {spec.version} must be greater than the newest, {existing[-1].version}"
        )
    _store_version(session, spec, source="api", actor=actor, reason=reason or spec.description)
    session.flush()
    if session.get(Prompt, spec.name) is None:
        activate(session, spec.name, spec.version, actor=actor, reason="first version")
    return LoadedPrompt(spec, spec.template())


def activate(session: Session, name: str, version: str, *, actor: str, reason: str | None) -> None:
    load_version(session, name, version)  # must exist
    prompt = session.get(Prompt, name)
    if prompt is None:
        session.add(Prompt(name=name, active_version=version))
    elif prompt.active_version == version:
        raise PromptConflictError(f"{name}@{version} is already the active version")
    else:
        prompt.active_version = version
    session.add(
        PromptAudit(name=name, version=version, action="activate", actor=actor, reason=reason)
    )
    session.flush()


def activation_history(session: Session, name: str) -> list[str]:
    """The stack of active versions the audit trail describes, current version last.

    Each activation pushes its version, each rollback pops back to the version it restored;
    so rolling back twice after A → B → C gives B, then A (not a toggle between B and C).
    """
    stack: list[str] = []
    for row in audit_trail(session, name):
        if row.action == "activate" and (not stack or stack[-1] != row.version):
            stack.append(row.version)
        elif row.action == "rollback":
            while stack and stack[-1] != row.version:
                stack.pop()
            if not stack:
                stack.append(row.version)
    return stack


def rollback(session: Session, name: str, *, actor: str, reason: str | None) -> str:
    """Re-activate the version that was active before the current one; returns it."""
    prompt = session.get(Prompt, name)
    if prompt is None:
        raise PromptNotFoundError(f"unknown prompt '{name}'")
    stack = activation_history(session, name)
    if stack and stack[-1] != prompt.active_version:
        stack.append(prompt.active_version)  # activated outside the audit trail
    if len(stack) < 2:
        raise PromptConflictError(f"{name} has no earlier active version to roll back to")
    target = stack[-2]
    prompt.active_version = target
    session.add(
        PromptAudit(
            name=name,
            version=target,
            action="rollback",
            actor=actor,
            reason=f"{reason or 'rollback'} (was {stack[-1]})",
        )
    )
    session.flush()
    return target


class _BlockDumper(yaml.SafeDumper):
    """Multi-line strings as ``|`` blocks, like the hand-written prompt files."""


def _str_block(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str_block)


def spec_yaml(spec: PromptSpec) -> str:
    """The version in the repository's file format (readable by :func:`read_prompt_files`)."""
    data = spec.model_dump(exclude_none=True)
    if not data.get("examples"):
        data.pop("examples", None)
    return yaml.dump(data, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=100)


def diff_versions(session: Session, name: str, a: str, b: str) -> str:
    """Unified diff between two versions' files (empty when they are identical)."""
    left = spec_yaml(load_version(session, name, a).spec).splitlines(keepends=True)
    right = spec_yaml(load_version(session, name, b).spec).splitlines(keepends=True)
    return "".join(difflib.unified_diff(left, right, fromfile=f"{name}@{a}", tofile=f"{name}@{b}"))


def export_versions(
    session: Session, directory: Path = PROMPTS_DIR, *, name: str | None = None
) -> list[Path]:
    """Write run-time versions as ``<directory>/<name>/v<version>.yaml``; returns new files.

    A file that already holds the same version is left alone; one with different content is
    an error (a version is immutable, so the two can never both be right).
    """
    query = select(PromptVersion).where(PromptVersion.source == "api")
    if name is not None:
        query = query.where(PromptVersion.name == name)
    written = []
    for row in session.scalars(query.order_by(PromptVersion.name, PromptVersion.id)):
        spec = _spec(row)
        path = directory / spec.name / f"v{spec.version}.yaml"
        if path.exists():
            on_disk = PromptSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
            if on_disk != spec:
                raise PromptConflictError(f"{path} holds a different {spec.ref}")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(spec_yaml(spec), encoding="utf-8")
        written.append(path)
    return written
