"""One process owns an embedded (Qdrant Edge) collection at a time.

Qdrant Edge opens its files for one process only; a second process that tries fails deep in
the engine ("Can't init WAL: Kind(WouldBlock)"), and a CLI command that ignores it reports
nothing useful. The owner takes an exclusive ``flock`` on ``<collection>/owner.lock`` before
opening the shard and writes who it is into the file; a second process is refused at once with
a :class:`VectorStoreBusyError` naming the owner, so ``luna ingest add`` or ``luna eval run``
beside a running ``luna serve`` says "go through the server" instead of failing case by case.
Within one process the claim is shared (counted), as the engine allows. The kernel drops the
lock when the owner exits, even after ``kill -9``.
"""

from __future__ import annotations

import fcntl
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from luna.config import Settings, VectorBackend
from luna.store.vectors.base import VectorStoreError

LOCK_FILE = "owner.lock"


class VectorStoreBusyError(VectorStoreError):
    """Another process has the embedded vector store open."""


_claims: dict[Path, tuple[IO[str], int]] = {}
_claims_lock = threading.Lock()


def claim(collection_dir: Path) -> None:
    """Claim ``collection_dir`` for this process, or raise :class:`VectorStoreBusyError`."""
    path = collection_dir.resolve()
    with _claims_lock:
        if path in _claims:
            handle, count = _claims[path]
            _claims[path] = (handle, count + 1)
            return
        path.mkdir(parents=True, exist_ok=True)
        handle = (path / LOCK_FILE).open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "another process"
            handle.close()
            raise VectorStoreBusyError(
                f"the embedded vector store {path} is in use by {owner}. Qdrant Edge serves one "
                "process: while `luna serve` runs, go through it (POST /ingest, POST /evals/runs, "
                "POST /playbooks, POST /learning/cycles) or stop it first; in production the "
                "Qdrant server has no such limit (LUNA_VECTOR_BACKEND=qdrant)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} ({' '.join(sys.argv)[:160]})\n")
        handle.flush()
        _claims[path] = (handle, 1)


def release(collection_dir: Path) -> None:
    """Give up one claim of this process; the last one unlocks the collection."""
    path = collection_dir.resolve()
    with _claims_lock:
        if path not in _claims:
            return
        handle, count = _claims[path]
        if count > 1:
            _claims[path] = (handle, count - 1)
            return
        del _claims[path]
        handle.close()  # closing the file drops the flock


@contextmanager
def held(collection_dir: Path) -> Iterator[None]:
    """Hold the claim for a whole command (refused at once when another process has it), so
    that work which opens the store only later (a learning cycle's quality gate) cannot fail
    after minutes of training, and ``luna serve`` cannot take the store from under it."""
    claim(collection_dir)
    try:
        yield
    finally:
        release(collection_dir)


@contextmanager
def settings_held(settings: Settings) -> Iterator[None]:
    """:func:`held` for the configured collection when vectors are embedded (Qdrant Edge); a
    Qdrant server needs no claim."""
    if settings.vector_backend is not VectorBackend.EDGE:
        yield
        return
    with held(settings.vector_path / settings.vector_collection):
        yield
