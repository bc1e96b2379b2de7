"""A bounded, thread-safe least-recently-used mapping: the per-process caches of derived
figures (:mod:`luna.store.sql.energy_sums`, :mod:`luna.services.reading_series`)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


def _one(_: object) -> int:
    return 1


class LruCache(Generic[V]):
    """Forgets the least recently used entries first once their weights add up to more than
    ``budget``; each entry weighs ``weigh(value)``, by default 1 (a bound on the count)."""

    def __init__(self, budget: int, weigh: Callable[[V], int] = _one) -> None:
        self.budget = budget
        self.size = 0
        self._weigh = weigh
        self._data: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self.size -= self._weigh(old)
            self._data[key] = value
            self.size += self._weigh(value)
            while self.size > self.budget and self._data:
                _, dropped = self._data.popitem(last=False)
                self.size -= self._weigh(dropped)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.size = 0

    def __len__(self) -> int:
        return len(self._data)
