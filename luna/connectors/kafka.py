"""Kafka / Redpanda connector: readings on a topic, consumed in a consumer group.

One record is one reading, its value a JSON object
(``{"meter_id": "M-001", "ts": "...", "consumption_kwh": 0.12}``); without ``meter_id`` the
record's key names the point. ``meter_id`` is an external point id
(:class:`~luna.connectors.base.PointMap`).

Client: ``confluent-kafka`` (librdkafka). It is synchronous and thread-safe, which is what the
shared base's reader/writer threads need (aiokafka would need an event loop of its own), it
produced 2× and consumed at least as fast as aiokafka against the same broker (notes/stack.md:
65k vs 29k msg/s), and it is the client whose features (idempotent producer, committed-offset
lookup) worked against every broker we could test.

Delivery: auto-commit and the automatic offset store are off. A reader thread polls and submits
rows with a token (topic, partition, offset, assignment epoch). After the writer has committed a
batch to PostgreSQL, :meth:`KafkaConnector._ack` marks those offsets done, and the partition's
position (the first offset not yet done: offsets of one partition complete in order only as far
as every earlier one is done) is committed to the group, synchronously, by the reader thread
between polls (the consumer is used from that one thread). A crash before that
commit makes the group redeliver from the last committed offset, and the redelivery is a no-op
thanks to the idempotent upsert: at-least-once delivery, no duplicate rows.

Rebalance: when partitions are revoked, the reader waits (``revoke_wait_s``) for their queued
rows to be written, commits what is done and forgets the partitions (a new epoch); a row of a
revoked partition that the writer commits later is *not* acknowledged (its epoch is stale), so
a partition now owned by another consumer never gets an offset committed from here. Lost
partitions (session timeout) are forgotten without a commit.

A malformed record (or one of an unknown meter) is counted, logged, produced to a dead-letter
topic (``<topic>.dead`` by default, original key and value, headers ``error``, ``topic``,
``partition``, ``offset``), then marked done, so it never stops the feed.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import (
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic
from sqlalchemy import Engine

from luna.connectors.base import (
    Connector,
    ConnectorConfig,
    PointMap,
    RejectError,
    Row,
    json_object,
    parse_reading,
)

log = logging.getLogger(__name__)

PartitionKey = tuple[str, int]


@dataclass(frozen=True)
class Token:
    topic: str
    partition: int
    offset: int
    epoch: int
    key: bytes | None = None
    value: bytes | None = None  # kept for the dead-letter copy of an unknown meter's record


@dataclass
class _Partition:
    """Offsets of one assigned partition handed out and not yet committed, in order."""

    epoch: int
    offsets: dict[int, bool] = field(default_factory=dict)  # offset -> done (insertion order)
    committed: int | None = None  # the position last committed from here

    def position(self) -> int | None:
        """Drop the done prefix; the next offset to commit (None: nothing new)."""
        position = None
        while self.offsets:
            first = next(iter(self.offsets))
            if not self.offsets[first]:
                break
            del self.offsets[first]
            position = first + 1
        return position


def parse_record(key: bytes | None, value: bytes | None, config: ConnectorConfig) -> Row:
    """One record → a reading row; raises :class:`RejectError`."""
    if value is None:
        raise RejectError("empty record (tombstone)")
    payload = json_object(value, "value")
    meter = payload.get("meter_id")
    if meter is None and key:
        meter = key.decode("utf-8", "replace")
    if not isinstance(meter, str) or not meter:
        raise RejectError("no meter_id (neither in the value nor as the key)")
    return parse_reading(meter, payload, config)


class KafkaConnector(Connector):
    """Consumes a topic in a consumer group; commits offsets after the database commit."""

    name = "kafka"

    def __init__(
        self,
        engine: Engine,
        *,
        bootstrap: str,
        topic: str,
        group: str = "luna-ingest",
        client_id: str | None = None,
        timezone: str,
        dead_letter_topic: str | None = None,
        options: dict[str, Any] | None = None,
        poll_s: float = 0.5,
        session_timeout_ms: int = 10_000,
        revoke_wait_s: float = 10.0,
        batch_size: int = 500,
        flush_interval_s: float = 0.5,
        queue_size: int = 10_000,
        points: PointMap | None = None,
        instance: str | None = None,
    ) -> None:
        super().__init__(
            engine,
            ConnectorConfig(
                timezone=timezone,
                batch_size=batch_size,
                flush_interval_s=flush_interval_s,
                queue_size=queue_size,
                points=points or PointMap(),
                instance=instance,
            ),
        )
        self.bootstrap, self.topic, self.group = bootstrap, topic, group
        self.client_id = client_id or socket.gethostname()
        # None: <topic>.dead; "": no dead-letter topic (rejected records are only skipped)
        self.dead_letter_topic = f"{topic}.dead" if dead_letter_topic is None else dead_letter_topic
        self.options = dict(options or {})  # extra librdkafka settings (TLS, SASL, ...)
        self.poll_s = poll_s
        self.session_timeout_ms = session_timeout_ms
        self.revoke_wait_s = revoke_wait_s
        self.dead_lettered = 0
        self.rebalances = 0
        self.commits = 0
        self._consumer: Consumer | None = None
        self._producer: Producer | None = None
        self._reader: threading.Thread | None = None
        self._halting = threading.Event()
        self._closing = False
        self._epoch = 0
        self._partitions: dict[PartitionKey, _Partition] = {}
        self._ready: dict[PartitionKey, tuple[int, int]] = {}  # written: (epoch, position)
        self._lock = threading.Condition()

    # --- lifecycle ---------------------------------------------------------------------------

    def _common(self) -> dict[str, Any]:
        return {"bootstrap.servers": self.bootstrap, "client.id": self.client_id, **self.options}

    def _open(self) -> None:
        self._halting.clear()
        self._closing = False
        with self._lock:
            self._partitions.clear()
            self._ready.clear()
        self._consumer = Consumer(
            {
                **self._common(),
                "group.id": self.group,
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",  # a new group reads what was there before it
                "enable.partition.eof": False,
                # a crashed member's partitions move after this; Tansu also holds a join for
                # about half of it
                "session.timeout.ms": self.session_timeout_ms,
                # backpressure blocks polling while the database is down: stay in the group
                "max.poll.interval.ms": 600_000,
                # take what is there without waiting long: batches size themselves to backlog
                "fetch.wait.max.ms": 100,
            }
        )
        if self.dead_letter_topic:
            self._producer = Producer({**self._common(), "linger.ms": 5, "acks": "all"})
        self._reader = threading.Thread(target=self._read_loop, name="kafka-reader", daemon=True)
        self._reader.start()

    def _halt(self) -> None:
        self._halting.set()
        if self._reader is not None:
            self._reader.join(timeout=30)

    def _close(self) -> None:
        self._closing = True  # the revocation in close() does not wait for the writer
        if self._consumer is not None:
            try:
                self._commit_ready()
                self._consumer.close()
            except (KafkaException, RuntimeError) as exc:
                log.warning("kafka close: %s", exc)
            self._consumer = None
        if self._producer is not None:
            self._producer.flush(10)
            self._producer = None

    def _client(self) -> Consumer:
        assert self._consumer is not None, "not started"
        return self._consumer

    # --- reading (reader thread) -------------------------------------------------------------

    def _read_loop(self) -> None:
        ready = False
        while not self._halting.is_set():
            try:
                if not ready:
                    self._prepare()
                    ready = True
                messages = self._client().consume(
                    num_messages=self.config.batch_size, timeout=self.poll_s
                )
                self._handle(messages)
                try:
                    self._commit_ready()
                except KafkaException as exc:  # e.g. mid-rebalance; a later commit covers it
                    self.stats.error(f"kafka commit: {exc}"[:200])
                    log.warning("kafka commit failed: %s", exc)
            except KafkaException as exc:
                ready = False
                self._disconnected(str(exc))
                self._halting.wait(1.0)

    def _prepare(self) -> None:
        consumer = self._client()
        metadata = consumer.list_topics(timeout=5)  # raises while no broker answers
        if self.dead_letter_topic and self.dead_letter_topic not in metadata.topics:
            self._create_dead_letter_topic()
        consumer.subscribe(
            [self.topic], on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._lost
        )
        if not self.stats.connected:
            self.stats.connected = True
            log.info(
                "kafka connected: %s topic %s, group %s as %s",
                self.bootstrap,
                self.topic,
                self.group,
                self.client_id,
            )

    def _create_dead_letter_topic(self) -> None:
        admin = AdminClient(self._common())
        futures = admin.create_topics([NewTopic(self.dead_letter_topic, num_partitions=1)])
        try:
            futures[self.dead_letter_topic].result(10)
        except KafkaException as exc:  # exists already, or not allowed: producing may still work
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                log.warning("kafka dead-letter topic %s: %s", self.dead_letter_topic, exc)

    def _disconnected(self, reason: str) -> None:
        if self.stats.connected:
            self.stats.reconnects += 1
        self.stats.connected = False
        self.stats.error(f"kafka: {reason}"[:200])
        log.warning("kafka %s: %s; retrying", self.topic, reason)

    def _handle(self, messages: list[Message]) -> None:
        records = []
        for msg in messages:
            error = msg.error()
            if error is None:
                records.append(msg)
            elif error.code() in (KafkaError._ALL_BROKERS_DOWN, KafkaError._TRANSPORT):
                self._disconnected(error.str())
            elif error.fatal():
                raise KafkaException(error)
            else:
                self.stats.error(f"kafka: {error.str()}"[:200])
                log.warning("kafka consumer: %s", error.str())
        if not records:
            return
        self.stats.connected = True
        self.stats.count_message(n=len(records))
        for msg in records:
            topic, partition, offset = msg.topic(), msg.partition(), msg.offset()
            if topic is None or partition is None or offset is None:
                continue  # not a record
            with self._lock:
                part = self._partitions.get((topic, partition))
                if part is None:  # revoked since it was fetched: the new owner reads it
                    continue
                part.offsets[offset] = False
                epoch = part.epoch
            key, value = msg.key(), msg.value()
            key_bytes = key.encode() if isinstance(key, str) else key
            value_bytes = value.encode() if isinstance(value, str) else value
            try:
                row = parse_record(key_bytes, value_bytes, self.config)
            except RejectError as exc:
                token = Token(topic, partition, offset, epoch, key_bytes, value_bytes)
                self.reject(token, str(exc), source=f"{topic}[{partition}]@{offset}", counted=True)
                continue
            token = Token(topic, partition, offset, epoch, key_bytes, value_bytes)
            if not self.submit(row, token, counted=True):
                return  # stopping: not committed, the group redelivers it

    # --- rebalance (reader thread, inside consume) -------------------------------------------

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.rebalances += 1
        with self._lock:
            self._epoch += 1
            for tp in partitions:
                self._partitions[(tp.topic, tp.partition)] = _Partition(self._epoch)
        self.stats.connected = True
        log.info("kafka assigned %s", ", ".join(f"{tp.topic}[{tp.partition}]" for tp in partitions))

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """Give the writer a moment to commit what it holds of these partitions, commit the
        positions that are done, then forget them: later acks of theirs are ignored."""
        keys = {(tp.topic, tp.partition) for tp in partitions}
        deadline = time.monotonic() + (0 if self._closing else self.revoke_wait_s)
        with self._lock:
            while True:
                busy = any(
                    not all(self._partitions[k].offsets.values())
                    for k in keys
                    if k in self._partitions
                )
                left = deadline - time.monotonic()
                if not busy or left <= 0:
                    break
                self._lock.wait(min(left, 0.1))
        try:
            self._commit_ready(keys)
        except KafkaException as exc:  # the group moved on: the new owner re-reads, a no-op
            log.warning("kafka commit on revoke failed: %s", exc)
        self._forget(keys, "revoked")

    def _lost(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self._forget({(tp.topic, tp.partition) for tp in partitions}, "lost")

    def _forget(self, keys: set[PartitionKey], why: str) -> None:
        with self._lock:
            dropped = 0
            for k in keys:
                part = self._partitions.pop(k, None)
                if part is not None:
                    dropped += sum(not done for done in part.offsets.values())
        self.rebalances += 1
        log.info(
            "kafka %s %s (%d records not yet written: not acknowledged here)",
            why,
            ", ".join(f"{t}[{p}]" for t, p in sorted(keys)),
            dropped,
        )

    # --- acknowledgement (writer thread; reader thread for malformed records) ----------------

    def _positions(self, keys: set[PartitionKey] | None) -> list[TopicPartition]:
        """Commit positions for the given partitions (None: all) that moved; under the lock."""
        positions = []
        for k, part in self._partitions.items():
            if keys is not None and k not in keys:
                continue
            position = part.position()
            if position is not None and position != part.committed:
                part.committed = position
                positions.append(TopicPartition(k[0], k[1], position))
        return positions

    def _commit(self, positions: list[TopicPartition]) -> None:
        if not positions or self._consumer is None:
            return
        self._consumer.commit(offsets=positions, asynchronous=False)
        self.commits += 1

    def _done(self, tokens: Sequence[Token]) -> list[TopicPartition]:
        """Mark offsets done; the positions that moved wait for the reader to commit them
        (librdkafka's consumer is used from one thread: a synchronous commit from the writer
        thread while the reader polls hung against Tansu; not diagnosed further)."""
        with self._lock:
            keys = set()
            for t in tokens:
                part = self._partitions.get((t.topic, t.partition))
                if part is None or part.epoch != t.epoch:
                    continue  # revoked (or reassigned anew) meanwhile: not ours to commit
                if t.offset in part.offsets:
                    part.offsets[t.offset] = True
                    keys.add((t.topic, t.partition))
            positions = self._positions(keys)
            for tp in positions:
                key = (tp.topic, tp.partition)
                self._ready[key] = (self._partitions[key].epoch, tp.offset)
            self._lock.notify_all()
        return positions

    def _commit_ready(self, keys: set[PartitionKey] | None = None) -> None:
        """Commit the written positions of still-assigned partitions (reader thread)."""
        with self._lock:
            positions = []
            for key, (epoch, offset) in list(self._ready.items()):
                if keys is not None and key not in keys:
                    continue
                del self._ready[key]
                part = self._partitions.get(key)
                if part is not None and part.epoch == epoch:
                    positions.append(TopicPartition(key[0], key[1], offset))
        self._commit(positions)

    def _ack(self, tokens: Sequence[Any]) -> None:
        self._done(tokens)

    def _reject(self, tokens: Sequence[Any], reason: str) -> None:
        """Copy to the dead-letter topic (delivered before the offset moves), then mark done."""
        producer = self._producer
        if producer is not None:
            for t in tokens:
                producer.produce(
                    self.dead_letter_topic,
                    value=t.value,
                    key=t.key,
                    headers=[
                        ("error", reason[:500].encode()),
                        ("topic", t.topic.encode()),
                        ("partition", str(t.partition).encode()),
                        ("offset", str(t.offset).encode()),
                    ],
                )
            if producer.flush(10) > 0:
                raise KafkaException(KafkaError(KafkaError._TIMED_OUT, "dead-letter not sent"))
            self.dead_lettered += len(tokens)
        self._done(tokens)

    # --- state -------------------------------------------------------------------------------

    def assigned(self) -> list[str]:
        with self._lock:
            return [f"{t}[{p}]" for t, p in sorted(self._partitions)]

    def in_flight(self) -> int:
        with self._lock:
            return sum(
                sum(not done for done in part.offsets.values())
                for part in self._partitions.values()
            )

    def _extra_status(self) -> dict[str, Any]:
        return {
            "peer": self.bootstrap,
            "topic": self.topic,
            "group": self.group,
            "client_id": self.client_id,
            "assigned": self.assigned(),
            "in_flight": self.in_flight(),
            "commits": self.commits,
            "rebalances": self.rebalances,
            "dead_letter_topic": self.dead_letter_topic or None,
            "dead_lettered": self.dead_lettered,
        }
