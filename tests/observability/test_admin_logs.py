"""``GET /admin/logs``: recent structured log records, filtered and paginated, admins only."""

from __future__ import annotations

import logging

from fastapi.testclient import TestClient

from tests.api.conftest import login


def test_customers_and_anonymous_callers_are_refused(client: TestClient, users):
    assert client.get("/admin/logs").status_code == 401
    assert client.get("/admin/logs", headers=login(client, "kunde1")).status_code == 403


def test_records_of_one_request_are_found_by_its_id_and_paginated(client: TestClient, users):
    admin = login(client, "monika")
    for _ in range(5):
        assert (
            client.get("/auth/me", headers={**admin, "X-Request-ID": "page-me"}).status_code == 200
        )
    assert client.get("/auth/me", headers={**admin, "X-Request-ID": "another"}).status_code == 200

    full = client.get("/admin/logs", params={"request_id": "page-me"}, headers=admin).json()
    assert full["total"] == len(full["records"]) >= 5
    assert {r["request_id"] for r in full["records"]} == {"page-me"}
    lines = [r for r in full["records"] if r["message"] == "GET /auth/me 200"]
    assert len(lines) == 5
    assert lines[0]["extra"]["route"] == "/auth/me"
    assert lines[0]["extra"]["status"] == 200

    seen: list[int] = []
    for offset in range(0, full["total"], 2):
        page = client.get(
            "/admin/logs",
            params={"request_id": "page-me", "limit": 2, "offset": offset},
            headers=admin,
        ).json()
        assert page["total"] == full["total"]
        assert page["offset"] == offset
        assert len(page["records"]) <= 2
        seen += [r["seq"] for r in page["records"]]
    assert seen == [r["seq"] for r in full["records"]]
    assert seen == sorted(seen, reverse=True)  # newest first


def test_text_and_level_filters(client: TestClient, users):
    admin = login(client, "monika")
    logging.getLogger("luna.test.logs").warning("meter M-42 sent marker-9c1 twice")
    logging.getLogger("luna.test.logs").info("marker-9c1 at info")

    def search(**params: str) -> list[dict]:
        response = client.get("/admin/logs", params=params, headers=admin)
        assert response.status_code == 200, response.text
        return response.json()["records"]

    assert {r["level"] for r in search(q="MARKER-9C1")} == {"WARNING", "INFO"}
    (warning,) = search(q="marker-9c1", level="WARNING")
    assert warning["message"] == "meter M-42 sent marker-9c1 twice"
    assert warning["logger"] == "luna.test.logs"
    assert search(q="marker-9c1", level="ERROR") == []
    bad = client.get("/admin/logs", params={"level": "LOUD"}, headers=admin)
    assert bad.status_code == 422
    assert client.get("/admin/logs", params={"limit": 0}, headers=admin).status_code == 422
