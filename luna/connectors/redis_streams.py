"""Redis Streams connector: readings appended to a stream, consumed by a consumer group.

One entry is one reading, either as one field ``data`` holding a JSON object
(``{"meter_id": "M-001", "ts": "...", "consumption_kwh": 0.12}``) or as flat fields
(``meter_id``, ``ts``, ``consumption_kwh``, optional ``production_kwh``/``interval_minutes``).
``meter_id`` is an external point id (:class:`~luna.connectors.base.PointMap`).

Delivery: ``XREADGROUP`` puts each entry in this consumer's pending list; it is ``XACK``-ed only
after the batch holding it is committed (:class:`luna.connectors.base.Connector`). On start the
consumer first re-reads its own pending entries (a restart under the same name), then claims
(``XAUTOCLAIM``) entries that have been pending longer than ``claim_idle_ms`` with any other
consumer (one that crashed), and keeps claiming periodically. Re-processing is a no-op thanks to
the idempotent upsert: at-least-once delivery, no duplicate rows.

A malformed entry (or one of an unknown meter) is counted, logged, copied to a dead-letter stream
(``<stream>:dead`` by default, with ``error``, ``entry_id`` and ``stream`` fields added) and
acknowledged in the same ``MULTI`` transaction; it never stops the feed.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Sequence
from typing import Any

import redis
from sqlalchemy import Engine

from luna.connectors.base import (
    Connector,
    ConnectorConfig,
    PointMap,
    RejectError,
    Row,
    chunks,
    json_object,
    parse_reading,
)

log = logging.getLogger(__name__)

DEAD_LETTER_MAXLEN = 100_000  # approximate trim: the dead letters of a bad day, not forever
Token = tuple[str, dict[str, str]]  # entry id, fields (for the dead-letter copy)


def parse_entry(fields: dict[str, str], config: ConnectorConfig) -> Row:
    """One stream entry → a reading row; raises :class:`RejectError`."""
    payload: dict[str, Any] = (
        json_object(fields["data"], "data") if "data" in fields else dict(fields)
    )
    meter = payload.get("meter_id")
    if not isinstance(meter, str) or not meter:
        raise RejectError("no meter_id")
    return parse_reading(meter, payload, config)


class RedisStreamConnector(Connector):
    """Consumes a stream in a consumer group; acknowledges after the database commit."""

    name = "redis"

    def __init__(
        self,
        engine: Engine,
        *,
        url: str,
        stream: str,
        group: str = "luna-ingest",
        consumer: str | None = None,
        timezone: str,
        dead_letter_stream: str | None = None,
        claim_idle_ms: int = 30_000,
        claim_every_s: float = 10.0,
        block_ms: int = 500,
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
        self.url, self.stream, self.group = url, stream, group
        self.consumer = consumer or socket.gethostname()
        self.dead_letter_stream = dead_letter_stream or f"{stream}:dead"
        self.claim_idle_ms = claim_idle_ms
        self.claim_every_s = claim_every_s
        self.block_ms = block_ms
        self.claimed = 0
        self.dead_lettered = 0
        self._redis: redis.Redis | None = None
        self._reader: threading.Thread | None = None
        self._halting = threading.Event()
        self._in_flight: set[str] = set()  # submitted, not yet acknowledged
        self._in_flight_lock = threading.Lock()

    # --- lifecycle ---------------------------------------------------------------------------

    def _open(self) -> None:
        self._halting.clear()
        with self._in_flight_lock:
            self._in_flight.clear()
        self._redis = redis.Redis.from_url(
            self.url, decode_responses=True, socket_timeout=max(5.0, self.block_ms / 1000 + 5)
        )
        self._reader = threading.Thread(target=self._read_loop, name="redis-reader", daemon=True)
        self._reader.start()

    def _halt(self) -> None:
        self._halting.set()
        if self._reader is not None:
            self._reader.join(timeout=30)

    def _close(self) -> None:
        if self._redis is not None:
            self._redis.close()

    def _client(self) -> redis.Redis:
        assert self._redis is not None, "not started"
        return self._redis

    # --- reading (reader thread) ---------------------------------------------------------

    def _read_loop(self) -> None:
        ready = False
        next_claim = 0.0
        while not self._halting.is_set():
            try:
                if not ready:
                    self._prepare()
                    ready = True
                    self._read_own_pending()
                if time.monotonic() >= next_claim:
                    self._claim_abandoned()
                    next_claim = time.monotonic() + self.claim_every_s
                response: Any = self._client().xreadgroup(
                    self.group,
                    self.consumer,
                    {self.stream: ">"},
                    count=self.config.batch_size,
                    block=self.block_ms,
                )
                for _stream, entries in response or []:
                    self._handle(entries)
            except redis.RedisError as exc:
                ready = False
                if self.stats.connected:
                    self.stats.reconnects += 1
                self.stats.connected = False
                self.stats.error(f"redis: {exc.__class__.__name__}: {exc}"[:200])
                log.warning("redis stream %s: %s; retrying", self.stream, exc)
                self._halting.wait(1.0)

    def _prepare(self) -> None:
        r = self._client()
        try:  # from the stream's first entry: what was appended before the group existed counts
            r.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self.stats.connected = True
        log.info(
            "redis connected: stream %s, group %s as %s", self.stream, self.group, self.consumer
        )

    def _read_own_pending(self) -> None:
        """Entries delivered to this consumer name before a restart and never acknowledged."""
        last = "0"
        while not self._halting.is_set():
            response: Any = self._client().xreadgroup(
                self.group, self.consumer, {self.stream: last}, count=self.config.batch_size
            )
            entries = response[0][1] if response else []
            if not entries:
                return
            self._handle(entries)
            last = entries[-1][0]

    def _claim_abandoned(self) -> None:
        """Take over entries another consumer read but has not acknowledged for too long."""
        cursor = "0-0"
        while not self._halting.is_set():
            result: Any = self._client().xautoclaim(
                self.stream,
                self.group,
                self.consumer,
                min_idle_time=self.claim_idle_ms,
                start_id=cursor,
                count=self.config.batch_size,
            )
            cursor, entries = result[0], result[1]
            deleted = result[2] if len(result) > 2 else []
            if deleted:  # trimmed from the stream while pending: nothing left to write
                self._client().xack(self.stream, self.group, *deleted)
            with self._in_flight_lock:
                fresh = [e for e in entries if e[0] not in self._in_flight]
            if fresh:
                self.claimed += len(fresh)
                log.info("redis claimed %d abandoned entries of %s", len(fresh), self.stream)
                self._handle(fresh)
            if cursor in ("0-0", b"0-0"):
                return

    def _handle(self, entries: Sequence[tuple[str, dict[str, str] | None]]) -> None:
        self.stats.count_message(n=len(entries))
        for entry_id, fields in entries:
            if fields is None:  # deleted while pending
                self._client().xack(self.stream, self.group, entry_id)
                continue
            token: Token = (entry_id, fields)
            try:
                row = parse_entry(fields, self.config)
            except RejectError as exc:
                self.reject(token, str(exc), source=f"{self.stream} {entry_id}", counted=True)
                continue
            with self._in_flight_lock:
                self._in_flight.add(entry_id)
            if not self.submit(row, token, counted=True):
                return  # stopping: the rest stays pending and comes back

    # --- acknowledgement (writer thread) -------------------------------------------------

    def _ack(self, tokens: Sequence[Any]) -> None:
        ids = [entry_id for entry_id, _ in tokens]
        r = self._client()
        for part in chunks(ids, 1000):
            r.xack(self.stream, self.group, *part)
        with self._in_flight_lock:
            self._in_flight.difference_update(ids)

    def _reject(self, tokens: Sequence[Any], reason: str) -> None:
        """Copy to the dead-letter stream and acknowledge, in one MULTI transaction."""
        pipe = self._client().pipeline(transaction=True)
        for entry_id, fields in tokens:
            pipe.xadd(
                self.dead_letter_stream,
                {**fields, "error": reason[:500], "entry_id": entry_id, "stream": self.stream},
                maxlen=DEAD_LETTER_MAXLEN,
                approximate=True,
            )
            pipe.xack(self.stream, self.group, entry_id)
        pipe.execute()
        self.dead_lettered += len(tokens)
        with self._in_flight_lock:
            self._in_flight.difference_update(entry_id for entry_id, _ in tokens)

    # --- state ---------------------------------------------------------------------------

    def pending(self) -> int | None:
        """Entries the group has delivered and not yet acknowledged (all consumers)."""
        if self._redis is None:
            return None
        try:
            info = self._redis.xpending(self.stream, self.group)
        except redis.RedisError:
            return None
        return int(info["pending"])

    def _extra_status(self) -> dict[str, Any]:
        return {
            "peer": self.url.rsplit("@", 1)[-1],  # never the password
            "stream": self.stream,
            "group": self.group,
            "consumer": self.consumer,
            "pending": self.pending() if self.stats.connected else None,
            "claimed": self.claimed,
            "dead_letter_stream": self.dead_letter_stream,
            "dead_lettered": self.dead_lettered,
        }
