"""Hostile input gets a 4xx naming the field, never a 500: NUL and other control characters in
any string (login form, query, path, JSON, upload parts), dates outside 1970–2100, an upload
part's Content-Type longer than its column; and a bug answers with a JSON 500 and request id."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from luna.api.app import create_app
from luna.config import Settings
from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Item, Meter, Role, User
from luna.store.sql.users import create_user, get_user
from tests.api.conftest import PASSWORD, login


@pytest.fixture
def meter(client: TestClient, users: dict[str, str], clean_db: Stores) -> str:
    """M-001, owned by the customer ``kunde1``."""
    with session_scope(clean_db.sessions) as s:
        owner = get_user(s, "kunde1")
        assert owner is not None
        s.add(Meter(meter_id="M-001", owner_id=owner.id))
    return "M-001"


def _fields(response: Any) -> dict[str, str]:
    """Field → message of a 422 body (``{"error", "detail": [{"field", "message", ...}]}``)."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "validation_error"
    return {e["field"]: e["message"] for e in body["detail"]}


def test_nul_in_the_login_username_is_a_422_not_a_database_error(client: TestClient, users):
    response = client.post("/auth/token", data={"username": "monika\x00", "password": PASSWORD})
    assert "U+0000" in _fields(response)["body.username"]
    form = client.post("/ui/login", data={"username": "mo\x01nika", "password": PASSWORD})
    assert "U+0001" in _fields(form)["body.username"]
    assert client.post("/auth/token", data={"username": "monika", "password": PASSWORD}).is_success


def test_control_characters_in_query_and_path_name_the_parameter(
    client: TestClient, users, meter: str
):
    customer = login(client, "kunde1")
    day = {"start": "2026-01-01", "end": "2026-01-02"}
    bad_meter = client.get(
        "/data/smart_meter", params={**day, "meter_id": "M-001\x00"}, headers=customer
    )
    assert "U+0000" in _fields(bad_meter)["query.meter_id"]
    tab = client.get("/data/kpis", params={"meter_id": "M-001\t"}, headers=customer)
    assert "U+0009" in _fields(tab)["query.meter_id"]  # no free text in a query: tab too
    feedback = client.get(
        "/feedback/mine", params={"target_type": "answer", "target_id": "\x00"}, headers=customer
    )
    assert "query.target_id" in _fields(feedback)
    prompt = client.get("/prompts/rag%00answer", headers=login(client, "monika"))
    assert "path.name" in _fields(prompt)
    # The same requests without the character work.
    fine = client.get("/data/smart_meter", params={**day, "meter_id": meter}, headers=customer)
    assert fine.status_code == 200, fine.text


def test_json_fields_refuse_control_characters_but_free_text_keeps_tabs_and_newlines(
    client: TestClient, users, clean_db: Stores
):
    admin = login(client, "monika")
    new_user = {"username": "kunde2", "password": "tab\there-and\nnewline", "role": "customer"}
    nul_name = client.post("/users", json={**new_user, "full_name": "Ben\x00"}, headers=admin)
    assert "U+0000" in _fields(nul_name)["body.full_name"]
    escape = client.post("/users", json={**new_user, "full_name": "Ben\x1b[31m"}, headers=admin)
    assert "U+001B" in _fields(escape)["body.full_name"]
    nested = client.post(
        "/data/smart_meter",
        json={"readings": [{"meter_id": "M\x00", "ts": "2026-01-01T00:00", "consumption_kwh": 1}]},
        headers=admin,
    )
    assert "body.readings.0.meter_id" in _fields(nested)
    with clean_db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 2  # nothing written
    created = client.post("/users", json=new_user, headers=admin)
    assert created.status_code == 201, created.text


@pytest.mark.parametrize("extreme", ["0001-01-01", "9999-12-31", "0001-01-01T00:00:00+14:00"])
def test_dates_outside_1970_to_2100_are_422_naming_the_parameter(
    client: TestClient, users, meter: str, extreme: str
):
    customer = login(client, "kunde1")
    readings = client.get(
        "/data/smart_meter",
        params={"meter_id": meter, "start": extreme, "end": "2026-01-02"},
        headers=customer,
    )
    assert "outside the supported span" in _fields(readings)["query.start"]
    prices = client.get(
        "/data/market_prices", params={"start": "2026-01-01", "end": extreme}, headers=customer
    )
    assert "query.end" in _fields(prices)
    kpis = client.get("/data/kpis", params={"meter_id": meter, "at": extreme}, headers=customer)
    assert "query.at" in _fields(kpis)
    batch = client.post(
        "/data/smart_meter",
        json={"readings": [{"meter_id": meter, "ts": extreme, "consumption_kwh": 1}]},
        headers=login(client, "monika"),
    )
    assert "body.readings.0.ts" in _fields(batch)


def test_dates_inside_the_span_still_work(client: TestClient, users, meter: str):
    customer = login(client, "kunde1")
    kpis = client.get(
        "/data/kpis", params={"meter_id": meter, "at": "2100-12-31"}, headers=customer
    )
    assert kpis.status_code == 200, kpis.text
    old = client.get(
        "/data/smart_meter",
        params={"meter_id": meter, "start": "1970-01-02", "end": "1970-01-03"},
        headers=customer,
    )
    assert old.status_code == 200, old.text


def test_upload_part_content_type_longer_than_its_column_is_a_422(
    client: TestClient, users, clean_db: Stores
):
    admin = login(client, "monika")
    long_type = "text/plain; " + "x" * 250
    response = client.post(
        "/ingest", files=[("files", ("note.txt", b"Hallo Welt", long_type))], headers=admin
    )
    assert "at most 200" in _fields(response)["body.files.0"]
    # Written by hand: httpx would percent-escape the control character in the file name.
    raw = (
        b"--b0undary\r\n"
        b'Content-Disposition: form-data; name="files"; filename="no\x07te.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nHallo Welt\r\n--b0undary--\r\n"
    )
    bad_name = client.post(
        "/ingest",
        content=raw,
        headers={**admin, "Content-Type": "multipart/form-data; boundary=b0undary"},
    )
    assert "U+0007" in _fields(bad_name)["body.files"]
    with clean_db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Item)) == 0


def test_an_unexpected_exception_is_a_json_500_with_the_request_id(
    settings: Settings, clean_db: Stores
):
    app = create_app(settings, clean_db)

    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/broken", broken)
    with TestClient(app) as client:
        response = client.get("/broken", headers={"X-Request-ID": "probe-42"})
        assert response.status_code == 500
        assert response.json() == {
            "error": "internal_error",
            "detail": "unexpected error; quote request id probe-42",
            "request_id": "probe-42",
        }
        assert response.headers["x-request-id"] == "probe-42"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert client.get("/health").status_code == 200  # and the server carries on


def test_a_service_account_login_name_with_nul_is_refused_everywhere(
    client: TestClient, clean_db: Stores
):
    with session_scope(clean_db.sessions) as s:
        create_user(s, "feeder", PASSWORD, Role.SERVICE)
    for path in ("/auth/token", "/ui/login"):
        response = client.post(path, data={"username": "\x00", "password": "\x00"})
        assert set(_fields(response)) == {"body.username", "body.password"}, path
