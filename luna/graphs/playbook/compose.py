"""The words around the engines' numbers: the engine-written text and the model's remark.

Title, summary and risks come from the engines' templates (:mod:`luna.graphs.playbook.texts`)
in the request's language, so they are complete, correct and instant. The model may add one
short remark (a practical hint for carrying the recommendation out), streamed as it is
written; :func:`remark_problems` drops it when it carries a number, is in the wrong language,
leaks a placeholder or says again what the summary says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from luna.core.language import detect_language
from luna.graphs.playbook.figures import number_text
from luna.graphs.playbook.schema import Language, PlaybookRequest, PlaybookText
from luna.graphs.playbook.state import Analysis, MeterInfo
from luna.graphs.playbook.texts import text

LANGUAGE_NAMES = {"en": "English", "de": "German (Deutsch)"}
SUMMARY_ACTIONS = 3
SUMMARY_FIGURES = 3
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[^\W\d_]+")
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_PLACEHOLDER = re.compile(r"[\[\]{}<>]|\b(RECOMMENDED ACTIONS|DOCUMENTS CONSULTED|LANGUAGE)\b")
_MIN_REMARK_WORDS = 4
_MAX_REMARK_SENTENCES = 2
_REPEAT_SHARE = 0.8  # a remark whose words are mostly one summary sentence's says it again


def _signed(value: float, language: Language) -> str:
    return ("+" if value > 0 else "") + number_text(value, 2, language)


def engine_text(request: PlaybookRequest, analysis: Analysis) -> PlaybookText:
    """Title, summary and risks from the engine's own words and numbers: the headline, what
    to do (up to three actions with their windows), the main figures and the data window."""
    lang = request.language
    steps = [
        f"{a.title}{f' {a.window}' if a.window else ''} ({a.detail})"
        for a in analysis.actions[:SUMMARY_ACTIONS]
    ]
    figures = [f"{f.label} {f.text}" for f in analysis.figures[:SUMMARY_FIGURES]]
    sentences = [
        text(lang, "summary.actions", actions="; ".join(steps))
        if steps
        else text(lang, "summary.no_actions"),
        text(lang, "summary.figures", figures="; ".join(figures)) if figures else "",
        text(lang, "summary.data", window=analysis.evidence.data_window),
    ]
    return PlaybookText(
        title=analysis.headline,
        summary=" ".join(s for s in sentences if s),
        risks=analysis.risks[:5],
    )


def facts_block(request: PlaybookRequest, meter: MeterInfo, analysis: Analysis) -> str:
    """Everything the playbook says, with the numbers written as the playbook shows them (kept
    with the stored playbook: the inputs a reader checks its text against)."""
    lang = request.language
    lines = [f"Meter {meter.meter_id}; data: {analysis.evidence.data_window}", analysis.headline]
    lines += [f"- {f.label}: {f.text}" for f in analysis.figures]
    lines.append("ACTIONS:")
    for i, a in enumerate(analysis.actions, start=1):
        parts = [f"{i}. {a.title} ({a.device})"]
        if a.window:
            parts.append(a.window)
        if a.energy_kwh is not None:
            parts.append(f"{number_text(a.energy_kwh, 2, lang)} kWh")
        if a.cost_change_eur is not None:
            parts.append(f"cost change {_signed(a.cost_change_eur, lang)} EUR")
        parts.append(f"confidence {a.confidence}; {a.detail}")
        lines.append(", ".join(parts))
    if not analysis.actions:
        lines.append("(none)")
    lines.append("ASSUMPTIONS:")
    lines += [f"- {a}" for a in analysis.assumptions]
    lines.append("RISKS:")
    lines += [f"- {r}" for r in analysis.risks]
    return "\n".join(lines)


def remark_variables(
    request: PlaybookRequest, analysis: Analysis, sources: list[dict[str, Any]]
) -> dict[str, str]:
    """What the remark is about, without a single number: the actions (titles and devices)
    and the titles of the passages. A small model copies any figure it sees, and a remark
    with a figure is dropped."""
    actions = [f"{a.title} ({a.device})" for a in analysis.actions[:SUMMARY_ACTIONS]]
    topics = list(
        dict.fromkeys(f"{s['title']}: {s['section'] or ''}".rstrip(": ") for s in sources)
    )
    return {
        "language": LANGUAGE_NAMES[request.language],
        "kind": request.kind.value,
        "recommendation": _NUMBER.sub("…", "\n".join(actions) or "-"),
        "context": _NUMBER.sub("…", "\n".join(topics) or "-"),
    }


def stream_remark(
    model: BaseChatModel, messages: list[BaseMessage], params: dict[str, Any]
) -> Iterator[str]:
    """The model's remark, piece by piece as it is decoded."""
    for chunk in model.stream(messages, **params):
        content = chunk.content
        if isinstance(content, str) and content:
            yield content


def _words(sentence: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(sentence) if len(w) > 2}


def remark_problems(remark: str, language: Language, summary: str) -> list[str]:
    """Why ``remark`` may not be shown beside an engine-written ``summary``; empty if it may."""
    problems = []
    if any(ch.isdigit() for ch in remark):
        problems.append("it contains a number (numbers come from the engines only)")
    if _PLACEHOLDER.search(remark):
        problems.append("it contains brackets or prompt words")
    words = _words(remark)
    if len(words) < _MIN_REMARK_WORDS:
        problems.append("it is too short to say anything")
    if detect_language(remark) not in (language, None):
        problems.append(f"it is not in {LANGUAGE_NAMES[language]}")
    sentences = [s for s in _SENTENCE_END.split(remark.strip()) if s]
    if len(sentences) > _MAX_REMARK_SENTENCES:
        problems.append("it is longer than two sentences")
    if len({" ".join(s.casefold().split()) for s in sentences}) < len(sentences):
        problems.append("it repeats itself")
    for said in _SENTENCE_END.split(summary):
        known = _words(said)
        if words and len(words & known) >= _REPEAT_SHARE * len(words):
            problems.append("it repeats the summary")
            break
    return problems
