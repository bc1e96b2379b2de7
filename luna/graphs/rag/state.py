"""State and run-time context of the RAG graph."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from sqlalchemy.orm import Session, sessionmaker
from typing_extensions import TypedDict

from luna.config import AnswerCheck, site_price_zone, site_timezone
from luna.retrieval.retriever import RetrievalFilter, Retriever


class RagState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    question: str
    standalone_question: str
    sources: list[dict[str, Any]]  # retrieved passages, verbatim (citations quote these)
    screened: list[dict[str, Any]]  # the passages shown, screened but not cut to the question
    context: list[dict[str, Any]]  # the passages as the model sees them (screened, current)
    superseded: list[dict[str, Any]]  # older statements a newer passage contradicts
    facts: list[dict[str, Any]]
    answer: str
    citations: list[dict[str, Any]]
    prompt: str
    refused: bool
    calculated: bool | None  # the answer is a figure computed by code (None: not tried)
    streamed: bool  # the generated answer's tokens went out as they came (not held back)
    answerable: bool  # the answerability check's verdict (True when the check is off)
    unmentioned: list[str]  # what the question names or asks for that no passage states


@dataclass
class RagContext:
    """What one run needs from the outside world (LangGraph ``context_schema``)."""

    retriever: Retriever
    chat_model: BaseChatModel
    sessions: sessionmaker[Session]
    model_name: str
    timezone: str = field(default_factory=site_timezone)
    price_zone: str = field(default_factory=site_price_zone)  # the prices the facts quote
    timescale: bool = False
    user_id: int | None = None
    top_k: int = 4
    # Prompt tokens for all passages together: each keeps its sentences that bear on the
    # question (prefill runs at ~20 tokens/s on two cores; this bounds the first token's wait).
    context_tokens: int = 800
    filters: RetrievalFilter | None = None
    history_turns: int = 3
    # Decide before generating whether the passages answer the question (see AnswerCheck);
    # a "no" refuses without writing an answer.
    answer_check: AnswerCheck = AnswerCheck.OFF
    run_id: uuid.UUID = field(default_factory=uuid.uuid4)
    # Prompt versions pinned for this run (name → version), e.g. an eval of rag_answer@1.0.0;
    # prompts not named here use their active version. Pinning never activates anything.
    prompt_versions: Mapping[str, str] = field(default_factory=dict)
