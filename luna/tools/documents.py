"""``search_documents`` and ``get_tariff``: passages from the knowledge base, with citation ids.

``get_tariff`` restricts retrieval to tariff documents (items labelled ``kind=tariff`` or
``topic=tariff``, else items whose title names a tariff or price sheet) and adds the zone's
stored day-ahead price, since a dynamic tariff is that price plus the sheet's surcharges.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field
from sqlalchemy import cast, or_, select
from sqlalchemy.orm import Session

from luna.retrieval.retriever import RetrievalFilter, Retriever
from luna.store.sql.models import Item, ItemStatus, Label, LabelTarget
from luna.store.sql.series import PriceAgg, Resolution, aggregate_prices, price_resolutions
from luna.tools.context import ToolContext, resolve_meter, visible_meter_ids
from luna.tools.periods import period_range
from luna.tools.results import (
    SourceRef,
    ToolInputError,
    ToolOutput,
    artifact,
    clip,
    data_ref,
    document_refs,
    guarded,
    passages_text,
    validation_message,
)

SEARCH = "search_documents"
TARIFF = "get_tariff"
TARIFF_LABELS = (("kind", "tariff"), ("topic", "tariff"))
TARIFF_TITLE_WORDS = ("%tarif%", "%preisblatt%", "%price sheet%", "%strompreis%")


class SearchArgs(BaseModel):
    """Arguments of ``search_documents``."""

    query: str = Field(min_length=2, max_length=500, description="What to look for, in words")
    top_k: int = Field(default=3, ge=1, le=6, description="How many passages")


class TariffArgs(BaseModel):
    """Arguments of ``get_tariff``."""

    question: str = Field(
        min_length=2, max_length=500, description="The tariff detail asked for, in words"
    )
    meter_id: str | None = Field(
        default=None, max_length=64, description="Meter whose price zone to use; empty: yours"
    )


def _retriever(ctx: ToolContext) -> Retriever:
    if ctx.retriever is not None:
        return ctx.retriever
    if ctx.retriever_factory is not None:
        return ctx.retriever_factory()
    raise ToolInputError("the knowledge base is not available right now")


def search_documents_tool(ctx: ToolContext) -> BaseTool:
    @guarded(SEARCH)
    def run(**kwargs: Any) -> ToolOutput:
        args = SearchArgs.model_validate(kwargs)
        hits = _retriever(ctx).search(args.query, top_k=args.top_k)
        if not hits:
            return "no passages found in the knowledge base for this query.", artifact([])
        refs = document_refs(SEARCH, hits)
        return clip(passages_text(refs)), artifact(refs)

    return StructuredTool.from_function(
        func=run,
        name=SEARCH,
        description=(
            "Search the knowledge base (tariff sheets, device manuals, grid operator rules, "
            "feed-in notes, FAQ) and return the best passages, each with a citation id like "
            "[chunk:12]. Use it for questions about documents, rules, devices or terms."
        ),
        args_schema=SearchArgs,
        response_format="content_and_artifact",
        handle_tool_error=True,
        handle_validation_error=validation_message,
    )


def tariff_item_ids(session: Session) -> list[Any]:
    """Ready items that are tariff documents: by label where labelled, else by title."""
    labelled = select(cast(Label.target_id, Item.id.type)).where(
        Label.target_type == LabelTarget.ITEM,
        or_(*[(Label.name == n) & (Label.value == v) for n, v in TARIFF_LABELS]),
    )
    ready = select(Item.id).where(Item.status == ItemStatus.READY)
    ids = list(session.scalars(ready.where(Item.id.in_(labelled))))
    if not ids:
        ids = list(
            session.scalars(ready.where(or_(*[Item.title.ilike(w) for w in TARIFF_TITLE_WORDS])))
        )
    return ids


def _price_fact(session: Session, ctx: ToolContext, zone: str) -> SourceRef | None:
    """Mean stored day-ahead price of today and tomorrow, where stored."""
    conn = session.connection()
    sources = price_resolutions(conn, zone)
    if not sources:
        return None
    start, _ = period_range("today", ctx.now().astimezone(UTC), ctx.timezone)
    buckets = aggregate_prices(
        conn,
        zone,
        max(sources),
        start,
        start + timedelta(days=2),
        Resolution.DAY,
        PriceAgg.AVG,
        ctx.timezone,
        ctx.timescale,
    )
    if not buckets:
        return None
    zone_info = ZoneInfo(ctx.timezone)
    days = [(f"{b.ts.astimezone(zone_info):%Y-%m-%d}", b.price_eur_mwh) for b in buckets]
    rows: list[dict[str, Any]] = [{"ts": d, "value": round(p, 2)} for d, p in days]
    summary = f"mean day-ahead price {zone} (energy only, net): " + "; ".join(
        f"{d}: {p / 10:.2f} ct/kWh" for d, p in days
    )
    return data_ref(
        TARIFF, f"day-ahead price {zone}", f"market_prices {zone} daily avg", summary, rows
    )


def get_tariff_tool(ctx: ToolContext) -> BaseTool:
    @guarded(TARIFF)
    def run(**kwargs: Any) -> ToolOutput:
        args = TariffArgs.model_validate(kwargs)
        with ctx.sessions() as session:
            if args.meter_id is not None:
                zone = resolve_meter(session, ctx, args.meter_id).zone
            else:
                mine = visible_meter_ids(session, ctx)
                zone = resolve_meter(session, ctx, mine[0]).zone if mine else ctx.price_zone
            items = tariff_item_ids(session)
            price = _price_fact(session, ctx, zone)
        hits = []
        if items:
            hits = _retriever(ctx).search(
                args.question, top_k=3, filters=RetrievalFilter(item_ids=items)
            )
        refs = document_refs(TARIFF, hits)
        sources = [*refs, price] if price is not None else refs
        if not sources:
            return "no tariff documents or prices are stored.", artifact([])
        blocks = [passages_text(refs)] if refs else ["(no tariff document found)"]
        if price is not None:
            blocks.append(f"[{price['ref']}] {price['summary']}")
        return clip("\n\n".join(blocks)), artifact(sources)

    return StructuredTool.from_function(
        func=run,
        name=TARIFF,
        description=(
            "Look up the user's electricity tariff: working price, base price, surcharges, grid "
            "fees and § 14a modules from the tariff sheet, plus today's stored day-ahead price. "
            "Each passage has a citation id."
        ),
        args_schema=TariffArgs,
        response_format="content_and_artifact",
        handle_tool_error=True,
        handle_validation_error=validation_message,
    )
