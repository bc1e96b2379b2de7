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

Exactly one process runs a feed, however many are started: a runner holds a PostgreSQL
session-level advisory lock named after the feed (:func:`feed_lock_key`) on a connection of
its own while its source runs. A second ``luna feed`` (a Deployment scaled to two, an operator
starting one by hand), or API replicas that all have ``LUNA_FEED_IN_API`` on, stand by: they
try the lock every beat and start the source when it comes free. PostgreSQL frees it the
moment the holder's connection closes, so a killed or crashed holder is replaced within one
beat, and no duplicate MQTT subscription, Modbus poll or simulator writer ever runs. A holder
whose lock connection breaks takes the lock again on a new connection; if another process has
it by then, it stops its source and stands by.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from luna.config import DataSourceKind, Settings
from luna.connectors.base import Health
from luna.connectors.sources import DataSource
from luna.store.sql.models import FeedStatus

log = logging.getLogger(__name__)

STALE_AFTER_BEATS = 3


def feed_lock_key(name: str) -> int:
    """The advisory lock key (a signed bigint) of the feed ``name``: one holder per feed."""
    digest = hashlib.blake2b(f"luna-feed:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def feed_name(source: DataSource) -> str:
    """The feed's name: its status row's key and its lock's (a connector's instance name)."""
    return str(source.status().get("instance") or source.name)[:64]


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
        "name": feed_name(source),
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


def running_here(runner: FeedRunner | None) -> DataSource | None:
    """The source of ``runner`` if it runs the feed in this process, else None."""
    return runner.source if runner is not None and runner.active else None


def feed_status(
    source: DataSource | None, session: Session, settings: Settings
) -> dict[str, Any] | None:
    """What the admin dashboard shows: the source's snapshot when it runs in this process
    (``source``: the feed's source where this process holds the feed), else what the process
    that runs it last stored (``luna feed``, or the replica holding the feed); None: no feed."""
    if source is not None:
        return source.status()
    if settings.data_source is DataSourceKind.NONE:
        return None
    stale_after = STALE_AFTER_BEATS * settings.feed_status_every_s
    return read_status(session, settings.data_source.value, stale_after)


class FeedRunner:
    """Runs a data source, where this process holds the feed's lock, and stores its status
    every ``every_s`` seconds until stopped; without the lock, stands by (tries it each
    ``every_s``) until the holder stops or dies."""

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
        self._key = feed_lock_key(feed_name(source))
        self._lock: Connection | None = None  # open while this process holds the feed
        self._active = threading.Event()
        self._lock_tried = False  # the last try of the lock reached the database

    @property
    def active(self) -> bool:
        """Whether this process runs the feed (else another does, or none yet)."""
        return self._active.is_set()

    def start(self) -> None:
        """Run the source now if the feed is free, else stand by; returns at once."""
        self._stop.clear()
        if self._take_lock():
            self._activate()
        else:
            log.warning(
                "feed %s runs in another process; standing by to take over", self.source.name
            )
            if self._lock_tried:
                self._touch()
        self._thread = threading.Thread(target=self._run, name="feed-status", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop beating; where this process ran the feed, stop the source (drained,
        committed, acknowledged), store that and free the feed for a standby."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self.active:
            self.source.stop()
            self.beat()
            self._active.clear()
        self._release()

    def beat(self) -> bool:
        """Store the status now and touch the heartbeat file; False: the database refused."""
        try:
            save_status(
                self._engine, self.source, process=self._process, started_at=self._started_at
            )
        except (SQLAlchemyError, TypeError, ValueError) as exc:  # the feed itself goes on
            log.error("feed status of %s not stored: %s", self.source.name, exc)
            return False
        self._touch()
        return True

    def _touch(self) -> None:
        """The liveness probe's file: the database answered this process just now."""
        if self._heartbeat_file is not None:
            try:
                self._heartbeat_file.touch()
            except OSError as exc:
                log.error("feed heartbeat file %s not touched: %s", self._heartbeat_file, exc)

    def _activate(self) -> None:
        self._started_at = datetime.now(UTC)
        self.source.start()
        self._active.set()
        self.beat()
        log.info("feed %s runs in this process (%s)", self.source.name, self._process)

    def _run(self) -> None:
        while not self._stop.wait(self._every_s):
            if not self.active:
                if self._take_lock():
                    self._activate()
                elif self._lock_tried:
                    self._touch()  # a live standby: its probe must not restart it
            elif self._still_held():
                self.beat()
            else:
                log.error(
                    "feed %s: its lock went to another process while the database was out "
                    "of reach; stopping the source here and standing by",
                    self.source.name,
                )
                self.source.stop()
                self._active.clear()

    def _take_lock(self) -> bool:
        """Try the feed's lock on a connection of its own (kept while held)."""
        self._release()
        try:
            conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except SQLAlchemyError as exc:
            log.error("feed %s: database out of reach: %s", self.source.name, exc)
            self._lock_tried = False
            return False
        self._lock_tried = False
        try:
            taken = bool(
                conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key}).scalar()
            )
            self._lock_tried = True
        except SQLAlchemyError as exc:
            log.error("feed %s: lock not tried: %s", self.source.name, exc)
            taken = False
        if taken:
            self._lock = conn
        else:
            conn.close()
        return taken

    def _still_held(self) -> bool:
        """Whether this process still holds the feed: its lock connection answers, or the
        lock could be taken again on a new one; True too while the database cannot be
        reached (nobody else can take the lock then either)."""
        try:
            assert self._lock is not None
            self._lock.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            log.warning("feed %s: lock connection lost; taking the lock again", self.source.name)
        if self._take_lock():
            return True
        try:
            with self._engine.connect() as probe:
                probe.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return True  # the database is out of reach: nobody can have taken the feed over
        return False

    def _release(self) -> None:
        if self._lock is None:
            return
        with suppress(SQLAlchemyError):  # a broken connection: closing it frees the lock
            self._lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
        self._lock.close()
        self._lock = None
