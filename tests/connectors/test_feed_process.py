"""``luna feed`` as a process of its own on the real PostgreSQL: it writes readings and its
status row, an API with the feed off (``LUNA_FEED_IN_API=false``) shows that status (stale once
the process is killed), and SIGTERM stops it cleanly: what it read is committed and
acknowledged (nothing pending in the Redis consumer group), exit status 0."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from luna.api.app import create_app
from luna.cli.main import app as cli
from luna.config import DataSourceKind, Settings, get_settings
from luna.connectors.base import Health
from luna.connectors.feed import this_process
from luna.store.factory import Stores
from luna.store.sql.models import FeedStatus, SmartMeterReading
from tests.api.conftest import login, users  # noqa: F401 (a fixture)
from tests.connectors.test_redis_streams import METERS, add_meters, append, pending
from tests.processes import output_tail, spawn, stop

# Kills, stops and deadlines of real processes: run alone, never beside another test worker.
pytestmark = pytest.mark.serial

BEAT_S = 0.5  # LUNA_FEED_STATUS_EVERY_S of the feed process: stale after 1.5 s


def _wait(
    condition: Callable[[], Any], process: subprocess.Popen[bytes], timeout: float = 40
) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, output_tail(process)
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"condition not met in time\n{output_tail(process)}")


def _row(stores: Stores) -> FeedStatus | None:
    with stores.sessions() as s:
        return s.scalars(select(FeedStatus)).one_or_none()


def _readings(stores: Stores) -> int:
    with stores.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(SmartMeterReading)) or 0)


def _feed(database_url: str, home: Path, source: str, **env: str) -> subprocess.Popen[bytes]:
    return spawn(
        ["feed", "--heartbeat-file", str(home / "beat")],
        database_url,
        home,
        LUNA_DATA_SOURCE=source,
        LUNA_FEED_IN_API="false",
        LUNA_FEED_STATUS_EVERY_S=str(BEAT_S),
        **env,
    )


def _simulator(database_url: str, home: Path) -> subprocess.Popen[bytes]:
    return _feed(
        database_url,
        home,
        "simulator",
        LUNA_SIMULATOR_METERS="2",
        LUNA_SIMULATOR_HISTORY_DAYS="1",
    )


def _feed_status_command(monkeypatch: pytest.MonkeyPatch, database_url: str) -> tuple[int, Any]:
    """``luna feed status --json`` as an API replica's host would run it: exit code, state."""
    monkeypatch.setenv("LUNA_DATABASE_URL", database_url)
    monkeypatch.setenv("LUNA_DATA_SOURCE", "simulator")
    monkeypatch.setenv("LUNA_FEED_STATUS_EVERY_S", str(BEAT_S))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["feed", "status", "--json"])
    finally:
        get_settings.cache_clear()
    return result.exit_code, json.loads(result.stdout)


def _api_without_feed(settings: Settings, stores: Stores) -> TestClient:
    off = settings.model_copy(
        update={
            "data_source": DataSourceKind.SIMULATOR,
            "feed_in_api": False,
            "feed_status_every_s": BEAT_S,
        }
    )
    return TestClient(create_app(off, stores))


def test_the_feed_process_writes_readings_and_every_replica_reads_its_status(
    database_url: str,
    settings: Settings,
    clean_db: Stores,
    users: dict[str, str],  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    feed = _simulator(database_url, tmp_path)
    try:
        row = _wait(
            lambda: (r := _row(clean_db)) is not None and r.status["rows_written"] > 0 and r,
            feed,
        )
        assert row.kind == "simulator"
        assert row.process.endswith(f":{feed.pid}")
        written = row.status["rows_written"]
        assert _readings(clean_db) == written  # the stored counter is what reached the table
        assert (tmp_path / "beat").stat().st_mtime > time.time() - 5 * BEAT_S
        with _api_without_feed(settings, clean_db) as client:
            assert client.app.state.feed is None  # type: ignore[attr-defined]
            admin = login(client, users["admin"])
            state = client.get("/admin/data/source", headers=admin).json()
            assert state["configured"] == "simulator"
            shown = state["state"]
            assert (shown["source"], shown["running"], shown["stale"]) == ("simulator", True, False)
            assert shown["health"] == Health.OK.value
            assert shown["process"] == row.process
            assert shown["rows_written"] == written
            assert shown["heartbeat_age_s"] < 3 * BEAT_S
            assert client.get("/data/source", headers=admin).json()["process"] == row.process
            # Another process runs the feed: this replica cannot pause it.
            refused = client.post("/admin/data/source/stop", headers=admin)
            assert refused.status_code == 409
            assert "luna feed" in refused.json()["detail"]
        code, state = _feed_status_command(monkeypatch, database_url)
        assert (code, state["process"], state["running"]) == (0, row.process, True)
        feed.send_signal(signal.SIGTERM)
        assert feed.wait(timeout=30) == 0, output_tail(feed)
    finally:
        stop(feed)
    row = _row(clean_db)
    assert row is not None
    assert (row.state, row.status["running"]) == (Health.STOPPED.value, False)
    code, state = _feed_status_command(monkeypatch, database_url)
    assert (code, state["health"], state["stale"]) == (1, Health.STOPPED.value, False)
    assert _readings(clean_db) == row.status["rows_written"]


def test_a_killed_feed_is_shown_stale_and_not_running(
    database_url: str,
    settings: Settings,
    clean_db: Stores,
    users: dict[str, str],  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    feed = _simulator(database_url, tmp_path)
    try:
        _wait(lambda: (r := _row(clean_db)) is not None and r.status["running"], feed)
        feed.send_signal(signal.SIGKILL)
        feed.wait(timeout=10)
    finally:
        stop(feed)
    with _api_without_feed(settings, clean_db) as client:
        admin = login(client, users["admin"])
        fresh = client.get("/admin/data/source", headers=admin).json()["state"]
        time.sleep(3 * BEAT_S + 0.5)
        gone = client.get("/admin/data/source", headers=admin).json()["state"]
    assert (fresh["running"], fresh["stale"]) == (True, False)  # killed before its last beat aged
    assert (gone["running"], gone["stale"], gone["health"]) == (False, True, Health.STALE.value)
    assert gone["heartbeat_age_s"] > 3 * BEAT_S


def test_sigterm_commits_and_acknowledges_what_the_feed_has_read(
    database_url: str, clean_db: Stores, redis_url: str, stream: str, tmp_path: Path
) -> None:
    add_meters(clean_db, *METERS)
    r = redis.Redis.from_url(redis_url)
    n = 20_000
    append(r, stream, n)
    group = "luna-feed-test"
    feed = _feed(
        database_url,
        tmp_path,
        "redis",
        LUNA_REDIS_URL=redis_url,
        LUNA_REDIS_STREAM=stream,
        LUNA_REDIS_GROUP=group,
        LUNA_CONNECTOR_BATCH_SIZE="200",
    )
    try:
        _wait(lambda: _readings(clean_db) > 0, feed)  # mid-stream: stop it while it reads
        feed.send_signal(signal.SIGTERM)
        assert feed.wait(timeout=30) == 0, output_tail(feed)
    finally:
        stop(feed)
    row = _row(clean_db)
    assert row is not None
    assert row.kind == "redis"
    assert row.state == Health.STOPPED.value
    assert pending(r, stream, group) == 0  # every entry read was committed, then acknowledged
    assert _readings(clean_db) == row.status["written"] > 0
    assert row.status["rejected"] == 0


def test_an_api_running_the_feed_itself_stores_its_status_too(
    settings: Settings, clean_db: Stores
) -> None:
    live = settings.model_copy(
        update={
            "data_source": DataSourceKind.SIMULATOR,
            "simulator_meters": 1,
            "simulator_history_days": 1,
            "feed_status_every_s": BEAT_S,
        }
    )
    with TestClient(create_app(live, clean_db)):
        deadline = time.monotonic() + 30
        while (row := _row(clean_db)) is None or not row.status["rows_written"]:
            assert time.monotonic() < deadline, "no status stored"
            time.sleep(0.1)
        assert row.process == this_process()
        assert row.state == Health.OK.value
    stopped = _row(clean_db)
    assert stopped is not None
    assert stopped.state == Health.STOPPED.value  # the API's shutdown stored the last status


def test_the_feed_command_refuses_to_run_without_a_source(
    database_url: str, tmp_path: Path
) -> None:
    feed = _feed(database_url, tmp_path, "none")
    try:
        assert feed.wait(timeout=30) == 2
        assert "LUNA_DATA_SOURCE=none" in output_tail(feed)
    finally:
        stop(feed)


def test_a_second_feed_stands_by_and_takes_over_when_the_first_is_killed(
    database_url: str, clean_db: Stores, tmp_path: Path
) -> None:
    """Two ``luna feed`` processes (a Deployment scaled to two): one runs the source, the other
    waits on the feed's lock and runs it the moment the first is killed (kill -9: PostgreSQL
    frees the lock with the dead process's connection)."""
    (first_home := tmp_path / "first").mkdir()
    (second_home := tmp_path / "second").mkdir()
    first = _simulator(database_url, first_home)
    second = None
    try:
        _wait(lambda: (r := _row(clean_db)) is not None and r.status["running"], first)
        second = _simulator(database_url, second_home)
        _wait(lambda: "standing by" in output_tail(second), second)
        time.sleep(3 * BEAT_S)  # beats the standby could have stored: none
        row = _row(clean_db)
        assert row is not None
        assert row.process.endswith(f":{first.pid}")
        # A standby is alive for its liveness probe (it reaches the database every beat).
        assert (second_home / "beat").stat().st_mtime > time.time() - 5 * BEAT_S
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        taken = _wait(
            lambda: (
                (r := _row(clean_db)) is not None
                and r.process.endswith(f":{second.pid}")
                and r.status["running"]
                and r
            ),
            second,
            timeout=20,
        )
        assert taken.state == Health.OK.value
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0, output_tail(second)
    finally:
        stop(first)
        if second is not None:
            stop(second)


def test_api_replicas_with_the_feed_on_run_it_once(
    settings: Settings,
    clean_db: Stores,
    users: dict[str, str],  # noqa: F811 (the fixture imported above)
) -> None:
    """Two replicas with LUNA_FEED_IN_API on: the second stands by, shows the first's status
    from the database, refuses to pause a feed it does not run, and runs it once the first
    shuts down."""
    live = settings.model_copy(
        update={
            "data_source": DataSourceKind.SIMULATOR,
            "simulator_meters": 1,
            "simulator_history_days": 1,
            "feed_status_every_s": BEAT_S,
        }
    )
    first = TestClient(create_app(live, clean_db))
    first.__enter__()
    first_up = True
    try:
        assert first.app.state.feed.active  # type: ignore[attr-defined]
        with TestClient(create_app(live, clean_db)) as second:
            standby = second.app.state.feed  # type: ignore[attr-defined]
            assert not standby.active
            assert not standby.source.status()["running"]
            admin = login(second, users["admin"])
            shown = second.get("/admin/data/source", headers=admin).json()["state"]
            assert shown["process"] == this_process()
            assert shown["running"] is True
            refused = second.post("/admin/data/source/stop", headers=admin)
            assert refused.status_code == 409
            assert "another API replica" in refused.json()["detail"]
            first.__exit__(None, None, None)
            first_up = False
            deadline = time.monotonic() + 10 * BEAT_S
            while not standby.active:
                assert time.monotonic() < deadline, "the standby never took the feed over"
                time.sleep(0.1)
            assert standby.source.status()["running"]
            paused = second.post("/admin/data/source/stop", headers=admin)
            assert paused.status_code == 200
            assert paused.json()["state"]["running"] is False
    finally:
        if first_up:
            first.__exit__(None, None, None)
