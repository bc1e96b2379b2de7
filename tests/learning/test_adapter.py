"""The query adapter: closed-form fit towards the identity, storage, and how it is applied."""

from __future__ import annotations

import uuid

import numpy as np

from luna.learning.adapter import fit_adapter
from luna.retrieval.learned_state import LearnedState, adapter_from_bytes, adapter_to_bytes
from luna.retrieval.retriever import RetrievedChunk

RNG = np.random.default_rng(3)


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def test_a_strong_ridge_keeps_the_adapter_near_the_identity():
    q, p = unit(RNG.normal(size=(20, 16))), unit(RNG.normal(size=(20, 16)))
    w = fit_adapter(q.tolist(), p.tolist(), ridge=1e6)
    assert np.allclose(w[:-1], np.eye(16), atol=1e-3)  # W ≈ I
    assert np.allclose(w[-1], 0.0, atol=1e-3)  # b ≈ 0


def test_the_adapter_moves_queries_towards_their_passages():
    q = unit(RNG.normal(size=(30, 16)))
    p = unit(q + RNG.normal(scale=0.8, size=q.shape))
    w = fit_adapter(q.tolist(), p.tolist(), ridge=1.0)
    before = np.mean(np.sum(q * p, axis=1))
    after = np.mean(np.sum(unit(q @ w[:-1].T + w[-1]) * p, axis=1))
    assert after > before


def test_adapter_bytes_round_trip_and_apply_as_unit_vectors():
    w = np.vstack([np.eye(8), np.zeros((1, 8))]) + RNG.normal(scale=0.1, size=(9, 8))
    w = w.astype(np.float32)
    restored = adapter_from_bytes(adapter_to_bytes(w), 8)
    assert np.array_equal(restored, w)
    state = LearnedState(version=3, adapter=restored)
    out = np.asarray(state.adapt(RNG.normal(size=8).tolist()))
    assert abs(np.linalg.norm(out) - 1.0) < 1e-5
    assert state.versions() == {"weights": None, "adapter": 3}
    assert LearnedState().adapt([1.0, 2.0]) == [1.0, 2.0]  # nothing learned: identity


def test_weight_hook_multiplies_chunk_and_document_weights_within_bounds():
    item = uuid.uuid4()
    chunks = [
        RetrievedChunk(i, uuid.uuid4(), item, "t", "s", None, None, "x", 0.9) for i in (1, 2, 3)
    ]
    state = LearnedState(
        version=1, chunk_weights={1: 1.4, 2: 0.6}, item_weights={str(item): 1.3}, low=0.5, high=1.5
    )
    factors = state.weights(chunks)
    assert factors[1] == 1.5  # 1.4 × 1.3 clipped
    assert abs(factors[2] - 0.78) < 1e-9
    assert factors[3] == 1.3
    assert state.versions() == {"weights": 1, "adapter": None}
