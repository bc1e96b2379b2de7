"""Document API: upload (admin only), per-file status codes, list, detail, delete, drift."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.api.conftest import login

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "knowledge"
FIXTURES = Path(__file__).resolve().parents[1] / "ingest" / "fixtures"


def _file(path: Path, mime: str) -> tuple[str, tuple[str, bytes, str]]:
    return ("files", (path.name, path.read_bytes(), mime))


def test_admin_uploads_several_files_and_they_become_ready(client: TestClient, users):
    admin = login(client, "monika")
    response = client.post(
        "/ingest",
        files=[
            _file(SAMPLES / "luna-store-10-manual-excerpt.pdf", "application/pdf"),
            _file(SAMPLES / "netzbetreiber-14a-regeln.txt", "text/plain"),
        ],
        headers=admin,
    )
    assert response.status_code == 201, response.text
    files = response.json()["files"]
    assert [f["status"] for f in files] == ["ready", "ready"]
    assert all(f["chunks"] > 0 for f in files)

    listed = client.get("/items", headers=login(client, "kunde1")).json()
    assert len(listed) == 2
    assert all(i["chunk_count"] > 0 and i["status"] == "ready" for i in listed)
    detail = client.get(f"/items/{files[0]['item_id']}", headers=admin).json()
    assert detail["chunk_count"] == len(detail["chunks"]) == files[0]["chunks"]
    assert any(c["page"] == 2 for c in detail["chunks"])

    assert client.get("/ingest/drift", headers=admin).json()["clean"] is True
    assert client.delete(f"/items/{files[1]['item_id']}", headers=admin).status_code == 204
    assert client.get(f"/items/{files[1]['item_id']}", headers=admin).status_code == 404
    assert client.delete(f"/items/{files[1]['item_id']}", headers=admin).status_code == 404


def test_customers_cannot_upload(client: TestClient, users):
    response = client.post(
        "/ingest",
        files=[_file(SAMPLES / "luna-iems-faq.md", "text/markdown")],
        headers=login(client, "kunde1"),
    )
    assert response.status_code == 403


def test_bad_uploads_get_4xx_naming_the_problem(client: TestClient, users, settings):
    admin = login(client, "monika")
    cases = [
        ("encrypted.pdf", "application/pdf", 422, "encrypted"),
        ("corrupt.pdf", "application/pdf", 422, "corrupt"),
        ("zip-bomb.docx", "application/octet-stream", 413, "too_large"),
    ]
    for name, mime, code, error_code in cases:
        response = client.post("/ingest", files=[_file(FIXTURES / name, mime)], headers=admin)
        assert response.status_code == code, (name, response.text)
        detail = response.json()["detail"][0]
        assert detail["error_code"] == error_code
        assert name in detail["error"]
    image = client.post(
        "/ingest",
        files=[("files", ("logo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png"))],
        headers=admin,
    )
    assert image.status_code == 415
    huge = b"a" * (settings.ingest_max_bytes + 10)
    too_big = client.post(
        "/ingest", files=[("files", ("big.txt", huge, "text/plain"))], headers=admin
    )
    assert too_big.status_code == 413
    assert client.get("/health").status_code == 200  # the server keeps serving


def test_mixed_upload_reports_each_file(client: TestClient, users):
    response = client.post(
        "/ingest",
        files=[
            _file(SAMPLES / "pv-einspeiseverguetung-hinweise.txt", "text/plain"),
            _file(FIXTURES / "empty.txt", "text/plain"),
        ],
        headers=login(client, "monika"),
    )
    assert response.status_code == 207
    statuses = {f["filename"]: f["status"] for f in response.json()["files"]}
    assert statuses == {"pv-einspeiseverguetung-hinweise.txt": "ready", "empty.txt": "failed"}
