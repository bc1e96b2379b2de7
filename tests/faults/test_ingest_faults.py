"""``POST /ingest`` when PostgreSQL restarts, the object store fails or the vector store fails.

A failed upload answers a JSON error naming the failure and leaves no half-written item: no
chunk rows, no vectors, no objects, only the ``failed`` item row that records why; the drift
check is clean. The same upload then succeeds without restarting the app. A failed new version
of a ready item leaves the previous version serving whole: its chunks, vectors, original and
extract.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection

from luna.store.factory import Stores
from luna.store.objects.base import ObjectStoreError
from luna.store.sql.models import Item, ItemChunk, ItemStatus
from luna.store.vectors.base import VectorPoint
from tests.api.conftest import login
from tests.faults.conftest import restart_database

# Three chunks at the app_client's chunk size: two batches of vectors, few embedding calls.
DOCUMENT = """# Luna Speicher: Hinweise zum Betrieb

Der Speicher lädt bevorzugt in Stunden mit niedrigem Day-Ahead-Preis und entlädt, wenn der
Preis hoch ist.

Bei einer Störung zeigt die App den Fehlercode an; starten Sie den Speicher dann einmal neu.

Die Wartung erfolgt jährlich durch einen zertifizierten Installateur; der Termin steht im
Kundenportal.
""".encode()


# The same file, revised: a new version of the item (same name, so the same source).
REVISED = (
    DOCUMENT.replace("jährlich".encode(), b"alle zwei Jahre")
    + """
Neu: Der Speicher meldet Updates der Firmware im Kundenportal; ein Neustart ist nicht nötig.
""".encode()
)


def upload(client: TestClient, headers: dict[str, str], data: bytes = DOCUMENT) -> Any:
    files = [("files", ("speicher-hinweise.md", data, "text/markdown"))]
    return client.post("/ingest", files=files, headers=headers)


def assert_failed_cleanly(response: Any, error: str) -> None:
    """A JSON 503 whose per-file detail names ``error`` as an internal failure."""
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/json")
    (result,) = response.json()["detail"]
    assert result["status"] == "failed"
    assert result["error_code"] == "internal"
    assert error in result["error"], result


def assert_nothing_half_written(
    client: TestClient, headers: dict[str, str], stores: Stores
) -> None:
    """Only the ``failed`` item row (the record of why): no chunks, vectors or objects; the
    drift check is clean."""
    with stores.sessions() as session:
        statuses = list(session.scalars(select(Item.status)))
        chunks = session.scalar(select(func.count()).select_from(ItemChunk))
    assert statuses == [ItemStatus.FAILED]
    assert chunks == 0
    assert stores.vectors.point_ids() == set()
    assert stores.objects.list() == []
    drift = client.get("/ingest/drift", headers=headers)
    assert drift.status_code == 200, drift.text
    assert drift.json()["clean"] is True, drift.json()


def assert_upload_works(client: TestClient, headers: dict[str, str], stores: Stores) -> None:
    """The same upload succeeds and is the only item, whole in SQL, vectors and objects."""
    response = upload(client, headers)
    assert response.status_code == 201, response.text
    (result,) = response.json()["files"]
    assert result["status"] == "ready"
    assert result["chunks"] == 3
    with stores.sessions() as session:
        (item,) = session.scalars(select(Item))
        chunk_points = set(session.scalars(select(ItemChunk.point_id)))
    assert str(item.id) == result["item_id"]
    assert len(chunk_points) == result["chunks"]
    assert stores.vectors.point_ids() == chunk_points
    assert sorted(stores.objects.list()) == sorted([item.raw_key, item.processed_key])
    assert client.get("/ingest/drift", headers=headers).json()["clean"] is True


@pytest.fixture
def admin(app_client: TestClient, users) -> dict[str, str]:
    return login(app_client, "monika")


@pytest.fixture
def restart_on_chunk_insert(database_url: str, clean_db: Stores) -> Iterator[list[int]]:
    """Restart PostgreSQL once, just before the ingest inserts the chunk rows: inside the
    transaction that makes the item ready. Yields how many connections were terminated."""
    killed: list[int] = []

    def before_execute(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO ITEM_CHUNKS") and not killed:
            killed.append(restart_database(database_url))

    event.listen(clean_db.engine, "before_cursor_execute", before_execute)
    try:
        yield killed
    finally:
        event.remove(clean_db.engine, "before_cursor_execute", before_execute)


def test_database_restart_inside_the_ready_transaction_fails_the_upload_cleanly(
    app_client: TestClient, admin, clean_db: Stores, restart_on_chunk_insert: list[int]
):
    response = upload(app_client, admin)

    assert restart_on_chunk_insert, "the fault never fired"
    assert restart_on_chunk_insert[0] >= 1
    assert_failed_cleanly(response, "OperationalError")
    assert_nothing_half_written(app_client, admin, clean_db)
    assert_upload_works(app_client, admin, clean_db)


def test_database_restart_between_ingest_steps_does_not_fail_the_upload(
    app_client: TestClient,
    admin,
    clean_db: Stores,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
):
    # The restart lands while the vectors are written: no SQL connection is in use then, and
    # the pool checks each connection before lending it, so the upload completes.
    killed: list[int] = []
    upsert = clean_db.vectors.upsert

    def restart_then_upsert(points: Sequence[VectorPoint]) -> None:
        if not killed:
            killed.append(restart_database(database_url))
        upsert(points)

    monkeypatch.setattr(clean_db.vectors, "upsert", restart_then_upsert)

    assert_upload_works(app_client, admin, clean_db)
    assert killed, "the fault never fired"
    assert killed[0] >= 1


def _fail_on_call(n: int, method: Callable[..., None], error: Exception) -> Callable[..., None]:
    """``method``, except that its ``n``-th call raises ``error`` (and later ones work)."""
    calls = 0

    def wrapper(*args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == n:
            raise error
        method(*args, **kwargs)

    return wrapper


@pytest.mark.parametrize("failing_put", [1, 2], ids=["original", "extract-after-original"])
def test_object_store_failure_fails_the_upload_cleanly(
    app_client: TestClient,
    admin,
    clean_db: Stores,
    monkeypatch: pytest.MonkeyPatch,
    failing_put: int,
):
    # The first put stores the original, the second the parsed extract: when the second fails
    # the original is already written and must not be left behind.
    down = ObjectStoreError("object store unreachable: connection refused")
    monkeypatch.setattr(
        clean_db.objects, "put", _fail_on_call(failing_put, clean_db.objects.put, down)
    )

    assert_failed_cleanly(upload(app_client, admin), "ObjectStoreError: object store unreachable")
    assert_nothing_half_written(app_client, admin, clean_db)
    assert_upload_works(app_client, admin, clean_db)


@pytest.mark.parametrize("applied", [False, True], ids=["refused", "applied-but-unacknowledged"])
def test_vector_store_failure_after_the_first_batch_fails_the_upload_cleanly(
    app_client: TestClient,
    admin,
    clean_db: Stores,
    monkeypatch: pytest.MonkeyPatch,
    applied: bool,
):
    # Two chunks per batch (see app_client): the first batch is stored, the second fails,
    # either refused or written with the acknowledgement lost (a timeout).
    upsert = clean_db.vectors.upsert
    batches: list[int] = []

    def upsert_then_fail(points: Sequence[VectorPoint]) -> None:
        batches.append(len(points))
        if len(batches) == 2:
            if applied:
                upsert(points)
            raise TimeoutError("qdrant: upsert timed out")
        upsert(points)

    monkeypatch.setattr(clean_db.vectors, "upsert", upsert_then_fail)

    response = upload(app_client, admin)

    assert len(batches) == 2, batches  # it stopped at the failing batch
    assert_failed_cleanly(response, "TimeoutError: qdrant: upsert timed out")
    assert_nothing_half_written(app_client, admin, clean_db)
    monkeypatch.setattr(clean_db.vectors, "upsert", upsert)
    assert_upload_works(app_client, admin, clean_db)


def serving(stores: Stores) -> tuple[Item, list[str], set[Any], bytes, bytes]:
    """The only item, its chunk texts and point ids, and the original and extract its row names."""
    with stores.sessions() as session:
        (item,) = session.scalars(select(Item))
        texts = list(session.scalars(select(ItemChunk.text).order_by(ItemChunk.ordinal)))
        points = set(session.scalars(select(ItemChunk.point_id)))
    assert item.raw_key is not None
    assert item.processed_key is not None
    original = stores.objects.get(item.raw_key)
    extract = stores.objects.get(item.processed_key)
    return item, texts, points, original, extract


def assert_whole(client: TestClient, headers: dict[str, str], stores: Stores) -> None:
    """Vectors and objects are exactly those the item's rows name; the drift check is clean."""
    item, _, points, _, _ = serving(stores)
    assert stores.vectors.point_ids() == points
    assert sorted(stores.objects.list()) == sorted([item.raw_key, item.processed_key])
    drift = client.get("/ingest/drift", headers=headers)
    assert drift.status_code == 200, drift.text
    assert drift.json()["clean"] is True, drift.json()


def test_failed_new_version_keeps_the_previous_original_and_extract_serving(
    app_client: TestClient, admin, clean_db: Stores, monkeypatch: pytest.MonkeyPatch
):
    assert upload(app_client, admin).status_code == 201
    item, texts, points, original, extract = serving(clean_db)
    assert original == DOCUMENT

    # The revision's first batch of vectors is stored, the second times out.
    upsert = clean_db.vectors.upsert
    down = TimeoutError("qdrant: upsert timed out")
    monkeypatch.setattr(clean_db.vectors, "upsert", _fail_on_call(2, upsert, down))
    response = upload(app_client, admin, REVISED)
    monkeypatch.setattr(clean_db.vectors, "upsert", upsert)

    assert response.status_code == 503, response.text
    (result,) = response.json()["detail"]
    assert (result["item_id"], result["replaced"]) == (str(item.id), True)
    assert result["status"] == "ready"  # the previous version, still serving
    assert "TimeoutError: qdrant: upsert timed out" in result["error"]
    kept, kept_texts, kept_points, kept_original, kept_extract = serving(clean_db)
    assert (kept.raw_key, kept.processed_key) == (item.raw_key, item.processed_key)
    assert (kept.status, kept.content_hash) == (ItemStatus.READY, item.content_hash)
    assert (kept_texts, kept_points) == (texts, points)
    assert (kept_original, kept_extract) == (original, extract)
    assert_whole(app_client, admin, clean_db)

    # A re-ingest now processes the version that serves, not the rejected one.
    again = app_client.post(f"/items/{item.id}/reingest", headers=admin)
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "ready"
    reread, reread_texts, _, reread_original, reread_extract = serving(clean_db)
    assert reread_texts == texts
    assert (reread_original, reread_extract) == (original, extract)
    assert reread.raw_key != item.raw_key  # its own keys; the replaced objects are gone
    assert_whole(app_client, admin, clean_db)

    # The revision, uploaded again, replaces both; nothing of the first version is left.
    replaced = upload(app_client, admin, REVISED)
    assert replaced.status_code == 201, replaced.text
    assert replaced.json()["files"][0]["replaced"] is True
    new, new_texts, new_points, new_original, new_extract = serving(clean_db)
    assert new.id == item.id
    assert new_original == REVISED
    assert "alle zwei Jahre" in " ".join(new_texts)
    assert "alle zwei Jahre" in new_extract.decode()
    assert "jährlich" not in new_extract.decode()
    assert new_points.isdisjoint(points)
    for key in (item.raw_key, item.processed_key, reread.raw_key, reread.processed_key):
        assert not clean_db.objects.exists(key)
    assert_whole(app_client, admin, clean_db)
