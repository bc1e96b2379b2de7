"""MQTT connector: meter readings from ``luna/meters/{meter_id}/reading`` into PostgreSQL.

Delivery guarantee: the subscription is QoS 1 on a persistent session (fixed client id,
``clean_session=False``) and messages are acknowledged manually, only after the micro-batch that
holds them is committed (:class:`luna.connectors.base.Connector`). A broker restart or a database
outage therefore loses no acknowledged message; redeliveries are harmless because the upsert is
idempotent. Malformed messages and readings of unknown meters are counted, logged and
acknowledged (never retried forever). The topic's meter id is an external point id: a
:class:`~luna.connectors.base.PointMap` may map it to another meter and unit.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Engine

from luna.connectors.base import (
    Connector,
    ConnectorConfig,
    ConnectorStats,
    PointMap,
    RejectError,
    Row,
    json_object,
    parse_reading,
)
from luna.domain.topics import TOPIC_FILTER, meter_from_topic

__all__ = ["ConnectorStats", "MqttReadingConnector"]

log = logging.getLogger(__name__)


class MqttReadingConnector(Connector):
    """Subscribes, validates, writes micro-batches, then acknowledges."""

    name = "mqtt"

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
        self._host, self._port = host, port
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

    def _open(self) -> None:
        self._client.connect_async(self._host, self._port, keepalive=30)
        self._client.loop_start()

    def _halt(self) -> None:
        """Nothing: unsubscribing would end the persistent session's queueing for us."""

    def _close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def _ack(self, tokens: Sequence[Any]) -> None:
        for mid, qos in tokens:
            self._client.ack(mid, qos)

    def _extra_status(self) -> dict[str, Any]:
        return {"peer": f"{self._host}:{self._port}", "topic": TOPIC_FILTER}

    # --- MQTT callbacks (network thread) --------------------------------------------------

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        if reason.is_failure:
            self.stats.error(f"connect refused: {reason}")
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
            self.stats.error(f"disconnected: {reason}")
            log.warning("mqtt disconnected (%s); reconnecting", reason)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        # The writer wakes at once: the broker sends only a window of unacknowledged messages
        # (mosquitto: max_inflight_messages), so waiting for a full batch would throttle it.
        # A full queue blocks this network thread: that is the backpressure.
        token = (message.mid, message.qos)
        try:
            row = self._parse(message)
        except RejectError as exc:
            self.reject(token, str(exc), source=f"on {message.topic}")
            return
        self.submit(row, token)

    def _parse(self, message: mqtt.MQTTMessage) -> Row:
        meter_id = meter_from_topic(message.topic)
        if meter_id is None:
            raise RejectError(f"unexpected topic {message.topic!r}")
        return parse_reading(meter_id, json_object(message.payload, "payload"), self.config)
