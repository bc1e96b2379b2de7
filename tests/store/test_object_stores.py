"""Both object-store implementations behave the same: local directory and MinIO SDK over S3.

The MinIO implementation talks HTTP to moto's standalone S3 server, started here (no MinIO
server binary is installable on this machine; production runs MinIO from compose.yaml).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from luna.store.objects.base import ObjectNotFoundError, ObjectStore, ObjectStoreError
from luna.store.objects.local import LocalObjectStore
from luna.store.objects.minio_store import MinioObjectStore, make_minio_client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    exe = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
    proc = subprocess.Popen(
        [exe, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("moto_server did not start")
    yield f"127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(params=["local", "minio"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return LocalObjectStore(tmp_path, "docs")
    endpoint = request.getfixturevalue("s3_endpoint")
    client = make_minio_client(endpoint, "testing", "testing-secret", secure=False)
    return MinioObjectStore(client, f"docs-{tmp_path.name.lower().replace('_', '-')[-20:]}")


def test_put_get_list_exists_delete(store: ObjectStore):
    store.ping()
    store.put("raw/item-1/Tarif 2026.pdf", b"%PDF-1.7 data", "application/pdf")
    store.put("raw/item-2/a.txt", b"hello")
    store.put("processed/item-1.json", b"{}", "application/json")

    assert store.get("raw/item-1/Tarif 2026.pdf") == b"%PDF-1.7 data"
    assert store.list("raw/") == ["raw/item-1/Tarif 2026.pdf", "raw/item-2/a.txt"]
    assert store.list("processed/") == ["processed/item-1.json"]
    assert store.exists("raw/item-2/a.txt")

    store.put("raw/item-2/a.txt", b"replaced")
    assert store.get("raw/item-2/a.txt") == b"replaced"

    store.delete("raw/item-2/a.txt")
    assert not store.exists("raw/item-2/a.txt")
    assert store.list("raw/") == ["raw/item-1/Tarif 2026.pdf"]
    with pytest.raises(ObjectNotFoundError):
        store.get("raw/item-2/a.txt")


@pytest.mark.parametrize("key", ["../escape.txt", "/etc/passwd", "raw//x", "raw/./x", ""])
def test_keys_that_could_escape_the_bucket_are_rejected(store: ObjectStore, key: str):
    with pytest.raises(ValueError, match="invalid object key"):
        store.put(key, b"x")


def test_unreachable_minio_fails_fast_with_a_clear_error():
    client = make_minio_client(f"127.0.0.1:{_free_port()}", "a", "b", secure=False)
    start = time.monotonic()
    with pytest.raises(ObjectStoreError, match="object store unavailable"):
        MinioObjectStore(client, "docs")
    assert time.monotonic() - start < 15
