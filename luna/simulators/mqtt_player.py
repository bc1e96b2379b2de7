"""Plays simulated meter readings out over MQTT, in accelerated time (QoS 1).

It publishes what a fleet of real smart-meter gateways would: one JSON message per meter and
interval on ``luna/meters/{meter_id}/reading``.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable

import paho.mqtt.client as mqtt
import pandas as pd
from paho.mqtt.enums import CallbackAPIVersion

from luna.domain.topics import reading_topic
from luna.simulators.simulate_smart_meter import MeterSpec, simulate_fleet


def reading_message(row: pd.Series) -> bytes:
    return json.dumps(
        {
            "ts": row["ts"].isoformat(),
            "interval_minutes": int(row["interval_minutes"]),
            "consumption_kwh": float(row["consumption_kwh"]),
            "production_kwh": float(row["production_kwh"]),
        }
    ).encode()


def play(
    specs: list[MeterSpec],
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    host: str,
    port: int,
    seed: int,
    speed: float = 0.0,
    on_step: Callable[[pd.Timestamp, int], None] | None = None,
) -> int:
    """Publish every interval of ``[start, end)``; ``speed`` = simulated seconds per real
    second (900: a quarter-hour per second; 0: as fast as the broker acknowledges).

    Returns the number of messages the broker acknowledged.
    """
    frame = pd.concat(list(simulate_fleet(specs, start, end, seed=seed)), ignore_index=True)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"luna-sim-{uuid.uuid4().hex[:8]}")
    client.max_queued_messages_set(0)
    client.connect(host, port, keepalive=30)
    client.loop_start()
    sent = 0
    try:
        began = time.monotonic()
        first = frame["ts"].min()
        for _, step in frame.groupby("ts", sort=True):
            ts: pd.Timestamp = step["ts"].iloc[0]
            if speed > 0:
                due = (ts - first).total_seconds() / speed
                delay = due - (time.monotonic() - began)
                if delay > 0:
                    time.sleep(delay)
            infos = [
                client.publish(reading_topic(row["meter_id"]), reading_message(row), qos=1)
                for _, row in step.iterrows()
            ]
            for info in infos:
                info.wait_for_publish(timeout=30)
            sent += len(infos)
            if on_step is not None:
                on_step(ts, len(infos))
    finally:
        client.disconnect()
        client.loop_stop()
    return sent
