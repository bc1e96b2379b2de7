"""How tools answer: short text for the model, a structured artifact for citations, errors as text.

Every tool returns ``(content, artifact)``: ``content`` is what the model reads (bounded in
size), ``artifact`` is a JSON-safe dict the answer composer turns into citations (document
chunks, or the data rows and the query they came from). Expected failures become
:class:`~langchain_core.tools.ToolException` so LangChain hands the model an error message it
can act on instead of ending the run.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from typing import Any, Literal, ParamSpec, TypedDict

from langchain_core.tools import ToolException
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from luna.retrieval.retriever import RetrievedChunk

MAX_CONTENT_CHARS = 2400  # what one tool result may add to the model's prompt
PASSAGE_CHARS = 600  # per document passage in a tool result

# Marks an argument the routing grammar leaves out: it has a sensible default and a small
# model only ever fills it with noise (a made-up price zone, say).
ADVANCED: dict[str, Any] = {"advanced": True}

P = ParamSpec("P")
ToolOutput = tuple[str, dict[str, Any]]


class ToolInputError(ValueError):
    """Input a tool cannot serve; the message says how to ask differently."""


class SourceRef(TypedDict, total=False):
    """One citable thing a tool produced: a document chunk or a set of data rows."""

    kind: Literal["document", "data"]
    tool: str
    ref: str  # stable id: "chunk:<id>" or "data:<tool>:<hash of the query>"
    title: str
    item_id: str
    chunk_id: int
    page: int | None
    section: str | None
    score: float
    text: str
    label: str
    query: str
    summary: str
    rows: list[dict[str, Any]]
    figures: dict[str, Any]  # the result's key figures as data, for answers written by code


def clip(text: str, limit: int = MAX_CONTENT_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying so."""
    if len(text) <= limit:
        return text
    return text[: limit - 20].rstrip() + " … (truncated)"


def document_refs(tool: str, hits: Sequence[RetrievedChunk]) -> list[SourceRef]:
    return [
        SourceRef(
            kind="document",
            tool=tool,
            ref=f"chunk:{h.chunk_id}",
            title=h.title,
            item_id=str(h.item_id),
            chunk_id=h.chunk_id,
            page=h.page,
            section=h.section,
            score=round(h.score, 4),
            text=h.text,
        )
        for h in hits
    ]


def passages_text(refs: Sequence[SourceRef]) -> str:
    """Document passages as the model reads them, each headed by its citation id."""
    blocks = []
    for r in refs:
        where = ", ".join(
            p for p in (f"p. {r.get('page')}" if r.get("page") else None, r.get("section")) if p
        )
        head = f"[{r['ref']}] {r['title']}{f' ({where})' if where else ''}"
        blocks.append(f"{head}\n{clip(r.get('text', ''), PASSAGE_CHARS)}")
    return "\n\n".join(blocks)


def data_ref(
    tool: str,
    label: str,
    query: str,
    summary: str,
    rows: list[dict[str, Any]],
    figures: dict[str, Any] | None = None,
) -> SourceRef:
    ref = SourceRef(
        kind="data",
        tool=tool,
        ref=f"data:{tool}:{hashlib.sha256(f'{label}|{query}'.encode()).hexdigest()[:8]}",
        label=label,
        query=query,
        summary=summary,
        rows=rows,
    )
    if figures is not None:
        ref["figures"] = figures
    return ref


def artifact(refs: Sequence[SourceRef], **extra: Any) -> dict[str, Any]:
    return {"sources": list(refs), **extra}


def validation_message(error: ValidationError) -> str:
    """Pydantic errors as one line per field, in words a model can act on."""
    parts = []
    for err in error.errors():
        where = ".".join(str(p) for p in err.get("loc", ())) or "arguments"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "invalid arguments: " + "; ".join(parts) + ". Fix them and call the tool again."


def guarded(name: str) -> Callable[[Callable[P, ToolOutput]], Callable[P, ToolOutput]]:
    """Turn the failures a tool expects into :class:`ToolException` (a message for the model).

    Bad input, missing data, an infeasible schedule, a database error: the model gets one
    sentence saying what went wrong. Anything else is a bug and propagates (the graph's
    ``ToolNode`` still turns it into an error message, so the thread survives).
    """

    def wrap(fn: Callable[P, ToolOutput]) -> Callable[P, ToolOutput]:
        @functools.wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> ToolOutput:
            try:
                return fn(*args, **kwargs)
            except ValidationError as exc:
                raise ToolException(f"{name}: {validation_message(exc)}") from exc
            except (ToolInputError, ValueError, LookupError) as exc:
                raise ToolException(f"{name}: {exc}") from exc
            except SQLAlchemyError as exc:
                raise ToolException(
                    f"{name}: the database could not answer ({type(exc).__name__}); try again"
                ) from exc

        return run

    return wrap
