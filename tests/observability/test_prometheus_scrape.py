"""The real Prometheus (Debian's binary) scrapes a running Luna API with the repo's config.

The API runs under uvicorn on a free port, Prometheus with ``deploy/prometheus/prometheus.yml``
(target and interval pointed at the test API); the test waits until Prometheus reports the
target up, then queries a Luna metric through Prometheus's HTTP API.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import yaml

from luna.api.app import create_app
from luna.config import Settings
from luna.store.factory import Stores
from tests.observability.conftest import value

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"

pytestmark = pytest.mark.skipif(
    not Path(PROMETHEUS).is_file(),
    reason="the prometheus binary is not installed (apt-get install -y prometheus)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Any, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}: {last!r}")


@pytest.fixture
def api_url(settings: Settings, clean_db: Stores, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    app = create_app(settings.model_copy(update={"home": tmp_path}), clean_db)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: httpx.get(f"{url}/health").status_code == 200, 60, "the API")
    yield url
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture
def prometheus_url(api_url: str, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    config["global"].update(scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s")
    for job in config["scrape_configs"]:
        target = api_url.removeprefix("http://") if job["job_name"] == "luna-api" else None
        job["static_configs"][0]["targets"] = [target or f"127.0.0.1:{port}"]
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    process = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={path}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: httpx.get(f"{url}/-/ready").status_code == 200, 60, "Prometheus")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_prometheus_scrapes_luna_and_a_luna_metric_is_queryable(api_url: str, prometheus_url: str):
    def luna_target_up() -> bool:
        targets = httpx.get(f"{prometheus_url}/api/v1/targets").json()["data"]["activeTargets"]
        luna = [t for t in targets if t["labels"]["job"] == "luna-api"]
        return bool(luna) and luna[0]["health"] == "up"

    wait_for(luna_target_up, 60, "the luna-api target to be up")
    before = value("luna_http_requests_total", method="GET", route="/auth/me", status="401")
    for _ in range(3):
        assert httpx.get(f"{api_url}/auth/me").status_code == 401

    def unauthorised_requests() -> float:
        query = 'sum(luna_http_requests_total{route="/auth/me",status="401"})'
        result = httpx.get(f"{prometheus_url}/api/v1/query", params={"query": query}).json()
        assert result["status"] == "success", result
        samples = result["data"]["result"]
        return float(samples[0]["value"][1]) if samples else 0.0

    wait_for(lambda: unauthorised_requests() == before + 3, 30, "the three requests, scraped")
    build = httpx.get(f"{prometheus_url}/api/v1/query", params={"query": "luna_build_info"}).json()
    (series,) = build["data"]["result"]
    assert series["metric"]["job"] == "luna-api"
    assert series["metric"]["service"] == "luna-api"
