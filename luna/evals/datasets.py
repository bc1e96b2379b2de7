"""Eval datasets: versioned JSONL files under ``evals/`` at the repository root.

One pydantic model per line type, so a malformed case fails when the file is loaded (and in
the dataset tests), not halfway through a run. File names carry the dataset version
(``retrieval_qa.v1.jsonl``); a changed case means a new version, so runs stay comparable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

EVALS_DIR = Path(__file__).resolve().parents[2] / "evals"
DATASETS = {
    "retrieval": "retrieval_qa.v1.jsonl",
    "qa": "retrieval_qa.v1.jsonl",
    "routing": "routing.v1.jsonl",
    "playbook": "playbooks.v1.jsonl",
    "trust": "trust_qa.dev.v1.jsonl",
}
TOOLS = ("search_documents", "query_timeseries", "forecast", "optimise_schedule", "get_tariff")


class _Case(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z]+-\d{3}$")


class Reference(BaseModel):
    """Where the answer stands: a sample document, its heading path, an exact quote."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: str = Field(description="File name under samples/knowledge.")
    title: str
    section: str | None
    page: int | None = None
    evidence: str = Field(min_length=2, description="Exact text of the parsed document.")


class QaCase(_Case):
    """A question for the retrieval and QA suites, with its reference answer."""

    language: Literal["de", "en"]
    kind: Literal["fact", "paraphrase", "multi_hop", "unanswerable"]
    question: str = Field(min_length=5)
    answer: str = Field(min_length=2, description="Reference answer (or why it is unanswerable).")
    answerable: bool
    references: list[Reference]

    @model_validator(mode="after")
    def _consistent(self) -> QaCase:
        if self.answerable != bool(self.references):
            raise ValueError("answerable cases need references, unanswerable ones none")
        if (self.kind == "unanswerable") == self.answerable:
            raise ValueError("kind 'unanswerable' exactly when answerable is false")
        if self.kind == "multi_hop" and len(self.references) < 2:
            raise ValueError("a multi-hop case needs at least two references")
        return self


class TrustReference(BaseModel):
    """A document of ``evals/corpus/trust`` and a short quote the answer cannot do without."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: str = Field(description="File name under evals/corpus/trust.")
    evidence: str = Field(min_length=1, description="Exact text of the parsed document.")


TrustKind = Literal[
    "fact",
    "table",
    "multi_document",
    "numeric",
    "cross_lingual",
    "version_conflict",
    "unanswerable",
    "injection",
]


class TrustCase(_Case):
    """A question of the trust suite: grounded, current, refusing and injection-proof answers.

    ``required`` is a list of groups; an answer passes a group when it contains any of its
    alternatives (case-insensitive, whitespace collapsed). ``forbidden`` strings must not occur
    (a superseded value, a planted false value, a hallucination bait). The dev split is the
    default file; the test split is selected by passing its path.
    """

    language: Literal["de", "en"]
    kind: TrustKind
    question: str = Field(min_length=5)
    answer: str = Field(min_length=2, description="Reference answer (or why it is unanswerable).")
    answerable: bool
    required: list[list[str]]
    forbidden: list[str] = Field(default_factory=list)
    references: list[TrustReference]

    @model_validator(mode="after")
    def _consistent(self) -> TrustCase:
        if not (self.answerable == bool(self.references) == bool(self.required)):
            raise ValueError("answerable cases need references and required, unanswerable none")
        if (self.kind == "unanswerable") == self.answerable:
            raise ValueError("kind 'unanswerable' exactly when answerable is false")
        if any(not group or not all(alt.strip() for alt in group) for group in self.required):
            raise ValueError("every required group needs at least one non-blank alternative")
        if self.kind == "multi_document" and len({r.document for r in self.references}) < 2:
            raise ValueError("a multi-document case needs references to two distinct documents")
        return self


class ContainsAny(BaseModel):
    """Free-text argument: passes if it contains any of the words (case-insensitive)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    contains_any: list[str] = Field(min_length=1)


class Between(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    between: tuple[float, float]


class Prefix(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    prefix: str


ArgExpectation = ContainsAny | Between | Prefix | str | float | int | bool


class HistoryMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    role: Literal["human", "ai"]
    content: str


class RoutingCase(_Case):
    """A user message, the tool that should handle it and its key arguments.

    ``expected_args`` keys may be dotted paths into nested arguments (``loads.0.energy_kwh``).
    """

    language: Literal["de", "en"]
    message: str = Field(min_length=2)
    expected_tool: Literal[*TOOLS, "none"]  # type: ignore[valid-type]
    expected_args: dict[str, ArgExpectation] = Field(default_factory=dict)
    also_acceptable: list[Literal[*TOOLS, "none"]] = Field(default_factory=list)  # type: ignore[valid-type]
    history: list[HistoryMessage] = Field(default_factory=list)
    note: str | None = None

    @model_validator(mode="after")
    def _args_need_a_tool(self) -> RoutingCase:
        if self.expected_tool == "none" and self.expected_args:
            raise ValueError("a case routed to no tool expects no arguments")
        return self


class SchemaValid(BaseModel):
    check: Literal["schema_valid"]


class SavingsPositive(BaseModel):
    check: Literal["savings_positive"]
    figure: str = "savings_eur"


class SocWithinBounds(BaseModel):
    check: Literal["soc_within_bounds"]
    min_pct: float = Field(ge=0, le=100)
    max_pct: float = Field(ge=0, le=100)


class Cites(BaseModel):
    check: Literal["cites"]
    title_contains: str


class HasActions(BaseModel):
    check: Literal["has_actions"]
    min: int = Field(default=1, ge=1)


class FigureEquals(BaseModel):
    check: Literal["figure_equals"]
    figure: str
    value: float


Constraint = Annotated[
    SchemaValid | SavingsPositive | SocWithinBounds | Cites | HasActions | FigureEquals,
    Field(discriminator="check"),
]


class PlaybookCaseRequest(BaseModel):
    """Mirrors ``luna.graphs.playbook.schema.PlaybookRequest`` (validated again at run time)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    meter_id: str = Field(pattern=r"^M-\d{3}$")
    kind: Literal["battery", "load_shift", "tariff_check", "anomaly"]
    horizon_hours: int = Field(ge=1, le=48)
    language: Literal["de", "en"]
    fixed_price_ct_kwh: float | None = Field(default=None, gt=0, le=200)


class PlaybookCase(_Case):
    request: PlaybookCaseRequest
    constraints: list[Constraint] = Field(min_length=1)
    note: str | None = None


CaseT = TypeVar("CaseT", bound=_Case)


def load_jsonl(path: Path, model: type[CaseT]) -> list[CaseT]:
    """Every line of ``path`` as ``model``; errors name the line. Case ids must be unique."""
    cases: list[CaseT] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data: Any = json.loads(line)
            cases.append(model.model_validate(data))
        except ValueError as exc:
            raise ValueError(f"{path.name}, line {number}: {exc}") from exc
    ids = [c.id for c in cases]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"{path.name}: duplicate case ids {duplicates}")
    return cases


def dataset_path(suite: str, override: str | None = None) -> Path:
    return Path(override) if override else EVALS_DIR / DATASETS[suite]
