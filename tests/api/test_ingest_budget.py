"""``/ingest`` refuses a document over the parse budget with a 422 naming the limit, fast,
and keeps nothing of it (issue 16: a 0.9 MB DOCX of empty paragraphs took 79 s before)."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlalchemy import select

from luna.ingest.budget import ELEMENTS_LIMIT
from luna.store.factory import Stores
from luna.store.sql.models import Item, ItemStatus
from tests.api.conftest import login
from tests.ingest.padded_docx import padded_docx

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_docx_of_200k_empty_paragraphs_gets_422_naming_the_limit(
    client: TestClient, users, clean_db: Stores
):
    admin = login(client, "monika")
    data = padded_docx(200_000)
    started = time.perf_counter()
    response = client.post("/ingest", files=[("files", ("leer.docx", data, DOCX))], headers=admin)
    elapsed = time.perf_counter() - started
    print(f"\n/ingest refused {len(data):,} bytes (200,000 empty paragraphs) in {elapsed:.3f} s")
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "validation_error"
    [result] = body["detail"]
    assert result["error_code"] == "over_budget"
    assert result["limit"] == ELEMENTS_LIMIT
    assert ELEMENTS_LIMIT in result["error"]
    assert elapsed < 30
    with clean_db.sessions() as session:
        statuses = list(session.scalars(select(Item.status)))
    assert statuses == [ItemStatus.FAILED]  # recorded as failed with its reason, not indexed
