"""Every route that needs no language model, fuzzed from the app's own OpenAPI schema with
schemathesis, as an admin and as a customer: no 5xx, and every answer (status code, content
type, headers, body) as the schema documents it.

The example budget per operation is ``LUNA_FUZZ_EXAMPLES`` (default 8, enough for CI);
``benchmarks/bench_api_fuzz.py`` runs it with a large budget and counts the calls. Each call
gets a fresh token, so a fuzzed logout or password change does not end the run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from luna.api.app import create_app
from luna.config import Settings
from luna.services.tokens import issue_token
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Meter, Role
from luna.store.sql.timeseries import PRICES, READINGS, upsert_rows
from luna.store.sql.users import create_user, get_user
from tests.api.conftest import PASSWORD

EXAMPLES = int(os.environ.get("LUNA_FUZZ_EXAMPLES", "8"))
REPORT = os.environ.get("LUNA_FUZZ_REPORT")  # JSON lines: one per call, for the benchmark

# Operations that start the language model (answers, playbooks, eval runs, learning cycles) or
# a long background job (simulated backfills): their input handling has its own tests.
MODEL_OR_JOB_OPERATIONS = (
    "^POST /chat$",
    "^POST /rag/ask$",
    "^POST /playbooks$",
    "^POST /evals/runs$",
    "^POST /learning/cycles$",
    "^POST /admin/data/backfills$",
)
# A schema-valid request may still be refused with a 422 naming the field: the schema cannot
# state every rule (no control characters in any string, dates within 1970-2100, a meter the
# user owns). Every other check runs, ``not_a_server_error`` and the response schema included.
RULES_BEYOND_SCHEMA = positive_data_acceptance
ROLES = {"admin": "monika", "customer": "kunde1"}


@pytest.fixture
def fuzzed_api(settings: Settings, clean_db: Stores) -> Iterator[schemathesis.BaseSchema]:
    """The running app (lifespan entered) with an admin, a customer who owns a meter with a
    week of readings, and prices: the data routes have something to aggregate."""
    with session_scope(clean_db.sessions) as s:
        create_user(s, ROLES["admin"], PASSWORD, Role.ADMIN)
        customer = create_user(s, ROLES["customer"], PASSWORD, Role.CUSTOMER)
        s.add(Meter(meter_id="M-001", owner_id=customer.id, pv_kwp=6.0))
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=7)
    hours = [start + timedelta(hours=h) for h in range(7 * 24)]
    with clean_db.engine.begin() as conn:
        upsert_rows(
            conn, READINGS, [("M-001", ts, 60, 0.4 + (ts.hour % 5) / 10, 0.0) for ts in hours]
        )
        upsert_rows(conn, PRICES, [("DE-LU", 60, ts, 80.0 + ts.hour) for ts in hours])
    app = create_app(settings, clean_db)
    with TestClient(app):  # runs the lifespan; schemathesis then calls the app in-process
        yield (
            schemathesis.openapi.from_asgi("/openapi.json", app)
            .exclude(path_regex="^/ui|^/metrics")
            .exclude(name_regex="|".join(MODEL_OR_JOB_OPERATIONS))
        )


def _bearer(stores: Stores, settings: Settings, role: str) -> dict[str, str]:
    """A token for the user's current token version (a fuzzed logout revokes older ones)."""
    with stores.sessions() as session:
        user = get_user(session, ROLES[role])
        assert user is not None
        token = issue_token(user, settings).access_token
    return {"Authorization": f"Bearer {token}"}


def _record(case: schemathesis.Case, role: str, status: int) -> None:
    if REPORT:
        with Path(REPORT).open("a") as out:
            line = {"operation": case.operation.label, "role": role, "status": status}
            out.write(json.dumps(line) + "\n")


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # CI fuzzes the same examples every run; the benchmark widens the budget
    database=None,
)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_no_server_error_and_every_answer_as_documented(
    fuzzed_api: schemathesis.BaseSchema, role: str, settings: Settings, clean_db: Stores
) -> None:
    failures = []
    for result in fuzzed_api.get_all_operations():
        operation = result.ok()

        @FUZZ
        @given(case=operation.as_strategy())
        def fuzz(case: schemathesis.Case) -> None:
            response = case.call(headers=_bearer(clean_db, settings, role))
            _record(case, role, response.status_code)
            case.validate_response(response, excluded_checks=[RULES_BEYOND_SCHEMA])

        try:
            fuzz()
        except Exception as failure:  # every operation is fuzzed; all failures are reported
            failures.append(f"{operation.label}: {failure}")
    assert not failures, "\n\n".join(failures)
