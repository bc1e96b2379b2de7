"""Playbook suite: generate a playbook per scenario and check its constraints.

Calls ``luna.graphs.playbook.generate_playbook(runtime, request, user=None)``, imported when
the suite prepares. Constraints come from the dataset: schema validity, savings above zero,
state of charge within bounds, a cited tariff document, at least one action, a figure's value.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select

from luna.evals.datasets import (
    Cites,
    Constraint,
    FigureEquals,
    HasActions,
    PlaybookCase,
    SavingsPositive,
    SchemaValid,
    SocWithinBounds,
    dataset_path,
    load_jsonl,
)
from luna.evals.suites.base import CaseOutcome, EvalConfig, EvalEnv, EvalSetupError
from luna.evals.suites.select import select_cases
from luna.store.sql.models import Meter


def _import(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise EvalSetupError(f"{module}.{name} is not available: {exc}") from exc


def _soc_values(node: Any, key: str = "") -> Iterator[tuple[str, float]]:
    """Every number stored under a key naming the state of charge, anywhere in the playbook."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _soc_values(v, str(k))
    elif isinstance(node, list):
        for v in node:
            yield from _soc_values(v, key)
    elif isinstance(node, int | float) and not isinstance(node, bool) and "soc" in key.lower():
        yield key, float(node)


def check(constraint: Constraint, data: dict[str, Any], valid: bool) -> tuple[bool, str]:
    """One constraint against the playbook (as JSON); returns (passed, why)."""
    figures = {f["key"]: f["value"] for f in data.get("figures", [])}
    if isinstance(constraint, SchemaValid):
        return valid, "validates against the Playbook schema" if valid else "schema errors"
    if isinstance(constraint, SavingsPositive):
        value = figures.get(constraint.figure)
        return value is not None and value > 0, f"{constraint.figure} = {value}"
    if isinstance(constraint, SocWithinBounds):
        values = list(_soc_values(data))
        if not values:
            return False, "the playbook states no state-of-charge values"
        pct = [v * 100 if "fraction" in k.lower() or v <= 1.0 else v for k, v in values]
        ok = all(constraint.min_pct - 1e-6 <= p <= constraint.max_pct + 1e-6 for p in pct)
        return ok, f"SoC {min(pct):.1f}–{max(pct):.1f} % over {len(pct)} values"
    if isinstance(constraint, Cites):
        titles = [c.get("title", "") for c in data.get("citations", [])]
        ok = any(constraint.title_contains.casefold() in t.casefold() for t in titles)
        return ok, f"cites {titles}"
    if isinstance(constraint, HasActions):
        count = len(data.get("actions", []))
        return count >= constraint.min, f"{count} actions"
    if isinstance(constraint, FigureEquals):
        value = figures.get(constraint.figure)
        ok = value is not None and abs(float(value) - constraint.value) < 1e-6
        return ok, f"{constraint.figure} = {value}"
    raise AssertionError(f"unhandled constraint {constraint}")


class PlaybookSuite:
    name = "playbook"
    prompt_names: tuple[str, ...] = ()

    def cases(self, config: EvalConfig) -> list[Any]:
        cases = load_jsonl(dataset_path("playbook", config.dataset), PlaybookCase)
        return select_cases(cases, config)

    def model_label(self, env: EvalEnv) -> str:
        return env.runtime.model_name

    def prepare(self, env: EvalEnv) -> None:
        env.state["generate"] = _import("luna.graphs.playbook", "generate_playbook")
        env.state["request_model"] = _import("luna.graphs.playbook.schema", "PlaybookRequest")
        env.state["playbook_model"] = _import("luna.graphs.playbook.schema", "Playbook")
        with env.runtime.stores.sessions() as session:
            meters = session.scalar(select(func.count()).select_from(Meter))
        if not meters:
            raise EvalSetupError(
                "no meters stored: run `luna demo setup` or `luna simulate backfill` first"
            )

    def run_case(self, env: EvalEnv, case: PlaybookCase) -> CaseOutcome:
        request = env.state["request_model"].model_validate(case.request.model_dump())
        playbook = env.state["generate"](env.runtime, request, user=None)
        data = playbook.model_dump(mode="json") if hasattr(playbook, "model_dump") else playbook
        try:
            env.state["playbook_model"].model_validate(data)
            valid = True
        except ValueError:
            valid = False
        results = [(c.check, *check(c, data, valid)) for c in case.constraints]
        passed = sum(ok for _, ok, _ in results)
        metrics: dict[str, float | None] = {
            "constraint_pass_rate": passed / len(results),
            "schema_valid": float(valid),
        }
        detail = {
            "constraints": [{"check": n, "passed": ok, "why": why} for n, ok, why in results],
            "title": data.get("title"),
            "remark": data.get("remark"),
            "remark_dropped": data.get("remark_dropped"),
            "prompt": data.get("prompt"),
            "model": data.get("model"),
        }
        return CaseOutcome(metrics, passed=passed == len(results), detail=detail)
