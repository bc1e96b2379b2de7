"""LLM-as-judge: the local model grades an answer against the reference in one word.

A 1.5B model is a weak judge, so its grade is stored beside the deterministic token F1 and
embedding similarity, and the raw reply is kept for inspection.
"""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel

from luna.prompts.registry import LoadedPrompt

GRADES = {"correct": 1.0, "partial": 0.5, "incorrect": 0.0}


@dataclass(frozen=True)
class Verdict:
    score: float | None  # None when the reply held no grade
    raw: str


def parse_grade(reply: str) -> float | None:
    """The first grade word in the reply (``INCORRECT`` is checked before ``CORRECT``)."""
    text = reply.strip().casefold()
    positions = {word: text.find(word) for word in GRADES if word in text}
    if "incorrect" in positions and positions.get("correct") == positions["incorrect"] + 2:
        del positions["correct"]  # "correct" inside "incorrect"
    if not positions:
        return None
    return GRADES[min(positions, key=lambda w: positions[w])]


def judge(
    model: BaseChatModel, prompt: LoadedPrompt, *, question: str, reference: str, answer: str
) -> Verdict:
    reply = model.invoke(
        prompt.render(question=question, reference=reference, answer=answer), **prompt.spec.params
    )
    raw = str(reply.content)
    return Verdict(parse_grade(raw), raw.strip()[:80])
