"""What every eval suite provides to the runner, and what the runner gives every suite."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, Field

from luna.config import AnswerCheck
from luna.runtime import Runtime

SUITES = ("retrieval", "qa", "routing", "playbook", "trust")


class EvalSetupError(RuntimeError):
    """A suite cannot run at all (a missing component or data); the run is marked failed."""


class EvalConfig(BaseModel):
    """How a run was asked for; stored with the run so it can be resumed and compared."""

    suite: str = Field(pattern=r"^(retrieval|qa|routing|playbook|trust)$")
    prompt_versions: dict[str, str] = Field(
        default_factory=dict, description="Prompt versions to pin, name → version."
    )
    limit: int | None = Field(default=None, ge=1, description="Only the first N cases.")
    case_ids: list[str] | None = Field(default=None, description="Only these cases.")
    k: int = Field(default=5, ge=1, le=20, description="Retrieval cut-off for hit@k, nDCG@k.")
    rag_top_k: int = Field(default=4, ge=1, le=10, description="Passages the QA graph gets.")
    judge: bool = Field(default=True, description="QA: ask the local model to grade answers.")
    answer_check: AnswerCheck = Field(
        default=AnswerCheck.MODEL, description="QA: the answerability check before answering."
    )
    ingest_samples: bool = Field(
        default=True, description="Ingest samples/knowledge first (idempotent)."
    )
    dataset: str | None = Field(default=None, description="Another JSONL file of cases.")
    corpus: str | None = Field(
        default=None, description="trust: the directory of documents the dataset asks about."
    )


@dataclass(frozen=True)
class CaseOutcome:
    """One case's result: metrics (None = not applicable), pass/fail and what to look at."""

    metrics: dict[str, float | None]
    passed: bool
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class EvalEnv:
    """The run's world: the runtime (stores, models), its config and pinned prompt versions."""

    runtime: Runtime
    config: EvalConfig
    prompts: dict[str, str]
    state: dict[str, Any] = field(default_factory=dict)  # what ``prepare`` builds once


class Suite(Protocol):
    name: str
    prompt_names: tuple[str, ...]  # prompts whose versions the run records (and pins)

    def cases(self, config: EvalConfig) -> list[Any]: ...

    def model_label(self, env: EvalEnv) -> str: ...

    def prepare(self, env: EvalEnv) -> None: ...

    def run_case(self, env: EvalEnv, case: Any) -> CaseOutcome: ...
