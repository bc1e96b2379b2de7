"""Run a job worker in the test's process until the queue is empty."""

from __future__ import annotations

import asyncio
import threading

from luna.jobs.worker import run_worker
from luna.runtime import Runtime


def drain(runtime: Runtime) -> None:
    """Run a worker until no job is left, on a thread of its own: ``asyncio.run`` refuses a
    thread whose event loop runs, and a session-scoped Playwright (the browser tests) keeps
    one running in the main thread for the rest of the session."""
    failures: list[BaseException] = []

    def work() -> None:
        try:
            asyncio.run(run_worker(runtime, until_empty=True, install_signal_handlers=False))
        except BaseException as exc:  # handed to the caller's thread
            failures.append(exc)

    thread = threading.Thread(target=work, name="drain-jobs")
    thread.start()
    thread.join()
    if failures:
        raise failures[0]
