"""The object-store interface for document bytes (``raw/`` uploads, ``processed/`` extracts)."""

from __future__ import annotations

import re
from typing import Protocol

RAW_PREFIX = "raw/"
PROCESSED_PREFIX = "processed/"

_SAFE_KEY = re.compile(r"^[A-Za-z0-9._\-/ ()äöüÄÖÜß+,=@]+$")


class ObjectNotFoundError(KeyError):
    """No object under that key."""


class ObjectStoreError(RuntimeError):
    """The object store is unreachable or refused an operation."""


def validate_key(key: str) -> str:
    """Reject keys that could escape the bucket or root directory."""
    parts = key.split("/")
    if (
        not key
        or key.startswith("/")
        or any(p in ("", ".", "..") for p in parts)
        or not _SAFE_KEY.match(key)
    ):
        raise ValueError(f"invalid object key: {key!r}")
    return key


class ObjectStore(Protocol):
    """put/get/delete/list/exists over flat keys with ``/``-separated prefixes."""

    def put(
        self, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def list(self, prefix: str = "") -> list[str]: ...

    def exists(self, key: str) -> bool: ...

    def ping(self) -> None: ...
