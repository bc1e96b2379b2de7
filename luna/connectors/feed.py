"""The live feed in one process, and its status in the database for every API replica.

Whichever process runs the feed (``luna feed``, or ``luna serve`` with ``LUNA_FEED_IN_API``)
wraps its source (:func:`luna.connectors.sources.build_data_source`) in a :class:`FeedRunner`:
it starts the source and, every ``LUNA_FEED_STATUS_EVERY_S``, upserts the source's own status
snapshot (:meth:`luna.connectors.base.Connector.status`, the simulator's) into ``feed_status``
with a heartbeat from the database's clock, and touches a heartbeat file (a liveness probe's).
Stopping stops the source (a connector drains its queue, commits, acknowledges) and stores the
final, stopped status.

An API replica without the feed (:func:`feed_status`) reads that row: the same snapshot, with
``process``, ``heartbeat_at`` and ``stale`` added; a running feed whose process has not beaten
for :data:`STALE_AFTER_BEATS` periods is shown stale and not running.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from luna.config import DataSourceKind, Settings
from luna.connectors.base import Health
from luna.connectors.sources import DataSource
from luna.store.sql.models import FeedStatus

log = logging.getLogger(__name__)

STALE_AFTER_BEATS = 3


def this_process() -> str:
    """``host:pid``: which process (which pod) runs the feed."""
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


def feed_state(status: dict[str, Any]) -> str:
    """The health word of a source's snapshot; the simulator's, which has none, from it."""
    if "health" in status:
        return str(status["health"])
    if not status.get("running"):
        return Health.STOPPED.value
    return (Health.DEGRADED if status.get("last_error") else Health.OK).value


def save_status(
    engine: Engine, source: DataSource, *, process: str, started_at: datetime
) -> dict[str, Any]:
    """Upsert the source's status now (heartbeat: the database's ``now()``); returns it."""
    status = source.status()
    values = {
        "name": str(status.get("instance") or source.name)[:64],
        "kind": source.name,
        "state": feed_state(status),
        "process": process,
        "status": status,
        "started_at": started_at,
        "heartbeat_at": func.now(),
    }
    statement = insert(FeedStatus).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=[FeedStatus.name],
        set_={k: statement.excluded[k] for k in values if k != "name"},
    )
    with engine.begin() as conn:
        conn.execute(statement)
    return status


def read_status(session: Session, kind: str, stale_after_s: float) -> dict[str, Any] | None:
    """The last stored status of the feed of ``kind`` (the most recently beaten, should there
    be several), marked stale when its process missed its beats; None: never stored."""
    age = func.extract("epoch", func.now() - FeedStatus.heartbeat_at)
    row = session.execute(
        select(FeedStatus, age)
        .where(FeedStatus.kind == kind)
        .order_by(FeedStatus.heartbeat_at.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    feed, age_s = row
    stale = float(age_s) > stale_after_s and feed.state != Health.STOPPED.value
    return {
        **feed.status,
        "health": Health.STALE.value if stale else feed.state,
        "running": bool(feed.status.get("running")) and not stale,
        "stale": stale,
        "process": feed.process,
        "started_at": feed.started_at.isoformat(),
        "heartbeat_at": feed.heartbeat_at.isoformat(),
        "heartbeat_age_s": round(float(age_s), 1),
    }


def feed_status(
    source: DataSource | None, session: Session, settings: Settings
) -> dict[str, Any] | None:
    """What the admin dashboard shows: the source's snapshot when it runs in this process,
    else (``LUNA_FEED_IN_API=false``) what its process last stored; None: no feed."""
    if source is not None:
        return source.status()
    if settings.feed_in_api or settings.data_source is DataSourceKind.NONE:
        return None
    stale_after = STALE_AFTER_BEATS * settings.feed_status_every_s
    return read_status(session, settings.data_source.value, stale_after)


class FeedRunner:
    """Runs a data source and stores its status every ``every_s`` seconds until stopped."""

    def __init__(
        self,
        source: DataSource,
        engine: Engine,
        *,
        every_s: float,
        heartbeat_file: Path | None = None,
    ) -> None:
        self.source = source
        self._engine = engine
        self._every_s = every_s
        self._heartbeat_file = heartbeat_file
        self._process = this_process()
        self._started_at = datetime.now(UTC)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._started_at = datetime.now(UTC)
        self.source.start()
        self.beat()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="feed-status", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop beating, stop the source (drained, committed, acknowledged), store that."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.source.stop()
        self.beat()

    def beat(self) -> bool:
        """Store the status now and touch the heartbeat file; False: the database refused."""
        try:
            save_status(
                self._engine, self.source, process=self._process, started_at=self._started_at
            )
        except (SQLAlchemyError, TypeError, ValueError) as exc:  # the feed itself goes on
            log.error("feed status of %s not stored: %s", self.source.name, exc)
            return False
        if self._heartbeat_file is not None:
            try:
                self._heartbeat_file.touch()
            except OSError as exc:
                log.error("feed heartbeat file %s not touched: %s", self._heartbeat_file, exc)
        return True

    def _run(self) -> None:
        while not self._stop.wait(self._every_s):
            self.beat()
