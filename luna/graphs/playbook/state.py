"""State and run-time context of the playbook graph."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from langchain_core.language_models import BaseChatModel
from sqlalchemy.orm import Session, sessionmaker
from typing_extensions import TypedDict

from luna.config import Settings
from luna.graphs.playbook.schema import (
    PlaybookAction,
    PlaybookEvidence,
    PlaybookFigure,
    PlaybookRequest,
    PlaybookText,
)
from luna.retrieval.retriever import Retriever


@dataclass(frozen=True)
class MeterInfo:
    meter_id: str
    owner_id: int | None
    zone: str
    pv_kwp: float
    attributes: dict[str, Any]


@dataclass
class Analysis:
    """An engine's answer for one playbook kind: the numbers, in actions and figures.

    ``inputs`` holds the data and engine results as JSON, so the playbook can be reproduced;
    ``queries`` are what to look up in the knowledge base for this recommendation.
    """

    headline: str
    actions: list[PlaybookAction]
    figures: list[PlaybookFigure]
    assumptions: list[str]
    risks: list[str]
    evidence: PlaybookEvidence
    queries: list[str]
    inputs: dict[str, Any]


class PlaybookState(TypedDict, total=False):
    request: PlaybookRequest
    meter: MeterInfo
    data: dict[str, Any]  # kind-specific gathered data (series, forecasts, prices)
    analysis: Analysis
    sources: list[dict[str, Any]]
    facts: str
    written: PlaybookText  # title, summary and risks from the engine templates
    remark: str | None  # the model's checked remark, or None
    remark_dropped: str | None  # why the model's remark was not kept
    prompt: str
    path: list[str]


@dataclass
class PlaybookContext:
    """What one run needs from the outside world (LangGraph ``context_schema``)."""

    def search_retriever(self) -> Retriever | None:
        """The retriever, built on first use when the context has a factory for it."""
        if self.retriever is None and self.retriever_factory is not None:
            self.retriever = self.retriever_factory()
        return self.retriever

    sessions: sessionmaker[Session]
    retriever: Retriever | None
    chat_model: BaseChatModel | None  # None: no remark, the local model is not loaded
    model_name: str
    settings: Settings
    timescale: bool = False
    # Builds the retriever when the retrieve stage needs it (it loads the embedding model and
    # opens the vector store, about a second the first time), not before the first stage.
    retriever_factory: Callable[[], Retriever] | None = None
    history_days: int = 21
    selection_days: int = 3
    forecast_model: str | None = None  # None: the backtest picks; tests force a fast one
    tariff_days: int = 365
    top_k: int = 2
    max_citations: int = 4
    remark_tokens: int = 0  # the model's remark: at most this many tokens; 0 = no remark
    now: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)
