"""Helpers for reading Prometheus metrics in the observability tests."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from luna.observability.metrics import REGISTRY
from tests.api.conftest import client, users

__all__ = ["client", "scrape", "users", "value"]  # the API fixtures, shared


def scrape(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Samples of a Prometheus text exposition, by (sample name, labels)."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(name: str, **labels: str) -> float:
    """The current value of one sample in the process registry (0 when not observed yet)."""
    found = REGISTRY.get_sample_value(name, labels)
    return found if found is not None else 0.0
