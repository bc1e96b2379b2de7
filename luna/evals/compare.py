"""Compare two eval runs: per-metric deltas and the cases whose pass/fail flipped."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from luna.store.sql.models import EvalResult, EvalRun


class MetricDelta(BaseModel):
    metric: str
    a: float | None
    b: float | None
    delta: float | None


class FlippedCase(BaseModel):
    case_id: str
    a_passed: bool | None
    b_passed: bool | None
    a_metrics: dict[str, Any]
    b_metrics: dict[str, Any]


class Comparison(BaseModel):
    run_a: int
    run_b: int
    suite: str
    prompts_a: dict[str, Any]
    prompts_b: dict[str, Any]
    model_a: str | None
    model_b: str | None
    metrics: list[MetricDelta]
    fixed: list[FlippedCase]  # failed in A, passed in B
    broken: list[FlippedCase]  # passed in A, failed in B
    only_in_a: list[str]
    only_in_b: list[str]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def compare_runs(session: Session, run_a: int, run_b: int) -> Comparison:
    a, b = session.get(EvalRun, run_a), session.get(EvalRun, run_b)
    if a is None or b is None:
        raise LookupError(f"no eval run {run_a if a is None else run_b}")
    if a.suite != b.suite:
        raise ValueError(f"runs are of different suites ({a.suite} vs {b.suite})")
    keys = sorted(set(a.metrics) | set(b.metrics))
    deltas = []
    for key in keys:
        va, vb = _number(a.metrics.get(key)), _number(b.metrics.get(key))
        delta = round(vb - va, 4) if va is not None and vb is not None else None
        deltas.append(MetricDelta(metric=key, a=va, b=vb, delta=delta))

    def results(run_id: int) -> dict[str, EvalResult]:
        rows = session.scalars(select(EvalResult).where(EvalResult.run_id == run_id))
        return {r.case_id: r for r in rows}

    ra, rb = results(run_a), results(run_b)
    fixed: list[FlippedCase] = []
    broken: list[FlippedCase] = []
    for case_id in sorted(set(ra) & set(rb)):
        x, y = ra[case_id], rb[case_id]
        if bool(x.passed) == bool(y.passed):
            continue
        flip = FlippedCase(
            case_id=case_id,
            a_passed=x.passed,
            b_passed=y.passed,
            a_metrics=x.metrics,
            b_metrics=y.metrics,
        )
        (fixed if y.passed else broken).append(flip)
    return Comparison(
        run_a=run_a,
        run_b=run_b,
        suite=a.suite,
        prompts_a=a.prompts,
        prompts_b=b.prompts,
        model_a=a.model,
        model_b=b.model,
        metrics=deltas,
        fixed=fixed,
        broken=broken,
        only_in_a=sorted(set(ra) - set(rb)),
        only_in_b=sorted(set(rb) - set(ra)),
    )
