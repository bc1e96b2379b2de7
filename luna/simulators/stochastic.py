"""Seeded random building blocks: keyed generators, AR(1) noise, runs, logit-normal calibration.

Generators are keyed by the seed and by names (meter id, series, year) through numpy's
``SeedSequence``, so one stream never shifts another: switching gaps on leaves the noise of the
same meter untouched, and two meters with the same seed still get different noise.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
from scipy.optimize import brentq  # type: ignore[import-untyped]
from scipy.signal import lfilter  # type: ignore[import-untyped]


def generator(seed: int, *keys: int | str) -> np.random.Generator:
    """A generator for one named stream; strings are keyed by their CRC-32, not ``hash()``."""
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    entropy = [seed] + [k if isinstance(k, int) else zlib.crc32(k.encode()) for k in keys]
    return np.random.default_rng(np.random.SeedSequence(entropy))


def ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """A stationary, unit-variance AR(1) series of length ``n`` with lag-one correlation phi."""
    shocks = rng.standard_normal(n)
    if n < 2 or phi == 0.0:
        return shocks
    scale = math.sqrt(1.0 - phi * phi)
    rest, _ = lfilter([scale], [1.0, -phi], shocks[1:], zi=[phi * shocks[0]])
    return np.concatenate([shocks[:1], np.asarray(rest, dtype=float)])


def expand_runs(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Flat positions covered by runs ``[start, start + length)``, run after run."""
    lengths = np.asarray(lengths, dtype=np.int64)
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.asarray(np.repeat(np.asarray(starts, dtype=np.int64), lengths) + offsets)


def run_mask(rng: np.random.Generator, n: int, rate: float, mean_length: float) -> np.ndarray:
    """Boolean mask covering about ``rate`` of ``n`` positions in runs of geometric length."""
    mask = np.zeros(n, dtype=bool)
    if rate <= 0.0 or n == 0:
        return mask
    starts = np.flatnonzero(rng.random(n) < rate / mean_length)
    lengths = rng.geometric(1.0 / mean_length, size=starts.size)
    positions = expand_runs(starts, lengths)
    mask[positions[positions < n]] = True
    return mask


_HERMITE_X, _HERMITE_W = np.polynomial.hermite_e.hermegauss(48)
_HERMITE_W = _HERMITE_W / _HERMITE_W.sum()


def logit_normal_location(target_mean: float, scale: float) -> float:
    """The location m for which E[sigmoid(m + scale * Z)] = target_mean, Z standard normal."""
    if not 0.0 < target_mean < 1.0:
        raise ValueError(f"target mean must lie in (0, 1), got {target_mean}")

    def gap(m: float) -> float:
        return float(np.dot(_HERMITE_W, sigmoid(m + scale * _HERMITE_X))) - target_mean

    return float(brentq(gap, -30.0, 30.0))


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    """The logistic function."""
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=float))))
