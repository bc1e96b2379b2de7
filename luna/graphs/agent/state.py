"""State and run-time context of the energy assistant graph."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AnyMessage
from langchain_core.tools import BaseTool
from langgraph.graph.message import add_messages
from sqlalchemy.orm import Session, sessionmaker
from typing_extensions import TypedDict

from luna.config import AnswerCheck, get_settings, site_timezone

Next = Literal["tools", "plan", "compose"]


class AgentState(TypedDict, total=False):
    """One thread's state; the keys after ``messages`` are reset by every new turn."""

    messages: Annotated[list[AnyMessage], add_messages]
    question: str
    standalone_question: str | None  # the question spelled out when it leaned on the thread
    next: Next
    rounds: int  # tool calls issued in this turn
    route_attempts: int  # model routing attempts in this turn (one retry after an error)
    route_error: str | None
    route_method: str | None
    meter_error: str | None  # the question names a meter the user may not read (refused)
    pending: list[dict[str, Any]]  # further rule-routed calls for the next rounds
    prompts: list[str]  # name@version of every prompt used in this turn
    answer: str
    citations: list[dict[str, Any]]
    sources: list[dict[str, Any]]
    tools_used: list[str]
    error: str | None
    degraded: bool


def turn_input(question: str, message: AnyMessage) -> AgentState:
    """The input of a new turn: the user's message and every per-turn key reset."""
    return AgentState(
        messages=[message],
        question=question,
        standalone_question=None,
        next="compose",
        rounds=0,
        route_attempts=0,
        route_error=None,
        route_method=None,
        meter_error=None,
        pending=[],
        prompts=[],
        answer="",
        citations=[],
        sources=[],
        tools_used=[],
        error=None,
        degraded=False,
    )


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AgentContext:
    """What one run needs from the outside world (LangGraph ``context_schema``)."""

    chat_model: BaseChatModel
    tools: Sequence[BaseTool]
    sessions: sessionmaker[Session]
    model_name: str
    timezone: str = field(default_factory=site_timezone)
    max_tool_rounds: int = 2
    route_timeout_s: float | None = None
    answer_timeout_s: float | None = None
    history_turns: int = 2
    # Anything but OFF: a document-only answer whose question names a model or year no passage
    # mentions is refused without the model (the names part of the RAG answerability check).
    answer_check: AnswerCheck = AnswerCheck.OFF
    now: Callable[[], datetime] = field(default=_utc_now)
    # Why the asking user may not read a meter (the tools' wording), or None if they may: a
    # question naming another customer's meter is refused before any routing, also a
    # follow-up the rules would not send to a meter tool ("And what about meter M-002?").
    meter_check: Callable[[str], str | None] | None = None
    # The user's meters, sorted, read only when a follow-up names one by its place ("für den
    # anderen Zähler", "my second meter").
    meters: Callable[[], list[str]] | None = None
    # Public holidays a question names ("am Pfingstmontag") are this country's (ISO code).
    country: str = field(default_factory=lambda: get_settings().site_country)
    run_id: uuid.UUID = field(default_factory=uuid.uuid4)
