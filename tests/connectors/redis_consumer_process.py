"""A Redis Streams consumer in a process of its own, for the crash test (killed with SIGKILL).

python -m tests.connectors.redis_consumer_process DB_URL REDIS_URL STREAM GROUP CONSUMER
"""

from __future__ import annotations

import sys
import threading

from sqlalchemy import create_engine

from luna.connectors.redis_streams import RedisStreamConnector


def main() -> None:
    db_url, redis_url, stream, group, consumer = sys.argv[1:6]
    engine = create_engine(db_url)
    connector = RedisStreamConnector(
        engine,
        url=redis_url,
        stream=stream,
        group=group,
        consumer=consumer,
        timezone="Europe/Berlin",
        batch_size=100,
        queue_size=2_000,
        flush_interval_s=0.05,
    )
    connector.start()
    print("started", flush=True)
    threading.Event().wait()  # until killed


if __name__ == "__main__":
    main()
