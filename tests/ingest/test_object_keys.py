"""Object keys per ingest run: unique per run, and parseable in both layouts by the drift check."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from luna.ingest.object_keys import key_item, key_started, version_keys
from luna.store.objects.base import validate_key

ITEM = uuid.UUID("6f1c2a4e-0000-4000-8000-000000000001")
STARTED = datetime(2026, 12, 3, 10, 15, 0, 123456, tzinfo=UTC)


def test_two_runs_of_the_same_item_and_file_get_different_valid_keys():
    first = version_keys(ITEM, "Tarif 2026.pdf", now=STARTED)
    second = version_keys(ITEM, "Tarif 2026.pdf", now=STARTED)

    assert first != second
    for key in (first.raw, first.processed, second.raw, second.processed):
        assert validate_key(key) == key
    assert first.raw.startswith(f"raw/{ITEM}/20261203T101500123456Z-")
    assert first.raw.endswith("/Tarif 2026.pdf")
    assert first.processed.startswith(f"processed/{ITEM}/20261203T101500123456Z-")


def test_keys_name_their_item_and_run_start_in_either_layout():
    keys = version_keys(ITEM, "a.txt", now=STARTED)

    for key in (keys.raw, keys.processed, f"raw/{ITEM}/a.txt", f"processed/{ITEM}.json"):
        assert key_item(key) == str(ITEM)
    assert key_started(keys.raw) == key_started(keys.processed) == STARTED
    # The earlier layout, and a file name that merely looks like a run, carry no start.
    assert key_started(f"raw/{ITEM}/a.txt") is None
    assert key_started(f"processed/{ITEM}.json") is None
    assert key_started(f"raw/{ITEM}/20261203T101500123456Z-0123abcd") is None
    assert key_started("raw/not-an-item/x.txt") is None
