"""``/feedback``: a user's vote on an answer they received or on their own playbook.

One vote per user and target, changeable by posting again (201 the first time, 200 after).
A target that does not exist answers 404; one that belongs to another user 403: feedback is
accepted only on answers the user actually received.
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from luna.api.deps import CurrentUser, SessionDep, SettingsDep
from luna.core.pseudonym import settings_user_key
from luna.observability.metrics import FEEDBACK
from luna.store.sql.events import new_event
from luna.store.sql.models import (
    Answer,
    EventType,
    Feedback,
    PlaybookRecord,
    User,
    column_length,
)

router = APIRouter(prefix="/feedback", tags=["feedback"])

MAX_MS = 2**31 - 1  # the columns are 32-bit integers


class Reason(StrEnum):
    """Why a vote was cast; a fixed vocabulary so reasons can be counted."""

    WRONG = "wrong"
    OUTDATED = "outdated"
    NOT_GROUNDED = "not_grounded"
    INCOMPLETE = "incomplete"
    HELPFUL = "helpful"
    CLEAR = "clear"
    OTHER = "other"


TargetType = Literal["answer", "playbook"]
Vote = Literal["up", "down"]
_VOTES: dict[str, int] = {"up": 1, "down": -1}


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_type: TargetType
    target_id: str = Field(
        min_length=1,
        max_length=column_length(Feedback.target_id),
        description="answer_id or playbook id",
    )
    vote: Vote
    reasons: list[Reason] = Field(default_factory=list, max_length=len(Reason))
    comment: str | None = Field(default=None, max_length=2000)
    dwell_ms: int | None = Field(default=None, ge=0, le=MAX_MS, description="Time spent reading")
    time_to_feedback_ms: int | None = Field(
        default=None, ge=0, le=MAX_MS, description="From the answer's arrival to the vote"
    )

    @field_validator("reasons")
    @classmethod
    def _distinct(cls, reasons: list[Reason]) -> list[Reason]:
        return list(dict.fromkeys(reasons))

    @field_validator("comment")
    @classmethod
    def _blank_is_none(cls, comment: str | None) -> str | None:
        if comment is None or not comment.strip():
            return None
        return comment.strip()


class FeedbackOut(BaseModel):
    id: int
    target_type: TargetType
    target_id: str
    vote: Vote
    reasons: list[Reason]
    comment: str | None
    dwell_ms: int | None
    time_to_feedback_ms: int | None
    created_at: datetime
    updated_at: datetime


class MyVote(BaseModel):
    """The user's current vote on a target; ``vote`` is null when they have not voted."""

    target_type: TargetType
    target_id: str
    vote: Vote | None
    reasons: list[Reason] = Field(default_factory=list)
    comment: str | None = None
    updated_at: datetime | None = None


def _target_uuid(target_type: str, target_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(target_id)
    except ValueError:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"unknown {target_type} '{target_id}'"
        ) from None


def _target_context(session: Session, user: User, body: FeedbackIn) -> dict[str, Any]:
    """Check the target exists (404) and is the user's own (403); what the event records of it."""
    target_id = _target_uuid(body.target_type, body.target_id)
    record: Answer | PlaybookRecord | None
    if body.target_type == "answer":
        record = session.get(Answer, target_id)
    else:
        record = session.get(PlaybookRecord, target_id)
    if record is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"unknown {body.target_type} '{body.target_id}'"
        )
    if record.user_id != user.id:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=f"{body.target_type} '{body.target_id}' was not given to you",
        )
    if isinstance(record, Answer):
        return {
            "channel": record.channel,
            "topic": record.topic,
            "prompt": record.prompt,
            "model": record.model,
            "learned_state": record.learned_state,
        }
    return {"kind": record.kind, "prompt": record.prompt, "model": record.model}


def _out(row: Feedback) -> FeedbackOut:
    return FeedbackOut(
        id=row.id,
        target_type=row.target_type,
        target_id=row.target_id,
        vote="up" if row.vote > 0 else "down",
        reasons=[Reason(r) for r in row.reasons],
        comment=row.comment,
        dwell_ms=row.dwell_ms,
        time_to_feedback_ms=row.time_to_feedback_ms,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


@router.post(
    "",
    response_model=FeedbackOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "An earlier vote of the user on this target was changed"}},
)
def give_feedback(
    body: FeedbackIn,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> FeedbackOut:
    """Vote 👍/👎 on an answer you received or a playbook of yours, with optional reasons,
    comment and timings; posting again changes the vote."""
    context = _target_context(session, user, body)
    target_id = str(_target_uuid(body.target_type, body.target_id))  # canonical spelling
    key = settings_user_key(settings, user.id)
    values = {
        "user_key": key,
        "vote": _VOTES[body.vote],
        "reasons": [r.value for r in body.reasons],
        "comment": body.comment,
        "dwell_ms": body.dwell_ms,
        "time_to_feedback_ms": body.time_to_feedback_ms,
    }
    upsert = (
        insert(Feedback)
        .values(user_id=user.id, target_type=body.target_type, target_id=target_id, **values)
        .on_conflict_do_update(
            constraint="uq_feedback_user_target", set_={**values, "updated_at": text("now()")}
        )
        .returning(Feedback.id, text("(xmax = 0) AS inserted"))
    )
    feedback_id, inserted = session.execute(upsert).one()
    session.add(
        new_event(
            settings,
            EventType.FEEDBACK,
            user.id,
            {
                "feedback_id": feedback_id,
                "target_type": body.target_type,
                "target_id": target_id,
                "vote": body.vote,
                "reasons": values["reasons"],
                "has_comment": body.comment is not None,
                "dwell_ms": body.dwell_ms,
                "time_to_feedback_ms": body.time_to_feedback_ms,
                "changed": not inserted,
                **context,
            },
        )
    )
    session.flush()
    row = session.get(Feedback, feedback_id, populate_existing=True)
    assert row is not None
    response.status_code = status.HTTP_201_CREATED if inserted else status.HTTP_200_OK
    FEEDBACK.labels(body.target_type, body.vote).inc()
    return _out(row)


@router.get("/mine", response_model=MyVote)
def my_vote(
    session: SessionDep,
    user: CurrentUser,
    target_type: Annotated[TargetType, Query()],
    target_id: Annotated[str, Query(min_length=1, max_length=64)],
) -> MyVote:
    """Your current vote on a target (``vote`` null when you have not voted on it)."""
    with contextlib.suppress(ValueError):  # not an id: no vote can exist, "not voted"
        target_id = str(uuid.UUID(target_id))
    row = session.scalar(
        select(Feedback).where(
            Feedback.user_id == user.id,
            Feedback.target_type == target_type,
            Feedback.target_id == target_id,
        )
    )
    if row is None:
        return MyVote(target_type=target_type, target_id=target_id, vote=None)
    out = _out(row)
    return MyVote(
        target_type=target_type,
        target_id=target_id,
        vote=out.vote,
        reasons=out.reasons,
        comment=out.comment,
        updated_at=out.updated_at,
    )
