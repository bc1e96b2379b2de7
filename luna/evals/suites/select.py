"""Case selection shared by the suites: explicit ids first, then the limit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from luna.evals.suites.base import EvalConfig, EvalSetupError

T = TypeVar("T")


def select_cases(cases: Sequence[T], config: EvalConfig) -> list[T]:
    chosen = list(cases)
    if config.case_ids is not None:
        wanted = set(config.case_ids)
        chosen = [c for c in chosen if getattr(c, "id", None) in wanted]
        unknown = wanted - {getattr(c, "id", None) for c in chosen}
        if unknown:
            raise EvalSetupError(f"unknown case ids for suite {config.suite}: {sorted(unknown)}")
    if config.limit is not None:
        chosen = chosen[: config.limit]
    return chosen
