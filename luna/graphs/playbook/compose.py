"""Words around the engines' numbers: the prompt's blocks, the model call, the template.

The model sees FACTS (every figure, action and assumption, as the playbook will show them) and
the retrieved PASSAGES, and writes a :class:`PlaybookDraft`. With llama.cpp the reply is
constrained to the draft's JSON schema; other chat models are asked for JSON and parsed. When
no draft survives validation, :func:`template_draft` writes the text from the numbers alone.
"""

from __future__ import annotations

import json
import re
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from pydantic import ValidationError

from luna.agents.playbook_schema import Language, PlaybookDraft, PlaybookRequest
from luna.graphs.playbook.figures import number_text
from luna.graphs.playbook.state import Analysis, MeterInfo
from luna.llm.llama_cpp_chat import json_schema_format

LANGUAGE_NAMES = {"en": "English", "de": "German (Deutsch)"}
PASSAGE_CHARS = 360
# Lengths bound in the grammar itself, so a talkative model cannot run out of tokens mid-string
# (an unterminated JSON string was the usual failure without them).
DRAFT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "minLength": 3, "maxLength": 80},
        "summary": {"type": "string", "minLength": 10, "maxLength": 420},
        "risks": {
            "type": "array",
            "items": {"type": "string", "maxLength": 140},
            "maxItems": 2,
        },
    },
    "required": ["title", "summary", "risks"],
}
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")
_CITATION = re.compile(r"\[\d{1,2}\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _signed(value: float, language: Language) -> str:
    return ("+" if value > 0 else "") + number_text(value, 2, language)


def facts_block(request: PlaybookRequest, meter: MeterInfo, analysis: Analysis) -> str:
    """Everything the text may say, with the numbers written as the playbook shows them."""
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


def context_block(sources: list[dict[str, Any]]) -> str:
    if not sources:
        return "(no passages found)"
    blocks = []
    for s in sources:
        where = ", ".join(p for p in (f"p. {s['page']}" if s["page"] else None, s["section"]) if p)
        text = " ".join(str(s["text"]).split())[:PASSAGE_CHARS]
        blocks.append(f"[{s['n']}] {s['title']}{f' ({where})' if where else ''}\n{text}")
    return "\n\n".join(blocks)


def prompt_variables(request: PlaybookRequest, facts: str, context: str) -> dict[str, str]:
    return {
        "language": LANGUAGE_NAMES[request.language],
        "kind": request.kind.value,
        "facts": facts,
        "context": context,
    }


def call_model(model: BaseChatModel, messages: list[BaseMessage], params: dict[str, Any]) -> str:
    """One model call; llama.cpp decodes under the draft's JSON-schema grammar."""
    reply = model.invoke(messages, **params, **json_schema_format(model, DRAFT_SCHEMA))
    content = reply.content
    return content if isinstance(content, str) else json.dumps(content)


def parse_draft(raw: str) -> PlaybookDraft:
    """The draft in a reply; ValueError naming what is wrong with it."""
    text = _FENCE.sub("", raw.strip())
    try:
        return PlaybookDraft.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"the reply is not JSON ({exc.msg}); reply with the JSON object only"
        ) from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ValueError(f"the JSON does not match the schema: {problems}") from exc


def repeated_sentences(text: str) -> list[str]:
    """Sentences ``text`` says more than once (a small model's loop), as first written."""
    first: dict[str, str] = {}
    repeated: list[str] = []
    for sentence in _SENTENCE_END.split(text.strip()):
        key = " ".join(_CITATION.sub(" ", sentence).casefold().split())
        if key in first and first[key] not in repeated:
            repeated.append(first[key])
        first.setdefault(key, sentence)
    return repeated


def draft_text(draft: PlaybookDraft) -> str:
    """The draft's prose with citation markers removed (they are not figures)."""
    return _CITATION.sub(" ", "\n".join([draft.title, draft.summary, *draft.risks]))


def template_draft(analysis: Analysis) -> PlaybookDraft:
    """Text built from the engines' own words and numbers, for when no draft passes."""
    steps = [f"{a.title} {a.window or ''}".strip() + f": {a.detail}" for a in analysis.actions[:3]]
    summary = analysis.headline + "." + (" " + "; ".join(steps) + "." if steps else "")
    return PlaybookDraft(
        title=analysis.headline[:120], summary=summary[:900], risks=analysis.risks[:2]
    )
