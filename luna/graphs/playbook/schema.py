"""What a playbook is: a sourced recommendation whose numbers all come from the engines.

``PlaybookRequest`` is what a user (API, CLI, eval runner) asks for; ``Playbook`` is the answer.
Every figure in a playbook (kWh, EUR, time windows) is computed by the forecasting engine, the
optimiser or the tariff arithmetic; the language model only writes the title, the summary and
the risks around them (``PlaybookDraft``), and the validator rejects a draft whose numbers are
not the engines' numbers.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from luna.core.language import Language as Language  # part of the request schema

METER_ID_PATTERN = r"^[A-Za-z0-9_.:\-]{1,64}$"


class PlaybookKind(StrEnum):
    LOAD_SHIFT = "load_shift"  # move deferrable loads (EV, hot water, appliances) to cheap hours
    BATTERY = "battery"  # day-ahead battery schedule against dynamic prices
    TARIFF_CHECK = "tariff_check"  # dynamic tariff vs a fixed-price alternative for this profile
    ANOMALY = "anomaly"  # hours where consumption left the forecast's interval


Confidence = Literal["low", "medium", "high"]


class PlaybookRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    meter_id: str = Field(pattern=METER_ID_PATTERN)
    kind: PlaybookKind
    horizon_hours: int = Field(
        default=24,
        ge=1,
        le=48,
        description="Planning horizon (battery, load_shift) or look-back window (anomaly).",
    )
    language: Language = "en"
    fixed_price_ct_kwh: float | None = Field(
        default=None,
        gt=0,
        le=200,
        description="tariff_check: gross working price of the fixed-price offer to compare "
        "with; empty: a reference price derived from the stored market prices.",
    )


class PlaybookAction(BaseModel):
    """One thing to do, when, with which device, and what it changes."""

    title: str
    device: str
    start: datetime | None = Field(default=None, description="Local start of the window.")
    end: datetime | None = Field(default=None, description="Local end of the window.")
    window: str | None = Field(default=None, description="The window as people read it.")
    energy_kwh: float | None = Field(default=None, description="Energy moved or at stake.")
    cost_change_eur: float | None = Field(
        default=None, description="Change in cost this action causes; negative saves money."
    )
    confidence: Confidence
    detail: str


class PlaybookCitation(BaseModel):
    """A passage of the knowledge base the playbook rests on (an ``item_chunks`` row)."""

    n: int
    item_id: uuid.UUID
    chunk_id: int
    title: str
    page: int | None
    section: str | None
    quote: str


class PlaybookFigure(BaseModel):
    """A number from an engine, with the unit and the words it is shown with."""

    key: str
    label: str
    value: float
    unit: str
    text: str = Field(description="The figure as it appears in prose, e.g. '1.23 EUR'.")


class PlaybookEvidence(BaseModel):
    """What the recommendation rests on: data, forecasts and engine results in brief."""

    data_window: str
    price_source: Literal["stored", "forecast", "mixed", "none"]
    forecasts: list[dict[str, Any]] = Field(default_factory=list)
    engine: dict[str, Any] = Field(default_factory=dict)


class PlaybookText(BaseModel):
    """The words of a playbook, written by the engine templates from its numbers."""

    model_config = ConfigDict(frozen=True)

    title: str = Field(min_length=3, max_length=160)
    summary: str = Field(min_length=10, max_length=1200)
    risks: list[str] = Field(default_factory=list, max_length=5)


class Playbook(BaseModel):
    id: uuid.UUID | None = None
    meter_id: str
    kind: PlaybookKind
    language: Language
    title: str
    summary: str
    actions: list[PlaybookAction]
    figures: list[PlaybookFigure]
    citations: list[PlaybookCitation]
    assumptions: list[str]
    risks: list[str]
    evidence: PlaybookEvidence
    remark: str | None = Field(
        default=None,
        description="The model's one short remark (no numbers, the request's language); "
        "empty when there is none or it failed the check.",
    )
    remark_dropped: str | None = Field(
        default=None, description="Why the model's remark was not shown, if it was not."
    )
    prompt: str
    model: str
    generated_at: datetime
    generation_ms: float
