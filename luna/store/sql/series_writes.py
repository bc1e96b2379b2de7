"""Who wants to know when readings or prices changed: a callback after each such commit.

Every write of readings and prices goes through :func:`~luna.store.sql.timeseries.upsert_rows`
(ingest API, MQTT connector, simulator, backfills), which notes the meters and zones it changed
on the transaction's connection. When that transaction commits, the watchers of its engine get
one :class:`SeriesWrites`; a rollback forgets the note. Watchers run on the committing thread,
inside its commit (just before the database's own), so they must only hand work elsewhere —
the stored forecasts schedule a debounced refresh (:mod:`luna.forecasting.refresh_jobs`).
The data layer knows no watcher; whoever wants the news registers here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

_NOTE = "luna.series_written"  # key in the connection's info: table name -> changed keys


@dataclass(frozen=True)
class SeriesWrites:
    """What one committed transaction changed: meters' readings, zones' prices."""

    meters: frozenset[str] = frozenset()
    zones: frozenset[str] = frozenset()


Watcher = Callable[[SeriesWrites], None]

_watchers: dict[Engine, list[Watcher]] = {}
_lock = threading.Lock()


def note_written(conn: Connection, table: str, keys: Iterable[str]) -> None:
    """Remember, until the transaction ends, that ``table`` changed for ``keys`` (meters or
    zones). A no-op unless someone watches the connection's engine."""
    if conn.engine not in _watchers:
        return
    conn.info.setdefault(_NOTE, {}).setdefault(table, set()).update(keys)


def watch_writes(engine: Engine, watcher: Watcher) -> Callable[[], None]:
    """Call ``watcher`` after each commit on ``engine`` that changed readings or prices.

    Returns the function that stops watching. A watcher that raises is logged, never the
    writer's problem.
    """
    with _lock:
        if engine not in _watchers:
            _watchers[engine] = []
            event.listen(engine, "commit", _on_commit)
            event.listen(engine, "rollback", _forget)
        _watchers[engine].append(watcher)

    def stop() -> None:
        with _lock:
            watchers = _watchers.get(engine, [])
            if watcher in watchers:
                watchers.remove(watcher)
            if not watchers and engine in _watchers:
                del _watchers[engine]
                event.remove(engine, "commit", _on_commit)
                event.remove(engine, "rollback", _forget)

    return stop


def _forget(conn: Connection) -> None:
    conn.info.pop(_NOTE, None)


def _on_commit(conn: Connection) -> None:
    noted: dict[str, set[str]] | None = conn.info.pop(_NOTE, None)
    if not noted:
        return
    writes = SeriesWrites(
        meters=frozenset(noted.get("smart_meter_readings", ())),
        zones=frozenset(noted.get("market_prices", ())),
    )
    with _lock:
        watchers = list(_watchers.get(conn.engine, ()))
    for watcher in watchers:
        try:
            watcher(writes)
        except Exception:  # the commit goes on; the watcher's owner sees the log
            log.exception("series write watcher failed")
