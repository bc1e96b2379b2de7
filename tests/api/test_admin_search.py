"""GET /admin/search: retrieval without the chat model finds the passage that answers, for
admins only."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import login

NOTES = {
    "waermepumpe.md": "# Wärmepumpe\n\nDie Wärmepumpe LW-9 wird jedes Jahr im Mai gewartet.",
    "speicher.md": "# Batteriespeicher\n\nDer Speicher entlädt bis 10 % Ladezustand.",
}


def test_search_returns_the_passage_that_answers_best_first(client: TestClient, users):
    admin = login(client, users["admin"])
    files = [("files", (name, text.encode(), "text/markdown")) for name, text in NOTES.items()]
    uploaded = client.post("/ingest", files=files, headers=admin)
    assert uploaded.status_code == 201, uploaded.text
    ids = {f["filename"]: f["item_id"] for f in uploaded.json()["files"]}

    found = client.get(
        "/admin/search", params={"q": "Wann wird die Wärmepumpe gewartet?"}, headers=admin
    )
    assert found.status_code == 200, found.text
    hits = found.json()["hits"]
    assert hits[0]["item_id"] == ids["waermepumpe.md"]
    assert "Mai" in hits[0]["text"]
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)

    one = client.get("/admin/search", params={"q": "Speicher", "top_k": 1}, headers=admin)
    assert len(one.json()["hits"]) == 1


def test_search_rejects_blank_queries_and_customers(client: TestClient, users):
    admin = login(client, users["admin"])
    blank = client.get("/admin/search", params={"q": "   "}, headers=admin)
    assert blank.status_code == 422
    assert "q" in blank.text
    assert client.get("/admin/search", params={"top_k": 3}, headers=admin).status_code == 422
    customer = login(client, users["customer"])
    assert client.get("/admin/search", params={"q": "x"}, headers=customer).status_code == 403
