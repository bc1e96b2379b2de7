"""Object store on a local directory (the embedded default)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from luna.store.objects.base import ObjectNotFoundError, ObjectStoreError, validate_key


class LocalObjectStore:
    """Objects are files under ``root/<bucket>/<key>``; writes are atomic (temp file + rename)."""

    def __init__(self, root: Path, bucket: str) -> None:
        self._root = (root / validate_key(bucket)).resolve()
        self._root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self._root / validate_key(key)

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise ObjectNotFoundError(key) from exc

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        # Remove now-empty prefix directories, never the bucket root.
        parent = path.parent
        while parent != self._root and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent

    def list(self, prefix: str = "") -> list[str]:
        keys = (
            p.relative_to(self._root).as_posix()
            for p in self._root.rglob("*")
            if p.is_file() and not p.name.startswith(".tmp-")
        )
        return sorted(k for k in keys if k.startswith(prefix))

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def ping(self) -> None:
        if not os.access(self._root, os.W_OK):
            raise ObjectStoreError(f"object directory {self._root} is not writable")
