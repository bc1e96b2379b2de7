"""The local chat model: grounded German answers, refusals, streaming, JSON-schema output."""

from __future__ import annotations

import asyncio
import threading

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from pydantic import BaseModel

from luna.config import Settings
from luna.llm.factory import build_chat_model
from luna.llm.llama_cpp_chat import (
    GenerationTimeoutError,
    LlamaCppChatModel,
    json_schema_of,
    to_llama_messages,
)
from luna.llm.llama_runtime import LlamaSpec, LoadedLlama, ModelBusyError

TARIFF = (
    "Kontext: Im Tarif Luna Strom Basis beträgt der Arbeitspreis 31,45 Cent pro kWh "
    "und der Grundpreis 12,90 Euro pro Monat."
)
GROUNDED = SystemMessage(
    "Beantworte die Frage nur mit dem Kontext. Steht die Antwort nicht im Kontext, "
    "antworte genau: I don't know"
)


class Price(BaseModel):
    tariff: str
    cents_per_kwh: float


def test_messages_become_chat_template_roles():
    messages = to_llama_messages(
        [
            SystemMessage("s"),
            HumanMessage([{"type": "text", "text": "a"}, "b"]),
            AIMessage("c"),
            ToolMessage("d", tool_call_id="t1"),
        ]
    )
    assert messages == [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "ab"},
        {"role": "assistant", "content": "c"},
        {"role": "tool", "content": "d", "tool_call_id": "t1"},
    ]


def test_call_options_override_model_defaults_and_stops_add_up():
    model = LlamaCppChatModel(model_path="x.gguf", stop=["</s>"], temperature=0.3)
    params = model._params(["\n\n"], {"max_tokens": 5, "response_format": {"type": "json_object"}})
    assert params["stop"] == ["</s>", "\n\n"]
    assert params["temperature"] == 0.3
    assert params["max_tokens"] == 5
    assert params["response_format"] == {"type": "json_object"}


def test_unknown_call_options_are_refused_not_ignored():
    model = LlamaCppChatModel(model_path="x.gguf")
    with pytest.raises(TypeError, match="tools"):
        model._params(None, {"tools": []})


def test_prompt_lookup_is_part_of_the_shared_instance_key():
    plain = LlamaCppChatModel(model_path="x.gguf")
    lookup = LlamaCppChatModel(model_path="x.gguf", prompt_lookup_tokens=10)
    assert plain.spec != lookup.spec
    assert plain.spec == LlamaCppChatModel(model_path="x.gguf", temperature=0.9).spec


def test_busy_model_raises_after_the_timeout_instead_of_waiting_forever():
    loaded = LoadedLlama(LlamaSpec("x.gguf"), llama=object(), load_s=0.0)  # type: ignore[arg-type]
    with loaded.exclusive(1.0):
        errors: list[BaseException] = []

        def second_caller() -> None:
            try:
                with loaded.exclusive(0.05):
                    pass
            except ModelBusyError as exc:
                errors.append(exc)

        thread = threading.Thread(target=second_caller)
        thread.start()
        thread.join()
    assert len(errors) == 1
    assert "busy" in str(errors[0])


def test_pydantic_schema_is_passed_as_json_schema():
    schema = json_schema_of(Price)
    assert schema["properties"]["cents_per_kwh"]["type"] == "number"
    assert json_schema_of({"type": "object"}) == {"type": "object"}


@pytest.mark.slow
def test_answers_a_german_question_from_the_context(chat_model: LlamaCppChatModel):
    answer = chat_model.invoke(
        [GROUNDED, HumanMessage(f"{TARIFF}\nFrage: Wie hoch ist der Arbeitspreis?")]
    )
    assert isinstance(answer.content, str)
    assert "31,45" in answer.content or "31.45" in answer.content
    assert answer.usage_metadata is not None
    assert answer.usage_metadata["input_tokens"] > 50
    assert answer.response_metadata["time_to_first_token_s"] > 0


@pytest.mark.slow
def test_says_it_does_not_know_when_the_context_lacks_the_answer(chat_model: LlamaCppChatModel):
    answer = chat_model.invoke(
        [GROUNDED, HumanMessage(f"{TARIFF}\nFrage: Wer hat die Fußball-WM 2014 gewonnen?")]
    )
    assert isinstance(answer.content, str)
    assert "i don't know" in answer.content.lower()
    assert "deutschland" not in answer.content.lower()


@pytest.mark.slow
def test_stream_yields_tokens_as_they_come_and_honours_stop(chat_model: LlamaCppChatModel):
    chunks = list(chat_model.stream("Count from 1 to 9, separated by commas.", stop=["6"]))
    text = "".join(str(c.content) for c in chunks)
    assert len([c for c in chunks if c.content]) >= 5
    assert "5" in text
    assert "6" not in text
    assert chunks[-1].response_metadata["finish_reason"] == "stop"


@pytest.mark.slow
def test_structured_output_validates_against_the_pydantic_model(chat_model: LlamaCppChatModel):
    structured = chat_model.bind(max_tokens=48).with_structured_output(Price)
    price = structured.invoke(
        [
            HumanMessage(
                f"{TARIFF}\nGib Tarifname (tariff) und Arbeitspreis (cents_per_kwh) als JSON."
            )
        ]
    )
    assert isinstance(price, Price)
    assert price.cents_per_kwh == pytest.approx(31.45)


@pytest.mark.slow
def test_timeout_stops_generation_and_frees_the_model(chat_model: LlamaCppChatModel):
    with pytest.raises(GenerationTimeoutError, match="did not finish within"):
        chat_model.invoke("Schreibe ein langes Gedicht über Strom.", max_tokens=200, timeout_s=0.2)
    assert chat_model.invoke("Antworte nur mit: ok", max_tokens=3).content


@pytest.mark.slow
def test_models_with_the_same_settings_share_one_llama_instance(
    chat_model: LlamaCppChatModel, model_settings: Settings
):
    other = build_chat_model(model_settings)
    assert isinstance(other, LlamaCppChatModel)
    assert other.load() is chat_model.load()


@pytest.mark.slow
def test_concurrent_calls_are_serialised_and_both_answered(chat_model: LlamaCppChatModel):
    answers: list[str] = []

    def ask(question: str) -> None:
        answers.append(str(chat_model.invoke(question, max_tokens=4).content))

    threads = [threading.Thread(target=ask, args=(q,)) for q in ("Sag Hallo.", "Say hello.")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 2
    assert all(answers)


@pytest.mark.slow
def test_prompt_lookup_decoding_gives_the_same_greedy_answer(chat_model: LlamaCppChatModel):
    question = [HumanMessage(f"{TARIFF}\nZitiere den Satz mit dem Arbeitspreis wörtlich.")]
    lookup = chat_model.model_copy(update={"prompt_lookup_tokens": 10, "n_ctx": 1024})
    plain = chat_model.invoke(question, max_tokens=20).content
    assert lookup.invoke(question, max_tokens=20).content == plain


@pytest.mark.slow
def test_abandoned_stream_releases_the_model(chat_model: LlamaCppChatModel):
    stream = chat_model.stream("Zähle von eins bis zwanzig.", max_tokens=20)
    assert next(stream).content
    stream.close()  # the consumer stops early, e.g. the client disconnected
    assert chat_model.invoke("Antworte nur mit: ok", max_tokens=3, timeout_s=30).content


@pytest.mark.slow
def test_async_stream_yields_tokens(chat_model: LlamaCppChatModel):
    async def collect() -> list[str]:
        return [str(c.content) async for c in chat_model.astream("Say hello.", max_tokens=6)]

    pieces = asyncio.run(collect())
    assert len([p for p in pieces if p]) >= 2
