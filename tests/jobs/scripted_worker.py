"""``luna worker`` in a process of its own with the scripted stand-ins the in-process job tests
use (a scripted chat model and a fast forecast for playbooks, the scripted eval suite), so that a
test can ``kill -9`` a real worker in the middle of a playbook, an eval run or a learning cycle.

Run as ``python -m tests.jobs.scripted_worker [luna worker options]`` with the repository on
``PYTHONPATH`` (:func:`spawn_worker`). With ``LUNA_TEST_HOLD`` set, the work stops for good at
that point (the test kills the process there):

- ``remark``: a playbook, after the model has streamed the first words of its remark;
- ``case:c3``: an eval run, inside case c3 (c1 and c2 are stored);
- ``weights``: a learning cycle, while it trains its weights.

``LUNA_TEST_CASE_S``: each eval case takes that many seconds (jobs long enough to overlap).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.outputs import ChatGenerationChunk

# The production deployment, a vector server (which the scripted work never calls): the kinds
# that need vectors wait in their own queues, which `luna worker` takes.
VECTOR_SERVER = {"vector_backend": "qdrant", "qdrant_url": "http://127.0.0.1:9"}
VECTOR_SERVER_ENV = {"LUNA_VECTOR_BACKEND": "qdrant", "LUNA_QDRANT_URL": "http://127.0.0.1:9"}
HOLD = "LUNA_TEST_HOLD"
CASE_S = "LUNA_TEST_CASE_S"
ROOT = Path(__file__).resolve().parents[2]
WORDS_BEFORE_HOLD = 4  # of the remark, each after a pause longer than the remark's flush


def hold(point: str) -> None:
    """Stop here for good if this process was started to hold at ``point``."""
    if os.environ.get(HOLD) == point:
        while True:
            time.sleep(60)


class HeldModel(FakeListChatModel):
    """The scripted model, which with ``LUNA_TEST_HOLD=remark`` streams the first words slowly
    (so that they reach the job's progress) and then stops."""

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        words = 0
        for chunk in super()._stream(*args, **kwargs):
            if os.environ.get(HOLD) == "remark" and chunk.text == " ":
                words += 1
                time.sleep(0.4)
                if words == WORDS_BEFORE_HOLD:
                    hold("remark")
            yield chunk


def _install() -> None:
    """Replace what the in-process tests monkeypatch, in this process."""
    from luna.evals import runner
    from luna.evals.suites.base import CaseOutcome, EvalEnv
    from luna.graphs.playbook import playbook_context
    from luna.jobs import playbook as playbook_jobs
    from luna.learning import training
    from luna.runtime import Runtime
    from tests.api.test_playbooks import FAST, REMARK
    from tests.evals.test_runner import Case, ScriptedSuite

    model = HeldModel(responses=[REMARK])

    def context(runtime: Runtime) -> Any:
        return playbook_context(
            runtime,
            chat_model=model,
            model_name="scripted",
            retriever=None,
            remark_tokens=48,
            **FAST,
        )

    class HeldSuite(ScriptedSuite):
        def run_case(self, env: EvalEnv, case: Case) -> CaseOutcome:
            hold(f"case:{case.id}")
            time.sleep(float(os.environ.get(CASE_S, "0")))
            return super().run_case(env, case)

    train_weights = training.train_weights

    def held_train_weights(*args: Any, **kwargs: Any) -> Any:
        hold("weights")
        return train_weights(*args, **kwargs)

    playbook_jobs.context_for = context  # type: ignore[assignment]
    runner.get_suite = lambda name: HeldSuite(fail=None)  # type: ignore[assignment]
    training.train_weights = held_train_weights  # type: ignore[assignment]


def spawn_worker(
    database_url: str, home: Path, output: IO[bytes], *options: str, **env: str
) -> subprocess.Popen[bytes]:
    """This module as ``luna worker [options]`` over ``database_url``, its output to
    ``output``; ``env`` adds to (or overrides) the environment, e.g. ``LUNA_TEST_HOLD``."""
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "LUNA_DATABASE_URL": database_url,
        "LUNA_HOME": str(home),
        "LUNA_DATA_SOURCE": "none",
        "LUNA_FORECAST_REFRESH": "false",
        "LUNA_LOG_LEVEL": "WARNING",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tests.jobs.scripted_worker", *options],
        cwd=home,
        env=environment,
        stdout=output,
        stderr=subprocess.STDOUT,
    )


@contextmanager
def scripted_worker(
    database_url: str, home: Path, *options: str, **env: str
) -> Iterator[tuple[subprocess.Popen[bytes], Callable[[], str]]]:
    """:func:`spawn_worker` for the block (killed at its end if still running), with a vector
    server's settings (:data:`VECTOR_SERVER_ENV`), and a function that returns the end of what
    it has written."""
    with tempfile.TemporaryFile() as output:
        process = spawn_worker(database_url, home, output, *options, **VECTOR_SERVER_ENV, **env)

        def tail() -> str:
            output.seek(0)
            return output.read().decode(errors="replace")[-3000:]

        try:
            yield process, tail
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)


if __name__ == "__main__":
    _install()
    from luna.cli.main import main

    sys.argv = ["luna", "worker", *sys.argv[1:]]
    main()
