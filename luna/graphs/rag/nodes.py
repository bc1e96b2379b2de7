"""The RAG graph's nodes. Each reads the state and the run context and returns an update."""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Sequence, Set
from dataclasses import asdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.constants import TAG_NOSTREAM
from langgraph.graph import END
from langgraph.runtime import Runtime
from sqlalchemy import select
from sqlalchemy.orm import Session

from luna.config import AnswerCheck
from luna.core.language import guess_language
from luna.graphs.rag.answerability import (
    missing_attributes,
    missing_commodities,
    missing_months,
    missing_year_attributes,
    refusal,
    unexplained_specifics,
)
from luna.graphs.rag.attribution import quote, supporting
from luna.graphs.rag.authority import Authority, classify
from luna.graphs.rag.bill_formulas import asks_month_bill
from luna.graphs.rag.calculation import (
    Calculation,
    Figures,
    calculated_by_code,
    wants_calculation,
)
from luna.graphs.rag.calculation import calculate as calculate_figure
from luna.graphs.rag.calculation_cues import ASKS_NET_AND_GROSS, VAT_WORD
from luna.graphs.rag.compliance import Verdict, asks_compliance, compliance_verdict
from luna.graphs.rag.compress import compress, without_repeats
from luna.graphs.rag.denials import Denial, denial
from luna.graphs.rag.facts import FactScope, gather_facts
from luna.graphs.rag.grounding import WITHHELD, ungrounded_figures
from luna.graphs.rag.guard import PINNED, contradicting, has_content, say_most_first
from luna.graphs.rag.guard import screen as screen_passages
from luna.graphs.rag.heat_from_cop import asks_heat_from_cop, heat_from_cop
from luna.graphs.rag.named_peaks import asks_named_peak, with_named_peak
from luna.graphs.rag.register_values import RegisterValue, asks_register_value, register_value
from luna.graphs.rag.state import RagContext, RagState
from luna.graphs.rag.stated_formulas import stated_formulas
from luna.graphs.rag.supersession import Supersession, supersede
from luna.graphs.rag.table_columns import project_columns
from luna.graphs.rag.table_extremes import LimitExcess, asks_limit_excess, limit_excess
from luna.graphs.rag.table_intensity import asks_intensity, period_intensity
from luna.graphs.rag.table_months import MonthsAnswer, asks_months, months_answer
from luna.graphs.rag.table_totals import (
    asks_period_total,
    monthly_tables,
    period_total,
    sum_periods,
    with_period_sums,
)
from luna.graphs.rag.tariff_windows import with_tariff_window
from luna.graphs.rag.window_energy import (
    WindowEnergy,
    asks_window_energy,
    window_energy,
    with_span_hours,
)
from luna.ingest.sentences import split_sentences
from luna.llm.llama_cpp_chat import json_schema_format
from luna.prompts.registry import LoadedPrompt, load_prompt
from luna.retrieval.designations import designations, years
from luna.retrieval.langchain import LunaRetriever, chunks_of
from luna.retrieval.lexicon import contains_term
from luna.retrieval.periods import period_months, question_year, with_relative_years
from luna.retrieval.queries import (
    asked_attributes,
    asked_parts,
    attribute_queries,
    attribute_query,
    bridges,
    question_parts,
)
from luna.retrieval.retriever import RetrievalFilter, RetrievedChunk
from luna.retrieval.versions import current_versions
from luna.store.sql.chunks import chunk_texts, section_texts
from luna.store.sql.models import Item, ItemStatus

log = logging.getLogger(__name__)

REFUSALS = ("i don't know", "i do not know", "das weiß ich", "weiß ich nicht", "weiss ich nicht")
CHECK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"answerable": {"type": "boolean"}},
    "required": ["answerable"],
}
# Candidates retrieved beyond top_k, for the places of passages that screening empties.
SPARE_PASSAGES = 2
_CITATION = re.compile(r"\[(\d{1,2})\]")
_VERDICT = re.compile(r'"?answerable"?\s*:\s*(true|false)|\b(yes|no|ja|nein)\b', re.IGNORECASE)


# An answer that only says the documents do not give what was asked ("The warranty is not part
# of this datasheet", "Eine Garantiezeit ist nicht angegeben") refuses in its own words.
_NOT_GIVEN = re.compile(
    r"\bnot\s+(part\s+of|stated|specified|mentioned|provided|given|listed|included|available)\b|"
    r"\b(does|do|did)\s+not\s+(state|specify|mention|provide|give|list|include|contain)\b|"
    r"\bno\s+information\b|"
    r"\bnicht\s+(angegeben|enthalten|genannt|erwähnt|aufgeführt|bestandteil|hervor)\b|"
    r"\bkeine\s+(angaben?|informationen)\b",
    re.IGNORECASE,
)
# A figure with its unit: an answer that gives one answers (at least part of) the question.
_FIGURE = re.compile(
    r"\d\s*(%|€|eur\b|euro|ct\b|cent|k?wh?\b|kw\b|kg\b|mm\b|cm\b|°c|jahre?\b|years?\b|"
    r"monate?n?\b|months?\b|wochen\b|weeks?\b|tage?n?\b|days?\b|stunden\b|hours?\b|h\b|uhr\b)",
    re.IGNORECASE,
)


def is_refusal(answer: str) -> bool:
    """Whether the answer refuses: the refusal sentence, or only saying that the documents do
    not give what was asked, with no figure of its own."""
    text = answer.lower().replace("’", "'")
    if any(r in text for r in REFUSALS):
        return True
    return bool(_NOT_GIVEN.search(text)) and _FIGURE.search(text) is None


def _history(state: RagState, turns: int) -> list[BaseMessage]:
    """Earlier turns of the thread (the current question is the last message)."""
    messages: Sequence[BaseMessage] = state.get("messages") or []
    previous = list(messages[:-1])
    return previous[-2 * turns :] if turns else []


def condense(state: RagState, runtime: Runtime[RagContext]) -> dict[str, Any]:
    """Rewrite a follow-up into a standalone question; first turns skip the model call."""
    question = state["question"]
    history = _history(state, runtime.context.history_turns)
    if not history:
        return {"standalone_question": question, "calculated": None}
    with runtime.context.sessions() as session:
        prompt = load_prompt(session, "rag_condense", runtime.context.prompt_versions)
    history_text = "\n".join(
        f"{'User' if isinstance(m, HumanMessage) else 'Luna'}: {m.content}" for m in history
    )
    reply = runtime.context.chat_model.invoke(
        prompt.render(history_text=history_text, question=question),
        **prompt.spec.params,
    )
    rewritten = str(reply.content).strip().strip('"').splitlines()[0] if reply.content else ""
    # ``calculated`` is per turn: the state is checkpointed per thread.
    return {"standalone_question": rewritten or question, "calculated": None}


def retrieve(state: RagState, runtime: Runtime[RagContext]) -> dict[str, Any]:
    """The passages, through the LangChain retriever any chain can use (one path)."""
    ctx = runtime.context
    question = state.get("standalone_question") or state["question"]
    search = LunaRetriever(
        retriever=ctx.retriever, k=ctx.top_k, filters=ctx.filters, spare=SPARE_PASSAGES
    )
    hits = chunks_of(search.invoke(question))
    completions = _authoritative_completions(question, hits, ctx)
    pinned = {c.chunk_id for c, attribute in completions if attribute}
    ranked = {h.chunk_id for h in hits}
    added = [c for c, _ in completions if c.chunk_id not in ranked]
    sources = [
        {
            "n": i,
            "item_id": str(h.item_id),
            "chunk_id": h.chunk_id,
            "title": h.title,
            "page": h.page,
            "section": h.section,
            "score": round(h.score, 4),
            "valid_from": h.valid_from.isoformat() if h.valid_from else None,
            "version": h.version,
            "superseded_by": str(h.superseded_by) if h.superseded_by else None,
            "text": h.text,
        }
        | ({PINNED: True} if h.chunk_id in pinned else {})
        for i, h in enumerate([*hits, *added], start=1)
    ]
    return {"sources": sources}


def _authoritative_completions(
    question: str, hits: Sequence[RetrievedChunk], ctx: RagContext
) -> list[tuple[RetrievedChunk, bool]]:
    """For a question that asks several things ("the base price and the markup"), each
    thing's best passage in the authoritative documents already found (a price sheet), where
    retrieval brought it from an informal one only (an old FAQ, an installer's remark): the
    informal claim is then checked against it, and the answer reads it. Where no price sheet
    was found and the question asks a tariff's price ("the net HT price", "the base price"),
    or asks any price and no authoritative document was found, the best passage of the
    knowledge base's current price sheets is added (:func:`_price_sheet_passage`). Each comes
    with whether it is pinned (shown whatever else ranks above it): found for an attribute
    the question asks, or the price sheet's passage, rather than for a part of the
    question."""
    authoritative = list(
        dict.fromkeys(
            h.item_id
            for h in hits
            if classify(h.title, h.text, h.section).authority is Authority.AUTHORITATIVE
        )
    )
    present = {h.chunk_id for h in hits}
    found: list[tuple[RetrievedChunk, bool]] = []
    sheets = _missing_price_sheets(question, hits, bool(authoritative), ctx)
    # "from 2025 to 2026": the 2025 sheet's passage too; a year named alone is the period
    # asked about ("Verbrauch aus der Notiz 2025"), whose price the current sheet states
    named = set(years(question))
    named = named if len(named) > 1 else set()
    for best in _best_passage(question, sheets, ctx, named):  # pinned, though ranked low
        present.add(best.chunk_id)
        found.append((best, True))
    authoritative = authoritative or sheets
    if not authoritative:
        return found
    attributes = attribute_queries(question) or [
        a for a in [attribute_query(question)] if a is not None
    ]
    parts = [] if attribute_queries(question) else question_parts(question)
    for asked, pinned in [*((a, True) for a in attributes), *((p, False) for p in parts)]:
        for best in _best_passage(asked, authoritative, ctx):
            if best.chunk_id not in present:
                present.add(best.chunk_id)
                found.append((best, pinned))
    return found


def _best_passage(
    query: str, item_ids: Sequence[uuid.UUID], ctx: RagContext, years_named: Set[str] = frozenset()
) -> list[RetrievedChunk]:
    """The best passage for ``query`` in the documents ``item_ids`` (none for none), and the
    counterpart search appends from an older version of its document where that version's
    year is among ``years_named``."""
    if not item_ids:
        return []
    scope = RetrievalFilter(item_ids=list(item_ids))
    search = LunaRetriever(retriever=ctx.retriever, k=1, filters=scope, multi_hop=False)
    found = chunks_of(search.invoke(query))
    if not found:
        return []
    best, *after = found
    older = [
        c
        for c in after
        if c.superseded_by and c.valid_from and str(c.valid_from.year) in years_named
    ]
    return [best, *older]


def _missing_price_sheets(
    question: str, hits: Sequence[RetrievedChunk], authoritative_found: bool, ctx: RagContext
) -> list[uuid.UUID]:
    """The current price sheets to search where retrieval ranked none among the passages
    shown but the question asks what one states: a tariff's price ("the net HT price": a
    heat pump datasheet's "HT series" ranked above the sheet) that no authoritative shown
    passage names (a grid operator's letter states its own fees), or any price where
    nothing authoritative was found (minutes and a note, "at 2026 prices")."""
    if ctx.filters is not None:
        return []
    shown = hits[: ctx.top_k]  # a sheet ranked below them would not be read
    kinds = [classify(h.title, h.text, h.section) for h in shown]
    if any(kind.kind == "price sheet" for kind in kinds):
        return []
    tariff = [group for group in _asked_groups(question) if group & _TARIFF_TERMS]
    stated = [
        h
        for h, kind in zip(shown, kinds, strict=True)
        if kind.authority is Authority.AUTHORITATIVE
        and any(contains_term(h.text.casefold(), t) for group in tariff for t in group)
    ]
    if stated:
        return []  # an authoritative passage states it (the grid operator's fee table)
    if tariff or (not authoritative_found and _asks_a_price(question)):
        return _price_sheets(ctx)
    return []


# Attributes a price sheet states: a question asking one of them from notes and minutes alone
# ("how much demand charge do we save … at 2026 prices?") gets the price sheet's passage too.
_PRICE_TERMS = frozenset({"preis", "grundpreis", "arbeitspreis", "leistungspreis", "netzentgelt"})
# The prices only a tariff states (not "the price" of an offer or a retrofit).
_TARIFF_TERMS = frozenset(
    {"grundpreis", "arbeitspreis", "leistungspreis", "netzentgelt", "hochtarif", "niedertarif"}
)


def _asked_groups(question: str) -> list[frozenset[str]]:
    return [frozenset(group) for _, _, group in asked_attributes(question.casefold())]


def _asks_a_price(question: str) -> bool:
    return any(group & _PRICE_TERMS for group in _asked_groups(question))


def _price_sheets(ctx: RagContext) -> list[uuid.UUID]:
    """The current versions of the price sheets in the knowledge base (by their titles)."""
    with ctx.sessions() as session:
        rows = session.execute(
            select(Item.id, Item.title).where(Item.status == ItemStatus.READY)
        ).all()
        older = current_versions(session)
    return [
        item_id
        for item_id, title in rows
        if item_id not in older and classify(title).kind == "price sheet"
    ]


def facts(state: RagState, runtime: Runtime[RagContext]) -> dict[str, Any]:
    ctx = runtime.context
    scope = FactScope(
        user_id=ctx.user_id, tz=ctx.timezone, timescale=ctx.timescale, zone=ctx.price_zone
    )
    with ctx.sessions() as session:
        found = gather_facts(session, state.get("standalone_question") or state["question"], scope)
    return {"facts": found}


def screen(state: RagState, runtime: Runtime[RagContext]) -> dict[str, Any]:
    """Passages as the model may see them: older versions and statements a newer source
    contradicts taken out (and recorded for the answer), then untrusted text neutralised
    (instructions to the assistant removed, informal claims about prices, tariffs and duties
    marked unverified or, where an authoritative passage disagrees, removed), then cut to the
    sentences that bear on the question within the context token budget. Tables keep only
    the columns of the designations the question names or describes (``table_columns``).
    Retrieval brings :data:`SPARE_PASSAGES` more than ``top_k``: the first ``top_k`` that
    still say something after screening and without the lines an earlier one shows are
    shown (an old version, an outdated FAQ whose figures all gave way or a table row already
    shown takes no place)."""
    question = state.get("standalone_question") or state["question"]
    current, superseded = supersede(state.get("sources", []), question)
    # An older version the question names ("from version 1.0 to 2.0") was appended after
    # the others; it must be read all the same.
    current = [
        s | {PINNED: True} if s.get("asked") and s.get("superseded_by") else s for s in current
    ]
    current = with_month_rows_pinned(current, question)
    focus = designations(question) + list(bridges(question, [(s["text"], s["n"]) for s in current]))
    current = [s | {"text": project_columns(s["text"], focus)} for s in current]
    screened = without_repeats(screen_passages(current))
    shown = say_most_first(screened, runtime.context.top_k)
    shown = with_corrections(shown, screened, superseded)
    return {
        "screened": shown,
        "context": compress(shown, question, runtime.context.context_tokens),
        "superseded": [asdict(s) for s in superseded],
    }


def with_month_rows_pinned(passages: list[dict[str, Any]], question: str) -> list[dict[str, Any]]:
    """``passages`` with the best-ranked one whose monthly table has rows for the months the
    question names ("Januar bis März 2025", "the second half of 2025") pinned: the rows are
    the question's operands, yet an FAQ that shares the words "2025" and "Strom" can outrank
    them, and a table that is not shown cannot be summed or compared by code."""
    months = set(period_months(question))
    if not months:
        return passages
    year = question_year(question)
    for i, passage in enumerate(passages):
        tables = monthly_tables(str(passage["text"]), year=year)
        if any(months & set(rows) for _, rows in tables):
            return [*passages[:i], passage | {PINNED: True}, *passages[i + 1 :]]
    return passages


def with_corrections(
    shown: list[dict[str, Any]],
    screened: Sequence[dict[str, Any]],
    superseded: Sequence[Supersession],
) -> list[dict[str, Any]]:
    """``shown`` and, in source order, every passage that a shown passage's statement gave
    way to (a newer price sheet for an old FAQ's figure, an authoritative passage for an
    informal claim): the context says "[superseded by a newer source]", so the newer value
    must be in it too, or the model has nothing to answer with."""
    numbers = {p["n"] for p in shown}
    wanted = {s.new_n for s in superseded if s.old_n in numbers}
    wanted |= {n for p in shown for n in contradicting(p)}
    return [p for p in screened if p["n"] in numbers or (p["n"] in wanted and has_content(p))]


def _context_block(sources: list[dict[str, Any]]) -> str:
    if not sources:
        return "(no passages found)"
    blocks = []
    for s in sources:
        where = ", ".join(p for p in (f"p. {s['page']}" if s["page"] else None, s["section"]) if p)
        dated = f"valid from {s['valid_from']}" if s.get("valid_from") else None
        about = ", ".join(p for p in (where, dated) if p)
        blocks.append(f"[{s['n']}] {s['title']}{f' ({about})' if about else ''}\n{s['text']}")
    return "\n\n".join(blocks)


def _facts_block(found: list[dict[str, Any]]) -> str:
    return "\n".join(f"- {f['label']}: {f['value']}" for f in found) or "(none)"


# What rag_answer 1.3.0's {parts} starts with: the instruction stands only where parts do, so a
# question that asks one thing gets the messages of 1.2.0.
_PARTS_HEADER = (
    "PARTS (answer each in its own sentence, in this order, with the name, date or figure it "
    "asks for):"
)


def _parts_block(question: str) -> str:
    """The parts of a question that asks several things, numbered under it (the answer gives
    each its own sentence); empty for a question that asks one."""
    parts = asked_parts(question)
    if not parts:
        return ""
    listed = "".join(f"\n{i}. {part}?" for i, part in enumerate(parts, 1))
    return f"\n{_PARTS_HEADER}{listed}"


def _answer_messages(state: RagState, ctx: RagContext, prompt: LoadedPrompt) -> list[BaseMessage]:
    return prompt.render(
        history=_history(state, ctx.history_turns),
        context=_context_block(state.get("context", state.get("sources", []))),
        facts=_facts_block(state.get("facts", [])),
        question=state["question"],
        parts=_parts_block(state["question"]),
    )


def parse_verdict(reply: str) -> bool | None:
    """The check's verdict in a reply (JSON, or a plain yes/no); None if it gives none."""
    try:
        value = json.loads(reply).get("answerable")
        if isinstance(value, bool):
            return value
    except (ValueError, AttributeError):
        pass
    match = _VERDICT.search(reply)
    if match is None:
        return None
    word = (match.group(1) or match.group(2)).lower()
    return word in ("true", "yes", "ja")


def check(state: RagState, runtime: Runtime[RagContext]) -> dict[str, Any]:
    """Decide whether the passages and facts answer this very question, before generating.

    First without the model: a designation or year the question names ("Luna Store 15",
    "2021") that no passage or fact mentions means no; a figure code reads from a table or
    computes from a stated formula or rate means yes (:func:`_by_code`). Otherwise the model
    is asked; its message follows the exact ``rag_answer`` messages, so llama.cpp keeps the
    shared prefix for the answer and the check costs only its own few tokens. Without a
    verdict in the reply the answer goes ahead (the answer prompt can still refuse). Every
    return sets both keys: the state is checkpointed per thread, and an earlier turn's values
    must not leak into this one."""
    ctx = runtime.context
    if ctx.answer_check is AnswerCheck.OFF:
        return {"answerable": True, "unmentioned": []}
    sources, found = state.get("context", state.get("sources", [])), state.get("facts", [])
    if not sources and not found:
        return {"answerable": False, "unmentioned": []}
    texts = [f"{s['title']} {s['text']}" for s in sources]
    texts += [f"{f['label']} {f['value']}" for f in found]
    # Names and years count where the shown passages state them, also in a line that cutting
    # the passage to the question left out (a heading, a table's caption); names and years
    # also in the date and version a document is known by ("the 2025 FAQ").
    whole = [f"{s['title']} {s['text']}" for s in state.get("screened", [])] + texts
    known_by = [_known_by(s) for s in sources]
    question = state.get("standalone_question") or state["question"]
    missing = (
        unexplained_specifics(question, whole + known_by)
        or missing_months(question, whole)
        or missing_commodities(question, whole)
        or missing_attributes(question, texts)
        or missing_year_attributes(question, texts)
    )
    if missing:
        return {"answerable": False, "unmentioned": missing}
    if ctx.answer_check is AnswerCheck.NAMES or _by_code(state, ctx):
        return {"answerable": True, "unmentioned": []}  # code computes what the passages imply
    with ctx.sessions() as session:
        answer_prompt = load_prompt(session, "rag_answer", ctx.prompt_versions)
        check_prompt = load_prompt(session, "rag_check", ctx.prompt_versions)
    messages = _answer_messages(state, ctx, answer_prompt) + check_prompt.render()
    params = check_prompt.spec.params | json_schema_format(ctx.chat_model, CHECK_SCHEMA)
    reply = str(ctx.chat_model.invoke(messages, **params).content)
    verdict = parse_verdict(reply)
    if verdict is None:
        log.warning("answerability check gave no verdict: %r", reply[:200])
    return {"answerable": verdict is not False, "unmentioned": []}


def _known_by(source: dict[str, Any]) -> str:
    """The date and version a source's document is known by, as a question names them ("the
    2025 FAQ", "Version 2.0 der Richtlinie")."""
    version = source.get("version")
    return f"{source.get('valid_from') or ''} {f'Version {version}' if version else ''}"


def _by_code(state: RagState, ctx: RagContext) -> bool:
    """Whether code answers from the passages without the model: a table's period total,
    months or distance to a limit, a power over its window, a stated formula or a stated
    rate times the question's quantity. The figure is
    not written in any passage, so the model's check would call it unanswerable."""
    question = _dated_question(state, ctx)
    if _read_by_code(question, state, ctx) is not None:
        return True
    passages = state.get("screened") or state.get("context", state.get("sources", []))
    if not (
        wants_calculation(question, [p["text"] for p in passages]) or asks_named_peak(question)
    ):
        return False
    question, extended = _calculation_inputs(question, passages, state, ctx)
    return calculated_by_code(question, extended, guess_language(state["question"])) is not None


def _dated_question(state: RagState, ctx: RagContext) -> str:
    """The standalone question with the years its relative ones mean ("last year's (2025)
    peak"): code reads years."""
    today = datetime.now(ZoneInfo(ctx.timezone)).date()
    return with_relative_years(state.get("standalone_question") or state["question"], today)


def _calculation_inputs(
    question: str, passages: Sequence[dict[str, Any]], state: RagState, ctx: RagContext
) -> tuple[str, list[dict[str, Any]]]:
    """The question and passages a calculation reads: the passages with the formula sections
    and VAT rate of their documents and the sums of their monthly tables over the question's
    period; the question with what code reads for it (a year's peak from a table, a clock
    time's tariff window, the hours of a time span)."""
    extended = with_vat_rate(question, with_formula_sections(passages, ctx), ctx)
    if sum_periods(question) or asks_named_peak(question):  # tables are read whole
        documents = _current_documents(state, ctx)[1]
        dictionary = ctx.retriever.dictionary
        extended = with_period_sums(question, extended, documents, dictionary)
        question = with_named_peak(question, extended, documents, dictionary)
    question = with_tariff_window(question, extended)  # "um 17:30" → its window's rate
    return with_span_hours(question), extended  # "14 kW von 17 bis 20 Uhr" → "(3 h)"


def _citation(source: dict[str, Any], answer: str) -> dict[str, Any]:
    """A passage as a citation of ``answer``: its locators and the span the answer rests on."""
    keys = ("n", "item_id", "chunk_id", "title", "page", "section")
    return {k: source[k] for k in keys} | {"quote": quote(answer, source["text"])}


def route_after_check(state: RagState) -> str:
    if not state.get("answerable", True):
        return "refuse"
    question = state.get("standalone_question") or state["question"]
    shown = state.get("screened") or state.get("context", state.get("sources", []))
    passages = [s["text"] for s in state.get("context", state.get("sources", []))]
    by_code = (
        wants_calculation(question, passages)
        or asks_months(question)
        or asks_period_total(question)
        or asks_intensity(question)
        or asks_heat_from_cop(question)
        or asks_limit_excess(question)
        or asks_named_peak(question)
        or asks_window_energy(question)
        or asks_register_value(question)
        or asks_compliance(question)
        or denial(question, shown) is not None
    )
    return "calculate" if by_code else "generate"


# Answers code reads from the passages, with no plan to check.
CodedAnswer = Figures | MonthsAnswer | LimitExcess | WindowEnergy | RegisterValue | Verdict | Denial


def _current_documents(
    state: RagState, ctx: RagContext
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """The sources of current documents, screened like the shown passages (code must not
    read a planted price either), and those documents' chunk texts by item id (a monthly
    table is read whole from them, not only the rows retrieval picked)."""
    current = screen_passages([s for s in state.get("sources", []) if not s.get("superseded_by")])
    with ctx.sessions() as session:
        texts = chunk_texts(session, {uuid.UUID(s["item_id"]) for s in current})
    return current, {str(item_id): list(chunks) for item_id, chunks in texts.items()}


def _read_by_code(question: str, state: RagState, ctx: RagContext) -> CodedAnswer | None:
    """The answer code reads from the passages: a power over the time window a line states,
    a register's value through its scale factor, a value checked against a requirement
    another document states, the "no" a source states to a yes/no question, or from a monthly
    table of the current sources' documents a period's specific consumption (energy per
    output), a heat pump's heat at its model's COP, total or mean, the months past a
    threshold or at an extreme, or how far the extreme lies from a limit another passage
    states."""
    shown = state.get("screened") or state.get("context", state.get("sources", []))
    passage_answer = (
        window_energy(question, shown)
        or register_value(question, shown)
        or compliance_verdict(question, shown, ctx.retriever.dictionary)
        or denial(question, shown)
    )
    if passage_answer is not None:
        return passage_answer
    if not (
        asks_intensity(question)
        or asks_heat_from_cop(question)
        or asks_period_total(question)
        or asks_months(question)
        or asks_limit_excess(question)
    ):
        return None
    current, documents = _current_documents(state, ctx)
    language = guess_language(state["question"])
    dictionary = ctx.retriever.dictionary
    return (
        period_intensity(question, current, documents, dictionary)
        or heat_from_cop(question, current, documents, dictionary)
        or period_total(question, current, language, documents, dictionary)
        or limit_excess(question, current, documents, dictionary)
        or months_answer(question, current, documents, dictionary)
    )


def calculate(state: RagState, runtime: Runtime[RagContext]) -> dict[str, Any]:
    """A figure that needs arithmetic, computed by code: a period's total or mean, or the
    months past a threshold or at an extreme, from a table by code alone; otherwise the
    model only extracts the operands (each checked against the passage it cites) and writes
    the expression; a safe evaluator computes it and the answer shows the calculation.
    Without a verified plan the question goes on to ``generate``."""
    ctx = runtime.context
    with ctx.sessions() as session:
        prompt = load_prompt(session, "rag_calculate", ctx.prompt_versions)
    question = _dated_question(state, ctx)
    language = guess_language(state["question"])
    # Numbers are listed from the shown passages uncut: the list ranks them by the question.
    passages = state.get("screened") or state.get("context", state.get("sources", []))
    result: Calculation | CodedAnswer | None = _read_by_code(question, state, ctx)
    texts = [p["text"] for p in passages]
    if result is None and (
        wants_calculation(question, texts)
        or asks_month_bill(question, passages)
        or asks_named_peak(question)
    ):
        question, passages = _calculation_inputs(question, passages, state, ctx)
        result = calculate_figure(ctx.chat_model, prompt, question, passages, language)
    if result is None:
        return {"calculated": False}
    answer = result.render(language)
    cited = set(result.sources)
    citations = [_citation(s, answer) for s in state.get("sources", []) if s["n"] in cited]
    message = AIMessage(
        content=answer,
        response_metadata={"prompt": prompt.ref, "model": ctx.model_name, "citations": citations},
    )
    return {
        "messages": [message],
        "answer": answer,
        "citations": citations,
        "prompt": prompt.ref,
        "refused": False,
        "calculated": True,
    }


def _with_document_formula(
    passages: Sequence[dict[str, Any]],
    keys: set[tuple[uuid.UUID, str | None]],
    session: Session,
) -> list[dict[str, Any]]:
    """Passages where none states a formula, the first passage of the one document read on
    that states one elsewhere ("3.1 Arbeitspreis" beside the shown "3.2 Grundpreis") carrying
    that formula's chunk; as they were where no document or several do."""
    items = list(dict.fromkeys(item_id for item_id, _ in keys))
    found = {
        item_id: formula_chunks
        for item_id, texts in chunk_texts(session, items).items()
        if (formula_chunks := [t for t in texts if stated_formulas([{"n": 0, "text": t}])])
    }
    if len(found) != 1:
        return list(passages)
    item_id, texts = next(iter(found.items()))
    extended, added = [], False
    for passage in passages:
        if not added and passage.get("item_id") == str(item_id):
            passage = passage | {"text": "\n".join([passage["text"], texts[0]])}
            added = True
        extended.append(passage)
    return extended


def _may_read_on(passage: dict[str, Any]) -> bool:
    kind = classify(passage.get("title"), str(passage["text"]), passage.get("section"))
    return kind.authority is not Authority.INFORMAL


def with_formula_sections(
    passages: Sequence[dict[str, Any]], ctx: RagContext
) -> list[dict[str, Any]]:
    """Passages whose section states a formula read on with the rest of that section from
    SQL: retrieval may hand over the section's worked example or one row of its table
    without the formula line ("Arbeitspreis brutto = (Börsenpreis + 14,38 ct/kWh) × 1,19"),
    or the formula without the table that holds its second variable ("… + Netzentgelt des
    Zeitfensters"). The first passage of such a section carries the rest and is cited for
    it; the section's other passages stay as they are, and so do older versions' passages and
    those of informal documents (the section from SQL has not been screened: an FAQ's
    formula would compete with the price sheet's as if it were a fact)."""
    keys = {
        (uuid.UUID(p["item_id"]), p.get("section"))
        for p in passages
        if p.get("item_id") and not p.get("superseded_by") and _may_read_on(p)
    }
    if not keys:
        return list(passages)
    with ctx.sessions() as session:
        sections = section_texts(session, keys)
        with_formula = {
            key
            for key, texts in sections.items()
            if stated_formulas([{"n": 0, "text": "\n".join(texts)}])
        }
        if not with_formula:  # the formula stands in another section of the same document
            return _with_document_formula(passages, keys, session)
    extended = []
    for passage in passages:
        key = (
            (uuid.UUID(passage["item_id"]), passage.get("section"))
            if passage.get("item_id")
            else None
        )
        if key not in with_formula:
            extended.append(passage)
            continue
        with_formula.discard(key)
        rest = [t for t in sections[key] if t != passage["text"]]
        extended.append(passage | {"text": "\n".join([passage["text"], *rest])})
    return extended


_PERCENT = re.compile(r"\d+(?:[.,]\d+)?\s?%")  # a rate, "19 %"


def _vat_sentences(text: str) -> list[str]:
    """The sentences of ``text`` that state a VAT rate ("Zuzüglich 19 % Umsatzsteuer")."""
    sentences = (s for line in text.split("\n") for s in split_sentences(line))
    return [s for s in sentences if VAT_WORD.search(s) and _PERCENT.search(s)]


def with_vat_rate(
    question: str, passages: Sequence[dict[str, Any]], ctx: RagContext
) -> list[dict[str, Any]]:
    """Passages with their document's VAT rate, for a question that asks with or without
    VAT (or both net and gross) where no passage states the rate: a tariff sheet states it
    once ("Zuzüglich 19 % Umsatzsteuer"), often in a section retrieval did not pick. The first
    document of the passages that states one rate lends its sentence to its first passage,
    which is cited for it; informal and older documents lend nothing (see
    :func:`with_formula_sections`)."""
    asks_vat = VAT_WORD.search(question) or ASKS_NET_AND_GROSS.search(question)
    if not asks_vat or any(_vat_sentences(p["text"]) for p in passages):
        return list(passages)
    items = [
        uuid.UUID(p["item_id"])
        for p in passages
        if p.get("item_id") and not p.get("superseded_by") and _may_read_on(p)
    ]
    with ctx.sessions() as session:
        texts = chunk_texts(session, items)
    for item_id in dict.fromkeys(items):
        sentences = list(
            dict.fromkeys(s for t in texts.get(item_id, []) for s in _vat_sentences(t))
        )
        rates = {m.group() for s in sentences for m in _PERCENT.finditer(s)}
        if len(rates) != 1:
            continue
        at = next(i for i, p in enumerate(passages) if p.get("item_id") == str(item_id))
        lent = passages[at] | {"text": "\n".join([passages[at]["text"], sentences[0]])}
        return [*passages[:at], lent, *passages[at + 1 :]]
    return list(passages)


def route_after_calculate(state: RagState) -> str:
    return END if state.get("calculated") else "generate"


def refuse(state: RagState, runtime: Runtime[RagContext]) -> dict[str, Any]:
    """The refusal sentence in the question's language, without a model call."""
    ctx = runtime.context
    with ctx.sessions() as session:
        check_prompt = load_prompt(session, "rag_check", ctx.prompt_versions)
    answer = refusal(guess_language(state["question"]), state.get("unmentioned", []))
    message = AIMessage(
        content=answer,
        response_metadata={"prompt": check_prompt.ref, "model": ctx.model_name, "citations": []},
    )
    return {
        "messages": [message],
        "answer": answer,
        "citations": [],
        "prompt": check_prompt.ref,
        "refused": True,
    }


def _with_supersession_notes(answer: str, state: RagState) -> str:
    """``answer`` plus a note naming each older statement that the current figure it gives
    supersedes (only for figures the answer actually states)."""
    language = guess_language(state["question"])
    notes = []
    for item in state.get("superseded", []):
        superseded = Supersession(**item)
        if superseded.new_value in answer or superseded.new_value.replace(",", ".") in answer:
            notes.append(superseded.note(language))
    return " ".join([answer, *dict.fromkeys(notes)])


def generate(state: RagState, runtime: Runtime[RagContext]) -> dict[str, Any]:
    """Answer with the active (or pinned) ``rag_answer`` prompt; tokens stream through
    LangGraph."""
    ctx = runtime.context
    with ctx.sessions() as session:
        prompt = load_prompt(session, "rag_answer", ctx.prompt_versions)
    language = guess_language(state["question"])
    sources = state.get("sources", [])
    found = state.get("facts", [])
    messages = _answer_messages(state, ctx, prompt)
    # After code could not compute the figure asked for, the model's draft is held back until
    # its figures are checked: it is where an invented figure comes from.
    held = state.get("calculated") is False
    config: RunnableConfig = {"tags": [TAG_NOSTREAM]} if held else {}
    reply = ctx.chat_model.invoke(messages, config, **prompt.spec.params)
    answer = str(reply.content).strip()
    refused = is_refusal(answer)
    unstated = [] if refused else ungrounded_figures(answer, _stated_texts(state), language)
    if unstated:
        log.info("answer withheld: figures no source states %s; draft %r", unstated, answer)
        answer, refused = WITHHELD[language], True
    if not refused:
        answer = _with_supersession_notes(answer, state)
    cited = {int(n) for n in _CITATION.findall(answer)}
    used = [s for s in sources if s["n"] in cited]
    if not used and not refused:
        # The model used the context without bracketed numbers: cite by evidence in the text.
        used = supporting(answer, sources)
    citations = [_citation(s, answer) for s in used]
    message = AIMessage(
        content=answer,
        response_metadata={
            "prompt": prompt.ref,
            "model": ctx.model_name,
            "citations": citations,
            "facts": found,
        },
    )
    return {
        "messages": [message],
        "answer": answer,
        "citations": citations if not refused else [],
        "prompt": prompt.ref,
        "refused": refused,
        "streamed": not held,
    }


def _stated_texts(state: RagState) -> list[str]:
    """What a figure in the answer may come from: the question, the passages and facts."""
    shown = state.get("screened") or state.get("context", state.get("sources", []))
    return [
        state["question"],
        state.get("standalone_question") or "",
        *(f"{s.get('title', '')} {s['text']}" for s in [*shown, *state.get("sources", [])]),
        *(f"{f['label']} {f['value']}" for f in state.get("facts", [])),
    ]
