"""Luna's commands as processes of their own, for tests that need real processes: ``luna serve``
on a free port, ``luna worker``, and an HTTP client's login and job polling against them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx

from tests.api.conftest import PASSWORD

ENDED = ("done", "failed", "cancelled")
_OUTPUT: dict[int, IO[bytes]] = {}  # what each spawned process writes, by pid


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spawn(command: list[str], database_url: str, home: Path, **env: str) -> subprocess.Popen:
    """``luna <command>`` over ``database_url`` with ``LUNA_HOME=home`` (its objects, and its
    vectors on the embedded backend), no data feed and no forecast refresh unless ``env`` says
    otherwise; its output (logs are JSON lines on stdout) is kept for the failure message."""
    environment = {
        **os.environ,
        "LUNA_DATABASE_URL": database_url,
        "LUNA_HOME": str(home),
        "LUNA_DATA_SOURCE": "none",
        "LUNA_FORECAST_REFRESH": "false",
        "LUNA_LOG_LEVEL": "WARNING",
        **env,
    }
    output = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
    process = subprocess.Popen(
        [sys.executable, "-m", "luna.cli.main", *command],
        cwd=home,
        env=environment,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    _OUTPUT[process.pid] = output
    return process


def stop(process: subprocess.Popen, timeout: float = 60.0) -> None:
    """SIGTERM (running jobs get their grace period), SIGKILL if it will not stop."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
    output = _OUTPUT.pop(process.pid, None)
    if output is not None:
        output.close()


def output_tail(process: subprocess.Popen, chars: int = 3000) -> str:
    """The end of what a process started by :func:`spawn` has written so far."""
    output = _OUTPUT.get(process.pid)
    if output is None:
        return ""
    output.seek(0)
    return output.read().decode(errors="replace")[-chars:]


def wait_until_serving(url: str, server: subprocess.Popen, timeout: float = 120.0) -> None:
    """Wait for ``GET /health`` to answer; uvicorn answers only after the app's start-up."""
    deadline = time.monotonic() + timeout
    while True:
        assert server.poll() is None, output_tail(server)
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"luna serve at {url} did not start"
        time.sleep(0.2)


def serve_command(port: int) -> list[str]:
    return ["serve", "--port", str(port)]


@contextmanager
def running(process: subprocess.Popen) -> Iterator[subprocess.Popen]:
    """Stop ``process`` on the way out, however the block ends."""
    try:
        yield process
    finally:
        stop(process)


@contextmanager
def luna_serve(database_url: str, home: Path, **env: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """``luna serve`` in a process of its own (see :func:`spawn`); its base URL once it
    answers."""
    port = free_port()
    with running(spawn(serve_command(port), database_url, home, **env)) as server:
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(url, server)
        yield url, server


def login(http: httpx.Client, username: str) -> None:
    """Log ``http`` in: its requests carry the user's bearer token from now on."""
    token = http.post("/auth/token", data={"username": username, "password": PASSWORD})
    assert token.status_code == 200, token.text
    http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"


def poll_job(
    http: httpx.Client,
    job_id: int,
    until: Callable[[dict[str, Any]], bool],
    timeout: float = 240.0,
) -> dict[str, Any]:
    """Poll ``GET /jobs/{id}`` (as an admin) until ``until(job)``."""
    deadline = time.monotonic() + timeout
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        job = http.get(f"/jobs/{job_id}").json()
        if until(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} never got there: {job}")
