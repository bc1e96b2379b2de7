"""Liveness for ``luna worker`` on Kubernetes: a file touched on every heartbeat it sends.

A worker beats into PostgreSQL every 10 s (``procrastinate_workers``); the other workers fail or
requeue the jobs of one that has been silent for ``LUNA_JOBS_STALLED_AFTER_S``. That beat lives
inside the process and has no name the pod could look up, so this hook, which Python's ``site``
module imports at start-up from ``PYTHONPATH`` (a ConfigMap, not the image), wraps the two
calls that record it and touches ``LUNA_WORKER_HEARTBEAT_FILE`` after each one succeeds. The
liveness probe fails when the file grows stale: the event loop is stuck, or the database stopped
taking the beats. Without the variable (every other process) it does nothing.

It patches a library method, so ``tests/deploy/test_k8s_manifests.py`` runs it against the
pinned procrastinate. A ``luna worker --heartbeat-file`` option would make it unnecessary.
"""

from __future__ import annotations

import os
import sys

_PATH = os.environ.get("LUNA_WORKER_HEARTBEAT_FILE")


def _touch(path: str) -> None:
    try:
        with open(path, "a"):
            pass
        os.utime(path)
    except OSError as exc:  # the probe will notice; the worker must not stop for this
        print(f"worker heartbeat file {path}: {exc}", file=sys.stderr)


def _install(path: str) -> None:
    from procrastinate.manager import JobManager

    register_worker = JobManager.register_worker
    update_heartbeat = JobManager.update_heartbeat

    async def register_and_touch(self: JobManager) -> int:
        worker_id = await register_worker(self)
        _touch(path)
        return worker_id

    async def beat_and_touch(self: JobManager, worker_id: int) -> None:
        await update_heartbeat(self, worker_id)
        _touch(path)

    JobManager.register_worker = register_and_touch  # type: ignore[method-assign]
    JobManager.update_heartbeat = beat_and_touch  # type: ignore[method-assign]


if _PATH:
    try:
        _install(_PATH)
    except Exception as exc:  # no file ever appears, so the startup probe fails loudly
        print(f"worker heartbeat hook not installed: {exc!r}", file=sys.stderr)
