"""LangChain chat model over the process-wide llama.cpp instance (see :mod:`llama_runtime`).

Written here rather than taken from ``langchain_community.ChatLlamaCpp``: that wrapper loads
its own ``Llama`` per object with no lock, so two graph nodes would hold two 1.1 GB copies and
lose llama.cpp's prefix reuse, and its structured output goes through tool-call grammars
instead of the JSON-schema response format. The prompt is rendered by the GGUF's own chat
template (``create_chat_completion``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Generator, Iterator, Mapping, Sequence
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.ai import UsageMetadata
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import BaseModel, Field

from luna.llm.bundled_model import BUNDLED_MODEL_NAME
from luna.llm.llama_runtime import LlamaSpec, LoadedLlama, load_llama

JsonSchema = dict[str, Any]
_CALL_OPTIONS = frozenset(
    {"temperature", "top_p", "max_tokens", "repeat_penalty", "seed", "response_format"}
)


class GenerationTimeoutError(TimeoutError):
    """The model did not finish within the call's timeout."""


class _Meter:
    """A logits processor that only times prefill and decoding; it leaves the logits alone.

    llama.cpp calls it once per sampled token with the tokens evaluated so far, so its first
    call marks the end of prefill and tells the prompt length exactly. It must never raise:
    llama.cpp calls it from C, which swallows exceptions.
    """

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.first: float | None = None
        self.last: float | None = None
        self.prompt_tokens = 0
        self.samples = 0

    def __call__(
        self, input_ids: npt.NDArray[np.intc], scores: npt.NDArray[np.single]
    ) -> npt.NDArray[np.single]:
        now = time.perf_counter()
        if self.first is None:
            self.first = now
            self.prompt_tokens = len(input_ids)
        self.last = now
        self.samples += 1
        return scores

    def metadata(self) -> dict[str, Any]:
        """Time to first token and decoding speed of the finished call."""
        out: dict[str, Any] = {"prompt_tokens": self.prompt_tokens}
        if self.first is not None:
            out["time_to_first_token_s"] = round(self.first - self.start, 3)
            if self.last is not None and self.samples > 1 and self.last > self.first:
                out["tokens_per_s"] = round((self.samples - 1) / (self.last - self.first), 2)
        return out


def _text(content: str | list[str | dict[str, Any]]) -> str:
    if isinstance(content, str):
        return content
    parts = [p if isinstance(p, str) else str(p.get("text", "")) for p in content]
    return "".join(parts)


def to_llama_messages(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """LangChain messages as the OpenAI-style dicts llama.cpp's chat template expects."""
    out: list[dict[str, Any]] = []
    for message in messages:
        content = _text(message.content)
        if isinstance(message, SystemMessage):
            out.append({"role": "system", "content": content})
        elif isinstance(message, HumanMessage):
            out.append({"role": "user", "content": content})
        elif isinstance(message, AIMessage):
            out.append({"role": "assistant", "content": content})
        elif isinstance(message, ToolMessage):
            out.append({"role": "tool", "content": content, "tool_call_id": message.tool_call_id})
        elif isinstance(message, ChatMessage):
            out.append({"role": message.role, "content": content})
        else:
            raise TypeError(f"unsupported message type for llama.cpp: {type(message).__name__}")
    return out


def json_schema_of(schema: type[BaseModel] | Mapping[str, Any]) -> JsonSchema:
    """The JSON schema of a pydantic model, or a given schema unchanged."""
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        return schema.model_json_schema()
    return dict(schema)


class LlamaCppChatModel(BaseChatModel):
    """Chat model on a local GGUF file through llama.cpp, one shared instance per process.

    Runtime options (``stop``, ``temperature``, ``max_tokens``, ``top_p``, ``seed``,
    ``response_format``) may be passed to ``invoke``/``stream`` or fixed with ``bind``.
    Each answer's ``response_metadata`` carries ``time_to_first_token_s`` and ``tokens_per_s``.
    """

    model_path: str
    model_name: str = BUNDLED_MODEL_NAME
    n_ctx: int = Field(default=4096, ge=512)
    n_threads: int | None = None
    n_batch: int = 512
    prompt_lookup_tokens: int = Field(
        default=0,
        ge=0,
        description="Prompt-lookup decoding: propose this many tokens copied from the prompt "
        "(helps answers that quote their context); 0 disables it.",
    )
    temperature: float = 0.0
    top_p: float = 0.95
    max_tokens: int = 512
    repeat_penalty: float = 1.0
    stop: list[str] | None = None
    seed: int | None = None
    timeout_s: float = Field(
        default=180.0,
        gt=0,
        description="Whole call, waiting for the shared model included; checked between "
        "tokens (prefill runs to its end).",
    )

    @property
    def _llm_type(self) -> str:
        return "luna-llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, **self.spec.__dict__}

    @property
    def spec(self) -> LlamaSpec:
        return LlamaSpec(
            model_path=self.model_path,
            n_ctx=self.n_ctx,
            n_threads=self.n_threads,
            n_batch=self.n_batch,
            prompt_lookup_tokens=self.prompt_lookup_tokens,
        )

    def load(self) -> LoadedLlama:
        """The shared llama.cpp instance, loaded now if this is the first use in the process."""
        return load_llama(self.spec)

    # --- generation --------------------------------------------------------------------

    def _params(self, stop: list[str] | None, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        unknown = set(kwargs) - _CALL_OPTIONS
        if unknown:  # e.g. tools=...: better an error than a silently ignored option
            raise TypeError(f"unsupported options for the llama.cpp chat model: {sorted(unknown)}")
        stops = [*(self.stop or []), *(stop or [])]
        params: dict[str, Any] = {
            "temperature": kwargs.get("temperature", self.temperature),
            "top_p": kwargs.get("top_p", self.top_p),
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "repeat_penalty": kwargs.get("repeat_penalty", self.repeat_penalty),
            "seed": kwargs.get("seed", self.seed),
            "stop": stops,
        }
        if kwargs.get("response_format") is not None:
            params["response_format"] = kwargs["response_format"]
        return params

    def _request(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: Mapping[str, Any]
    ) -> tuple[dict[str, Any], _Meter]:
        from llama_cpp import LogitsProcessorList

        meter = _Meter()
        request = {
            "messages": to_llama_messages(messages),
            "logits_processor": LogitsProcessorList([meter]),
            **self._params(stop, kwargs),
        }
        return request, meter

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        # Always streamed inside, so that the timeout is checked between tokens.
        return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        timeout_s = float(kwargs.pop("timeout_s", self.timeout_s))
        deadline = time.perf_counter() + timeout_s
        request, meter = self._request(messages, stop, kwargs)
        finish_reason: str | None = None
        with self.load().exclusive(timeout_s) as llama:
            meter.start = time.perf_counter()
            chunks = cast(
                Generator[dict[str, Any], None, None],
                llama.create_chat_completion(**request, stream=True),
            )
            try:
                for chunk in chunks:
                    if time.perf_counter() > deadline:
                        raise GenerationTimeoutError(
                            f"local model did not finish within {timeout_s} s "
                            f"({meter.samples} tokens generated)"
                        )
                    choice = chunk["choices"][0]
                    finish_reason = choice.get("finish_reason") or finish_reason
                    content = choice["delta"].get("content")
                    if not content:
                        continue
                    piece = ChatGenerationChunk(message=AIMessageChunk(content=content))
                    if run_manager is not None:
                        run_manager.on_llm_new_token(content, chunk=piece)
                    yield piece
            finally:
                chunks.close()  # stops generation, so the next caller gets the model
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                usage_metadata=UsageMetadata(
                    input_tokens=meter.prompt_tokens,
                    output_tokens=meter.samples,
                    total_tokens=meter.prompt_tokens + meter.samples,
                ),
                response_metadata={
                    "model_name": self.model_name,
                    "finish_reason": finish_reason,
                    **meter.metadata(),
                },
                chunk_position="last",
            ),
            generation_info={"finish_reason": finish_reason},
        )

    # --- structured output -------------------------------------------------------------

    def with_structured_output(
        self,
        schema: dict[str, Any] | type,
        *,
        include_raw: bool = False,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | BaseModel]:
        """Constrain decoding to ``schema`` with llama.cpp's JSON-schema grammar and parse it.

        A pydantic class gives a validated instance, a JSON schema dict gives a dict. The
        grammar fixes the shape, not the meaning: say in the prompt what each field holds.
        """
        if kwargs:
            raise ValueError(f"unsupported arguments: {sorted(kwargs)}")
        parser: Runnable[BaseMessage, Any]
        if isinstance(schema, type) and issubclass(schema, BaseModel):
            parser = PydanticOutputParser(pydantic_object=schema)
        elif isinstance(schema, dict):
            parser = JsonOutputParser()
        else:
            raise TypeError("schema must be a pydantic model class or a JSON schema dict")
        bound = self.bind(response_format={"type": "json_object", "schema": json_schema_of(schema)})
        if not include_raw:
            return bound | parser

        def parse(raw: BaseMessage) -> dict[str, Any]:
            try:
                return {"raw": raw, "parsed": parser.invoke(raw), "parsing_error": None}
            except Exception as exc:  # reported to the caller, as LangChain's include_raw does
                return {"raw": raw, "parsed": None, "parsing_error": exc}

        return bound | RunnableLambda(parse)

    def invoke_json(
        self,
        messages: LanguageModelInput,
        schema: type[BaseModel] | Mapping[str, Any],
        **kwargs: Any,
    ) -> Any:
        """One constrained call: a validated ``schema`` instance, or a dict for a JSON schema."""
        message = self.invoke(
            messages,
            response_format={"type": "json_object", "schema": json_schema_of(schema)},
            **kwargs,
        )
        data = json.loads(_text(message.content))
        if isinstance(schema, type) and issubclass(schema, BaseModel):
            return schema.model_validate(data)
        return cast(dict[str, Any], data)


def json_schema_format(model: BaseChatModel, schema: JsonSchema) -> dict[str, Any]:
    """Call options that make ``model`` decode under ``schema``: llama.cpp's JSON-schema
    response format (a grammar), Ollama's ``format`` (its structured outputs); other chat
    models get none and rely on the prompt."""
    if isinstance(model, LlamaCppChatModel):
        return {"response_format": {"type": "json_object", "schema": schema}}
    if model._llm_type == "chat-ollama":
        return {"format": dict(schema)}
    return {}
