"""MQTT connector: meter readings from ``luna/meters/{meter_id}/reading`` into PostgreSQL.

Delivery guarantee: the subscription is QoS 1 on a persistent session (fixed client id,
``clean_session=False``) and messages are acknowledged manually, only after the micro-batch that
holds them is committed. A broker restart or a database outage therefore loses no acknowledged
message; redeliveries are harmless because the upsert is idempotent. Malformed messages and
readings of unknown meters are counted, logged and acknowledged (never retried forever).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from luna.domain.records import Reading
from luna.domain.topics import TOPIC_FILTER, meter_from_topic
from luna.observability.metrics import MQTT_READINGS, MQTT_REJECTED
from luna.store.sql.models import Meter
from luna.store.sql.timeseries import READINGS, upsert_rows

log = logging.getLogger(__name__)


@dataclass
class ConnectorStats:
    """What the admin dashboard shows about the live-ingest connector."""

    connected: bool = False
    received: int = 0
    written: int = 0
    rejected: int = 0
    reconnects: int = 0
    last_message_at: datetime | None = None
    last_error: str | None = None
    started_at: float = field(default_factory=time.monotonic)
    # (whole second, messages received in it) for the recent rate; a handful of entries.
    _per_second: deque[list[int]] = field(default_factory=deque, repr=False)

    def count_message(self, now: float | None = None) -> None:
        self.received += 1
        self.last_message_at = datetime.now(UTC)
        second = int(now if now is not None else time.monotonic())
        if self._per_second and self._per_second[-1][0] == second:
            self._per_second[-1][1] += 1
        else:
            self._per_second.append([second, 1])
            while len(self._per_second) > 64:
                self._per_second.popleft()

    def messages_per_second(self) -> float:
        """Average since the connector started."""
        elapsed = time.monotonic() - self.started_at
        return self.received / elapsed if elapsed > 0 else 0.0

    def recent_messages_per_second(self, window_s: int = 10, now: float | None = None) -> float:
        """Messages per second over the last ``window_s`` whole seconds: what flows right now."""
        current = int(now if now is not None else time.monotonic())
        recent = sum(n for second, n in list(self._per_second) if current - window_s < second)
        return recent / window_s


class MqttReadingConnector:
    """Subscribes, validates, writes micro-batches, then acknowledges."""

    def __init__(
        self,
        engine: Engine,
        *,
        host: str,
        port: int,
        timezone: str,
        client_id: str = "luna-ingest",
        batch_size: int = 500,
        flush_interval_s: float = 0.5,
    ) -> None:
        self._engine = engine
        self._host, self._port = host, port
        self._timezone = timezone
        self._batch_size = batch_size
        self._flush_interval_s = flush_interval_s
        self.stats = ConnectorStats()
        self._pending: list[tuple[int, int, tuple[Any, ...]]] = []  # (mid, qos, row)
        self._known_meters: set[str] = set()
        self._lock = threading.Condition()
        self._stopping = threading.Event()
        self._flusher: threading.Thread | None = None
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=False,
            manual_ack=True,
        )
        self._client.reconnect_delay_set(min_delay=1, max_delay=10)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        self._stopping.clear()
        self._client.connect_async(self._host, self._port, keepalive=30)
        self._client.loop_start()
        self._flusher = threading.Thread(target=self._flush_loop, name="mqtt-flush", daemon=True)
        self._flusher.start()

    @property
    def running(self) -> bool:
        return self._flusher is not None and self._flusher.is_alive()

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            self._lock.notify_all()
        if self._flusher is not None:
            self._flusher.join(timeout=10)
        self.flush()
        self._client.disconnect()
        self._client.loop_stop()

    # --- MQTT callbacks (network thread) --------------------------------------------------

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        if reason.is_failure:
            self.stats.last_error = f"connect refused: {reason}"
            return
        if self.stats.connected or self.stats.received:
            self.stats.reconnects += 1
        self.stats.connected = True
        client.subscribe(TOPIC_FILTER, qos=1)
        log.info("mqtt connected to %s:%s, subscribed to %s", self._host, self._port, TOPIC_FILTER)

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        self.stats.connected = False
        if not self._stopping.is_set():
            self.stats.last_error = f"disconnected: {reason}"
            log.warning("mqtt disconnected (%s); reconnecting", reason)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self.stats.count_message()
        row = self._parse(message)
        if row is None:
            self.stats.rejected += 1
            MQTT_REJECTED.labels("malformed").inc()
            client.ack(message.mid, message.qos)
            return
        with self._lock:
            self._pending.append((message.mid, message.qos, row))
            # Wake the writer at once: the broker sends only a window of unacknowledged
            # messages (mosquitto: max_inflight_messages, 20 by default), so waiting for a
            # full batch would throttle the stream. Batches size themselves to the backlog.
            self._lock.notify()

    def _parse(self, message: mqtt.MQTTMessage) -> tuple[Any, ...] | None:
        meter_id = meter_from_topic(message.topic)
        if meter_id is None:
            log.warning("rejected message on unexpected topic %r", message.topic)
            return None
        try:
            payload = json.loads(message.payload)
            if not isinstance(payload, dict):
                raise ValueError("payload is not a JSON object")
            reading = Reading.model_validate(
                {**payload, "meter_id": meter_id}, context={"timezone": self._timezone}
            )
        except (ValueError, ValidationError) as exc:  # JSONDecodeError is a ValueError
            log.warning("rejected malformed reading on %s: %s", message.topic, exc)
            return None
        return reading.row()

    # --- writing (flusher thread) ---------------------------------------------------------

    def _flush_loop(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                if not self._pending:
                    self._lock.wait(timeout=self._flush_interval_s)
            self.flush()

    def flush(self) -> None:
        """Write pending readings in one transaction, then acknowledge their messages."""
        with self._lock:
            batch, self._pending = (
                self._pending[: self._batch_size],
                self._pending[self._batch_size :],
            )
        if not batch:
            return
        try:
            known = self._meters_known({row[0] for _, _, row in batch})
            rows = [row for _, _, row in batch if row[0] in known]
            if rows:
                with self._engine.begin() as conn:
                    upsert_rows(conn, READINGS, rows)
        except SQLAlchemyError as exc:
            # Not acknowledged: put back and retry; the broker keeps them meanwhile.
            self.stats.last_error = f"database: {exc.__class__.__name__}"
            log.error("mqtt batch of %d not written, will retry: %s", len(batch), exc)
            with self._lock:
                self._pending[:0] = batch
            time.sleep(1.0)
            return
        unknown = len(batch) - len(rows)
        if unknown:
            self.stats.rejected += unknown
            MQTT_REJECTED.labels("unknown_meter").inc(unknown)
            log.warning("rejected %d readings of unknown meters", unknown)
        self.stats.written += len(rows)
        MQTT_READINGS.inc(len(rows))
        for mid, qos, _ in batch:
            self._client.ack(mid, qos)

    def _meters_known(self, meter_ids: set[str]) -> set[str]:
        missing = meter_ids - self._known_meters
        if missing:
            with self._engine.connect() as conn:
                found = conn.scalars(select(Meter.meter_id).where(Meter.meter_id.in_(missing)))
                self._known_meters.update(found)
        return meter_ids & self._known_meters
