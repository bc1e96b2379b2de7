"""Object keys of an item's stored versions: each ingest run writes under keys of its own, so a
new version never overwrites the original and extract of the version still serving.

Layout: ``raw/{item_id}/{run}/{filename}`` and ``processed/{item_id}/{run}.json``, where ``run``
is the UTC time the run began plus a random suffix. Readers take the keys from the item row and
never rebuild them, so items stored under the earlier layout (``raw/{item_id}/{filename}``,
``processed/{item_id}.json``) keep working. Keys are parsed only by the drift check: whose
object it is, and whether the run that wrote it may still be under way.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from luna.store.objects.base import PROCESSED_PREFIX, RAW_PREFIX

_STAMP = "%Y%m%dT%H%M%S%fZ"
_RUN = re.compile(r"(\d{8}T\d{12}Z)-[0-9a-f]{8}")


@dataclass(frozen=True)
class VersionKeys:
    """Where one ingest run stores the original and the parsed extract."""

    raw: str
    processed: str


def new_run(now: datetime | None = None) -> str:
    """A run's name: the UTC time it began and a random suffix (unique, sortable, parseable by
    :func:`run_started`)."""
    return f"{(now or datetime.now(UTC)).astimezone(UTC).strftime(_STAMP)}-{uuid.uuid4().hex[:8]}"


def run_started(run: str) -> datetime | None:
    """When the run named ``run`` (:func:`new_run`) began; None for any other name."""
    match = _RUN.fullmatch(run)
    if match is None:
        return None
    return datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)


def version_keys(item_id: uuid.UUID, filename: str, *, now: datetime | None = None) -> VersionKeys:
    """Fresh keys for a run that starts ``now``; ``filename`` must already be safe for keys."""
    run = new_run(now)
    return VersionKeys(
        raw=f"{RAW_PREFIX}{item_id}/{run}/{filename}",
        processed=f"{PROCESSED_PREFIX}{item_id}/{run}.json",
    )


def key_item(key: str) -> str:
    """The item id a ``raw/`` or ``processed/`` key belongs to (either layout)."""
    rest = key.split("/", 1)[1] if "/" in key else key
    return rest.split("/", 1)[0].removesuffix(".json")


def key_started(key: str) -> datetime | None:
    """When the run that wrote ``key`` began; None for the earlier layout and foreign keys."""
    parts = key.split("/")
    if f"{parts[0]}/" == RAW_PREFIX and len(parts) == 4:
        run = parts[2]
    elif f"{parts[0]}/" == PROCESSED_PREFIX and len(parts) == 3:
        run = parts[2].removesuffix(".json")
    else:
        return None
    return run_started(run)
