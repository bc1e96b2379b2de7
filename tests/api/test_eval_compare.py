"""GET /evals/compare: the admin dashboard's comparison of two eval runs over stored results."""

from __future__ import annotations

from fastapi.testclient import TestClient

from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import EvalResult, EvalRun
from tests.api.conftest import login


def _run(stores: Stores, suite: str, metrics: dict[str, float], passed: dict[str, bool]) -> int:
    with session_scope(stores.sessions) as s:
        run = EvalRun(suite=suite, status="done", metrics=metrics, cases_total=len(passed))
        run.results = [EvalResult(case_id=c, passed=p) for c, p in passed.items()]
        s.add(run)
        s.flush()
        return run.id


def test_compare_reports_metric_deltas_and_flipped_cases(
    client: TestClient, users: dict[str, str], clean_db: Stores
):
    a = _run(clean_db, "retrieval", {"mrr": 0.5, "hit@5": 0.75}, {"c1": True, "c2": False})
    b = _run(clean_db, "retrieval", {"mrr": 0.625, "hit@5": 0.5}, {"c1": False, "c2": True})
    body = client.get(
        "/evals/compare", params={"a": a, "b": b}, headers=login(client, users["admin"])
    ).json()
    deltas = {m["metric"]: m["delta"] for m in body["metrics"]}
    assert deltas == {"mrr": 0.125, "hit@5": -0.25}
    assert [c["case_id"] for c in body["fixed"]] == ["c2"]
    assert [c["case_id"] for c in body["broken"]] == ["c1"]


def test_compare_refuses_unknown_runs_and_different_suites(
    client: TestClient, users: dict[str, str], clean_db: Stores
):
    admin = login(client, users["admin"])
    a = _run(clean_db, "retrieval", {}, {})
    b = _run(clean_db, "routing", {}, {})
    assert client.get("/evals/compare", params={"a": a, "b": 999}, headers=admin).status_code == 404
    different = client.get("/evals/compare", params={"a": a, "b": b}, headers=admin)
    assert different.status_code == 422
    assert "different suites" in different.text
    customer = login(client, users["customer"])
    assert (
        client.get("/evals/compare", params={"a": a, "b": a}, headers=customer).status_code == 403
    )
