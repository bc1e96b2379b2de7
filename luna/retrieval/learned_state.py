"""The read side of learning: the active learned state (relevance weights, query adapter).

Learning jobs (``luna.learning``) write versioned states to ``learned_states``; retrieval only
reads the one marked active, through :class:`LearnedStateCache`, so retrieval never imports
learning. The cache re-checks the active version at most every ``refresh_s`` seconds (a
one-row query; by default at every use, so that a state activated or rolled back by another
process, an API replica or a worker's learning cycle, is served from the next request on) and
reloads only when it changed; the process that activates a state calls
:meth:`LearnedStateCache.refresh` to see it at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from luna.store.sql.models import LearnedStateRecord

if TYPE_CHECKING:
    from luna.retrieval.retriever import RetrievedChunk

Matrix = npt.NDArray[np.float32]


def adapter_to_bytes(matrix: Matrix) -> bytes:
    """Little-endian float32, row-major: how an adapter ``[W; b]`` ((d + 1) × d) is stored."""
    return np.ascontiguousarray(matrix, dtype="<f4").tobytes()


def adapter_from_bytes(data: bytes, dim: int) -> Matrix:
    return np.frombuffer(data, dtype="<f4").reshape(dim + 1, dim).astype(np.float32)


@dataclass(frozen=True)
class LearnedState:
    """One learned state: chunk and document weights, an optional query adapter ``[W; b]``."""

    version: int | None = None
    chunk_weights: Mapping[int, float] = field(default_factory=dict)
    item_weights: Mapping[str, float] = field(default_factory=dict)
    low: float = 0.5
    high: float = 1.5
    adapter: Matrix | None = None

    @classmethod
    def from_record(cls, record: LearnedStateRecord) -> LearnedState:
        params = record.params or {}
        adapter = None
        if record.adapter is not None and record.adapter_dim:
            adapter = adapter_from_bytes(record.adapter, record.adapter_dim)
        return cls(
            version=record.version,
            chunk_weights={int(k): float(v) for k, v in record.chunk_weights.items()},
            item_weights={str(k): float(v) for k, v in record.item_weights.items()},
            low=float(params.get("low", 0.5)),
            high=float(params.get("high", 1.5)),
            adapter=adapter,
        )

    @property
    def has_weights(self) -> bool:
        return bool(self.chunk_weights or self.item_weights)

    def versions(self) -> dict[str, int | None]:
        """What an answer records: the version behind its weights and its adapter."""
        return {
            "weights": self.version if self.has_weights else None,
            "adapter": self.version if self.adapter is not None else None,
        }

    def weights(self, chunks: Sequence[RetrievedChunk]) -> dict[int, float]:
        """The retriever's weight hook: chunk weight × document weight, clipped."""
        if not self.has_weights:
            return {}
        factors = {}
        for c in chunks:
            w = self.chunk_weights.get(c.chunk_id, 1.0) * self.item_weights.get(str(c.item_id), 1.0)
            if w != 1.0:
                factors[c.chunk_id] = min(self.high, max(self.low, w))
        return factors

    def adapt(self, vector: Sequence[float]) -> list[float]:
        """The retriever's query adapter: ``W q + b``, unit length; the identity without one."""
        if self.adapter is None:
            return list(vector)
        out = self.adapter[:-1] @ np.asarray(vector, dtype=np.float32) + self.adapter[-1]
        norm = float(np.linalg.norm(out))
        return (out / norm if norm > 0 else out).tolist()  # type: ignore[no-any-return]


def load_state(session: Session, version: int | None = None) -> LearnedState:
    """State ``version``, or the active one (an empty, neutral state when none is active)."""
    query = select(LearnedStateRecord)
    if version is None:
        query = query.where(LearnedStateRecord.active.is_(True))
    else:
        query = query.where(LearnedStateRecord.version == version)
    record = session.scalar(query)
    if record is None:
        if version is not None:
            raise KeyError(f"no learned state {version}")
        return LearnedState()
    return LearnedState.from_record(record)


def active_version(session: Session) -> int | None:
    return session.scalar(
        select(LearnedStateRecord.version).where(LearnedStateRecord.active.is_(True))
    )


class LearnedStateCache:
    """The active state for the retriever's hooks, reloaded when another version is active."""

    def __init__(self, sessions: sessionmaker[Session], refresh_s: float = 0.0) -> None:
        self._sessions = sessions
        self._refresh_s = refresh_s
        self._state = LearnedState()
        self._checked = -float("inf")
        self._lock = threading.Lock()

    def current(self) -> LearnedState:
        if time.monotonic() - self._checked >= self._refresh_s:
            self.refresh(force=False)
        return self._state

    def refresh(self, *, force: bool = True) -> LearnedState:
        """Re-read the active version; load the state only if it changed (or ``force``).
        Concurrent requests share the check; only a load takes the lock."""
        with self._sessions() as session:
            version = active_version(session)
            if force or version != self._state.version:
                with self._lock:
                    if force or version != self._state.version:
                        self._state = load_state(session) if version is not None else LearnedState()
            self._checked = time.monotonic()
        return self._state

    def weights(self, chunks: Sequence[RetrievedChunk]) -> Mapping[int, float]:
        return self.current().weights(chunks)

    def adapt(self, vector: Sequence[float]) -> list[float]:
        return self.current().adapt(vector)

    def versions(self) -> dict[str, Any]:
        return dict(self.current().versions())


def current_learned_state(source: object | None) -> dict[str, Any]:
    """``{"weights": version | None, "adapter": version | None}`` of the state serving now,
    recorded with every answer (``answers.learned_state``).

    ``source`` is a :class:`LearnedStateCache` or anything holding one as ``learned_state``
    (the runtime); without one, nothing learned is in use.
    """
    cache = source if isinstance(source, LearnedStateCache) else None
    if cache is None:
        cache = getattr(source, "learned_state", None)
    if not isinstance(cache, LearnedStateCache):
        return {"weights": None, "adapter": None}
    return cache.versions()
