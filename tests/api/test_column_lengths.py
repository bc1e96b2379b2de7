"""Strings longer than their ``String(n)`` column are refused at the API boundary with a 422
that names the field; one that slips through still answers 422, not a 500 (issue 16)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from luna.api.errors import install_error_handlers
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import PromptVersion, User, column_length
from luna.store.sql.users import create_user
from tests.api.conftest import PASSWORD, login
from tests.api.test_prompts import _version


def _fields(response) -> list[str]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "validation_error"
    return [f["field"] for f in body["detail"]]


def test_user_fields_one_over_the_column_get_422_and_at_the_limit_are_stored(
    client: TestClient, users: dict[str, str]
):
    admin = login(client, users["admin"])
    name_max, full_name_max = column_length(User.username), column_length(User.full_name)

    too_long = {"username": "u" * (name_max + 1), "password": PASSWORD}
    assert _fields(client.post("/users", headers=admin, json=too_long)) == ["body.username"]
    too_long = {"username": "anna", "password": PASSWORD, "full_name": "F" * (full_name_max + 1)}
    assert _fields(client.post("/users", headers=admin, json=too_long)) == ["body.full_name"]

    at_limit = {"username": "u" * name_max, "password": PASSWORD, "full_name": "F" * full_name_max}
    response = client.post("/users", headers=admin, json=at_limit)
    assert response.status_code == 201, response.text
    assert response.json()["full_name"] == "F" * full_name_max


def test_prompt_version_one_over_the_column_gets_422_and_at_the_limit_is_created(
    client: TestClient, users: dict[str, str]
):
    # SemVer allows any number of digits, so only the column bounds the version's length.
    admin = login(client, users["admin"])
    limit = column_length(PromptVersion.version)
    prefix = "9.0."

    over = _version(prefix + "1" * (limit - len(prefix) + 1))
    response = client.post("/prompts/rag_answer/versions", headers=admin, json=over)
    assert _fields(response) == ["body.version"]
    response = client.post(
        "/prompts/rag_answer/activate",
        headers=admin,
        json={"version": over["version"], "reason": "x" * 3},
    )
    assert _fields(response) == ["body.version"]

    at_limit = _version(prefix + "1" * (limit - len(prefix)))
    response = client.post("/prompts/rag_answer/versions", headers=admin, json=at_limit)
    assert response.status_code == 201, response.text
    assert response.json()["spec"]["version"] == at_limit["version"]


def test_a_too_long_value_that_reaches_postgres_answers_422_not_500(clean_db: Stores):
    # A route with no length check of its own: PostgreSQL refuses the value (DataError) and the
    # installed handlers turn that into a 422 naming the problem.
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/unchecked")
    def unchecked(username: str) -> dict[str, str]:
        with session_scope(clean_db.sessions) as session:
            create_user(session, username, PASSWORD)
        return {"username": username}

    with TestClient(app) as client:
        too_long = "u" * (column_length(User.username) + 1)
        response = client.post("/unchecked", params={"username": too_long})
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["error"] == "validation_error"
        [problem] = body["detail"]
        assert problem["type"] == "data_error"
        assert "too long" in problem["message"]
        assert "character varying(64)" in problem["message"]

        assert client.post("/unchecked", params={"username": "anna"}).status_code == 200
