"""Correcting a document's validity: admins only, 404 for an unknown item, 422 with a JSON body
for bad input; the correction shows in the list and the detail and is marked ``admin``."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date

import pytest
from fastapi.testclient import TestClient

from luna.store.factory import Stores
from luna.store.sql.database import session_scope
from luna.store.sql.models import Item, ItemStatus
from tests.api.conftest import login


@pytest.fixture
def item_id(clean_db: Stores) -> uuid.UUID:
    """A ready item whose validity ingest read as "Stand: 03/2026"."""
    with session_scope(clean_db.sessions) as session:
        item = Item(
            title="FAQ Wallbox",
            source="upload:faq-wallbox.txt",
            mime_type="text/plain",
            content_hash=hashlib.sha256(b"faq").hexdigest(),
            size_bytes=3,
            status=ItemStatus.READY,
            valid_from=date(2026, 3, 1),
            validity_kind="as_of",
            validity_evidence="Stand: 03/2026",
            validity_source="extracted",
        )
        session.add(item)
        session.flush()
        return item.id


def test_admin_corrects_the_validity_and_list_and_detail_show_it(
    client: TestClient, users, item_id: uuid.UUID, clean_db: Stores
):
    admin = login(client, "monika")
    response = client.patch(
        f"/items/{item_id}/validity",
        json={"valid_from": "2026-01-01", "version": " 2.1 "},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["valid_from"] == "2026-01-01"
    assert body["version"] == "2.1"
    assert body["validity_kind"] == "valid_from"
    assert body["validity_source"] == "admin"
    assert body["validity_evidence"] is None

    with clean_db.sessions() as session:
        row = session.get(Item, item_id)
        assert row is not None
        assert (row.valid_from, row.version, row.validity_source) == (
            date(2026, 1, 1),
            "2.1",
            "admin",
        )

    listed = client.get("/items", headers=login(client, "kunde1")).json()
    assert [(i["valid_from"], i["version"], i["validity_source"]) for i in listed] == [
        ("2026-01-01", "2.1", "admin")
    ]
    detail = client.get(f"/items/{item_id}", headers=admin).json()
    assert detail["valid_from"] == "2026-01-01"


def test_a_field_left_out_keeps_its_value_and_null_clears_it(
    client: TestClient, users, item_id: uuid.UUID
):
    admin = login(client, "monika")
    only_version = client.patch(f"/items/{item_id}/validity", json={"version": "3"}, headers=admin)
    assert only_version.status_code == 200, only_version.text
    assert (only_version.json()["valid_from"], only_version.json()["validity_kind"]) == (
        "2026-03-01",
        "as_of",
    )
    cleared = client.patch(f"/items/{item_id}/validity", json={"valid_from": None}, headers=admin)
    assert cleared.json()["valid_from"] is None
    assert cleared.json()["version"] == "3"
    assert cleared.json()["validity_kind"] == "version"


def test_customer_may_not_correct_the_validity(client: TestClient, users, item_id: uuid.UUID):
    response = client.patch(
        f"/items/{item_id}/validity",
        json={"valid_from": "2026-01-01"},
        headers=login(client, "kunde1"),
    )
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


def test_unknown_item_is_404(client: TestClient, users):
    response = client.patch(
        f"/items/{uuid.uuid4()}/validity", json={"version": "1"}, headers=login(client, "monika")
    )
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"valid_from": "2026-13-45"}, "body.valid_from"),
        ({"valid_from": "März 2026"}, "body.valid_from"),
        ({"version": "x" * 101}, "body.version"),
        ({"valid_from": "2026-01-01", "kind": "year"}, "body.kind"),
        ({}, "body"),
    ],
)
def test_bad_input_is_422_with_a_json_body_naming_the_field(
    client: TestClient, users, item_id: uuid.UUID, body: dict[str, object], field: str
):
    response = client.patch(
        f"/items/{item_id}/validity", json=body, headers=login(client, "monika")
    )
    assert response.status_code == 422, response.text
    payload = response.json()
    assert payload["error"] == "validation_error"
    assert [d["field"] for d in payload["detail"]] == [field]
