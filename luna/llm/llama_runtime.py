"""One long-lived ``llama_cpp.Llama`` per model file and parameters, shared by the process.

Loading maps 1.1 GB and allocates the KV cache, and llama.cpp reuses the longest common token
prefix with the previous prompt only within the same instance: so every chat model object with
the same :class:`LlamaSpec` shares one instance. A ``Llama`` is not re-entrant, so each carries
a lock that a caller holds for a whole completion, streamed or not.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llama_cpp import Llama


class ModelBusyError(TimeoutError):
    """The shared model stayed busy with another request for the whole timeout."""


def default_threads() -> int:
    """CPU cores this process may run on (llama.cpp's own default is half of them)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class LlamaSpec:
    """What identifies a loaded model: two specs that are equal share one instance."""

    model_path: str
    n_ctx: int = 4096
    n_threads: int | None = None  # None: all cores available to the process
    n_batch: int = 512
    prompt_lookup_tokens: int = 0  # >0: prompt-lookup decoding proposing this many tokens


@dataclass
class LoadedLlama:
    """A loaded model, the lock that serialises its use and how long loading took."""

    spec: LlamaSpec
    llama: Llama
    load_s: float
    lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def exclusive(self, timeout_s: float) -> Iterator[Llama]:
        """Hold the model for one completion; waits at most ``timeout_s`` for a running one."""
        if not self.lock.acquire(timeout=max(timeout_s, 0.0)):
            raise ModelBusyError(
                f"local model busy with another request for {timeout_s:.0f} s "
                f"({os.path.basename(self.spec.model_path)})"
            )
        try:
            yield self.llama
        finally:
            self.lock.release()


_loaded: dict[LlamaSpec, LoadedLlama] = {}
_registry_lock = threading.Lock()


def open_llama(spec: LlamaSpec) -> Llama:
    """A new, unshared ``Llama`` for ``spec`` (use :func:`load_llama` in the product)."""
    from llama_cpp import Llama
    from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

    threads = spec.n_threads or default_threads()
    draft = (
        LlamaPromptLookupDecoding(num_pred_tokens=spec.prompt_lookup_tokens)
        if spec.prompt_lookup_tokens > 0
        else None
    )
    return Llama(
        model_path=spec.model_path,
        n_ctx=spec.n_ctx,
        n_batch=spec.n_batch,
        n_threads=threads,
        n_threads_batch=threads,
        draft_model=draft,
        verbose=False,
    )


def load_llama(spec: LlamaSpec) -> LoadedLlama:
    """The process-wide instance for ``spec``, loaded on first use."""
    with _registry_lock:
        loaded = _loaded.get(spec)
        if loaded is None:
            start = time.perf_counter()
            llama = open_llama(spec)
            loaded = LoadedLlama(spec, llama, time.perf_counter() - start)
            _loaded[spec] = loaded
        return loaded


def loaded_specs() -> list[LlamaSpec]:
    """Specs of the instances loaded in this process (for health reports)."""
    with _registry_lock:
        return list(_loaded)


def unload_all() -> None:
    """Drop every shared instance (tests and benchmarks that measure a cold load)."""
    with _registry_lock:
        for loaded in _loaded.values():
            with loaded.lock:
                loaded.llama.close()
        _loaded.clear()
