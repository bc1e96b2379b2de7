"""The MQTT topic convention for meter readings, shared by publishers and the connector."""

from __future__ import annotations

TOPIC_FILTER = "luna/meters/+/reading"


def reading_topic(meter_id: str) -> str:
    return f"luna/meters/{meter_id}/reading"


def meter_from_topic(topic: str) -> str | None:
    """The meter id of a reading topic, or None if the topic is not one."""
    parts = topic.split("/")
    if len(parts) == 4 and parts[:2] == ["luna", "meters"] and parts[3] == "reading":
        return parts[2] or None
    return None
