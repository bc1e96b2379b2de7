"""Number checking: the model may only repeat figures the engines computed.

A draft passes when every number and clock time in its text can be read as one of the allowed
figures, written with fewer or equal decimals (``1.2`` for 1.234 is a rounding, ``1.3`` is not)
and in English or German notation (``1,234.5`` / ``1.234,5``). Signs are ignored: "saves
1.20 EUR" states a cost change of -1.20 EUR.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

_TIME = re.compile(
    r"(?<![\d.,:])([01]?\d|2[0-4])(?::([0-5]\d)(?:\s*Uhr\b)?|\.([0-5]\d)\s*Uhr\b)(?!:?\d)"
)
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")


@dataclass(frozen=True)
class FoundNumber:
    text: str
    readings: tuple[tuple[float, int], ...]  # (value, decimals shown) per possible notation


def clock_times(text: str) -> list[str]:
    """Clock times in ``text`` as ``HH:MM`` (``7.30 Uhr`` and ``07:30`` are the same)."""
    return [f"{int(h):02d}:{m or dotted}" for h, m, dotted in _TIME.findall(text)]


def _readings(token: str) -> tuple[tuple[float, int], ...]:
    out: list[tuple[float, int]] = []
    for decimal, group in ((".", ","), (",", ".")):
        if token.count(decimal) > 1:
            continue
        whole, _, frac = token.partition(decimal)
        groups = whole.split(group)
        if len(groups) > 1 and not all(len(g) == 3 for g in groups[1:]):
            continue
        digits = "".join(groups) + ("." + frac if frac else "")
        try:
            out.append((float(digits), len(frac)))
        except ValueError:
            continue
    return tuple(dict.fromkeys(out))


def numbers(text: str) -> list[FoundNumber]:
    """The numbers in ``text`` other than clock times, each with its possible readings."""
    without_times = _TIME.sub(" ", text)
    found = []
    for match in _NUMBER.finditer(without_times):
        readings = _readings(match.group(0))
        if readings:
            found.append(FoundNumber(match.group(0), readings))
    return found


def _rounds_to(value: float, decimals: int, allowed: float) -> bool:
    """Whether ``value`` shown with ``decimals`` decimals is a rounding of ``allowed``."""
    tolerance = 0.5 * 10.0 ** (-decimals) + 1e-9
    return math.isclose(abs(allowed), value, abs_tol=tolerance)


@dataclass(frozen=True)
class AllowedNumbers:
    values: frozenset[float]
    times: frozenset[str]

    @classmethod
    def from_texts(cls, texts: Iterable[str], extra: Iterable[float] = ()) -> AllowedNumbers:
        """Every number and clock time that appears in ``texts`` (the facts given to the model)."""
        values: set[float] = {abs(v) for v in extra}
        times: set[str] = set()
        for text in texts:
            times.update(clock_times(text))
            for number in numbers(text):
                values.update(abs(v) for v, _ in number.readings)
        return cls(frozenset(values), frozenset(times))

    def allows(self, number: FoundNumber) -> bool:
        return any(
            _rounds_to(value, decimals, allowed)
            for value, decimals in number.readings
            for allowed in self.values
        )


def unsupported_numbers(text: str, allowed: AllowedNumbers) -> list[str]:
    """Numbers and clock times in ``text`` that are not engine figures (empty: the text passes)."""
    bad = [t for t in clock_times(text) if t not in allowed.times]
    bad += [n.text for n in numbers(text) if not allowed.allows(n)]
    return list(dict.fromkeys(bad))
