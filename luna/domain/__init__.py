"""Domain records shared by every way data enters Luna (API, MQTT, simulators)."""
