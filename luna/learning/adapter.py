"""A query-side affine adapter applied to query embeddings before search.

``q' = q + A (q − μ)``, renormalised: ``μ`` is the mean training query, so the adapter only
moves a query by how it differs from the average question, never the whole space at once.
``A`` is ridge regression of the residual (positive passage − query) on the centred query,
``min_A Σ‖(p − q) − A(q − μ)‖² + λ‖A‖²``, closed form
``A = Rᵀ Q̃ (Q̃ᵀ Q̃ + λI)⁻¹``. The larger ``λ``, the closer to the identity (the base model's
behaviour). Passages are never re-embedded, so it is cheap and reversible: the collection is
untouched and deactivating the adapter restores the original ranking. Stored as the
(d + 1) × d matrix ``[W; b]`` with ``W = I + A`` and ``b = −A μ``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]


def _unit_rows(rows: Sequence[Sequence[float]]) -> npt.NDArray[np.float64]:
    m = np.asarray(rows, dtype=np.float64)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.where(norms > 0, norms, 1.0)


def fit_adapter(
    queries: Sequence[Sequence[float]], passages: Sequence[Sequence[float]], ridge: float
) -> Matrix:
    """The (d + 1) × d adapter ``[W; b]`` moving each query towards its positive passage."""
    if len(queries) != len(passages) or not queries:
        raise ValueError("need the same, non-zero number of queries and passages")
    q, p = _unit_rows(queries), _unit_rows(passages)
    d = q.shape[1]
    mean = q.mean(axis=0)
    centred = q - mean
    a = (p - q).T @ centred @ np.linalg.inv(centred.T @ centred + ridge * np.eye(d))
    return np.vstack([np.eye(d) + a, -(a @ mean)[None, :]]).astype(np.float32)
