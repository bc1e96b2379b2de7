"""The one connector interface: every live source (MQTT, Redis Streams, Modbus TCP) is built on it.

A connector only *receives*: it turns what its peer sends into reading rows (or rejects it) and
hands them to :meth:`Connector.submit` with an opaque *token* (an MQTT message id, a Redis entry
id). Everything after that is shared and lives here, once:

- **mapping** (:class:`PointMap`): an external point (a topic's meter, a stream field, a Modbus
  device) names a Luna meter and the unit its energies arrive in; values leave here in kWh;
- **validation**: every reading passes :class:`luna.domain.records.Reading`; readings of meters
  the database does not know are rejected in the writer;
- **backpressure**: submitted rows wait in a bounded queue (``queue_size``); when it is full,
  ``submit`` blocks the receiving thread, so the peer keeps what is not yet taken (the broker's
  in-flight window, the stream's unread entries, the next poll comes later);
- **commit, then acknowledge**: a writer thread takes micro-batches, upserts each in one
  transaction (:func:`luna.store.sql.timeseries.upsert_rows`, idempotent) and only then calls the
  connector's :meth:`Connector._ack` with the batch's tokens. A crash between the two makes the
  peer redeliver, and the redelivery is a no-op: *at-least-once delivery, exactly-once rows*.
  A database error keeps the batch (nothing is acknowledged) and retries it;
- **rejection**: a malformed message or an unknown meter is counted, logged and handed to
  :meth:`Connector._reject` (acknowledge it; Redis also copies it to a dead-letter stream), never
  retried forever and never stopping the feed;
- **counters and health** (:class:`ConnectorStats`, :meth:`Connector.status`): received,
  written, rejected, the last value written, the last error, queue depth, and a health word;
  the same figures as Prometheus metrics per connector name and kind
  (:class:`luna.observability.metrics.ConnectorMetrics`), recorded here once for every
  connector;
- **counter baselines** (Modbus, OPC-UA): a :class:`~luna.connectors.counters.CounterState`
  handed to :meth:`Connector.submit_state` travels the queue behind the readings it produced
  and is upserted in their transaction, so the stored baseline never disagrees with the
  stored readings (:mod:`luna.connectors.counter_connector`).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from luna.connectors.counter_baselines import save_states
from luna.connectors.counters import CounterState
from luna.domain.records import Reading
from luna.observability.metrics import ConnectorMetrics
from luna.store.sql.models import Meter
from luna.store.sql.timeseries import READINGS, upsert_rows

log = logging.getLogger(__name__)

Row = tuple[Any, ...]  # in READINGS.columns order

EnergyUnit = Literal["Wh", "kWh", "MWh"]
TO_KWH: dict[str, float] = {"Wh": 1e-3, "kWh": 1.0, "MWh": 1e3}
ENERGY_FIELDS = ("consumption_kwh", "production_kwh")


class Health(StrEnum):
    STOPPED = "stopped"
    CONNECTING = "connecting"  # started, the peer not (yet, or no longer) reachable
    OK = "ok"
    DEGRADED = "degraded"  # the last database write failed: batches wait and are retried
    BACKPRESSURE = "backpressure"  # the queue is full: the peer is read only as fast as we write
    STALE = "stale"  # read from the database: the process running the feed stopped beating


# --- configuration and mapping -----------------------------------------------------------------


class MeterPoint(BaseModel):
    """Where an external point's readings go: a Luna meter, and the unit its energies are in."""

    model_config = ConfigDict(extra="forbid")

    meter_id: str = Field(min_length=1, max_length=64, description="Luna meter id.")
    unit: EnergyUnit = Field(default="kWh", description="Unit of the energies it sends.")


class PointMap(BaseModel):
    """External point id → meter and unit. Without an entry, the point id *is* the meter id and
    energies are in kWh, unless ``strict``: then an unmapped point is rejected."""

    model_config = ConfigDict(extra="forbid")

    points: dict[str, MeterPoint] = Field(default_factory=dict)
    strict: bool = Field(default=False, description="Reject points that are not mapped.")

    def resolve(self, external_id: str) -> MeterPoint | None:
        point = self.points.get(external_id)
        if point is not None:
            return point
        return None if self.strict else MeterPoint(meter_id=external_id)


class ConnectorConfig(BaseModel):
    """What every connector shares: mapping, batching and backpressure."""

    model_config = ConfigDict(extra="forbid")

    timezone: str = Field(default="Europe/Berlin", description="Zone of naive timestamps.")
    points: PointMap = Field(default_factory=PointMap)
    batch_size: int = Field(default=500, ge=1, le=100_000, description="Most rows per commit.")
    flush_interval_s: float = Field(
        default=0.5, gt=0, le=60, description="Longest wait of the writer for a first row."
    )
    queue_size: int = Field(
        default=10_000, ge=1, description="Rows waiting for the writer; full: intake blocks."
    )
    retry_s: float = Field(default=1.0, gt=0, le=60, description="Wait after a failed commit.")
    instance: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="This connector's name (metrics label, key of its counter baselines); "
        "default: its kind.",
    )


def read_map_file(path: Path) -> Any:
    """A point/register/node map file: JSON when it ends in ``.json``, else YAML; a file that
    does not parse is a :class:`ValueError` naming it."""
    text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ValueError(
            f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}"
        ) from None


class RejectError(ValueError):
    """A message that cannot become a reading; the text says why (logged, counted)."""


def json_object(data: str | bytes | bytearray, what: str) -> dict[str, Any]:
    """``data`` as a JSON object; raises :class:`RejectError` naming ``what`` it was."""
    try:
        payload = json.loads(data)
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise RejectError(f"{what} is not JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise RejectError(f"{what} is not a JSON object")
    return payload


def parse_reading(external_id: str, payload: Mapping[str, Any], config: ConnectorConfig) -> Row:
    """Map an external point and validate one reading; raises :class:`RejectError`."""
    point = config.points.resolve(external_id)
    if point is None:
        raise RejectError(f"unmapped point {external_id!r}")
    data = {k: v for k, v in payload.items() if k != "meter_id"}
    if point.unit != "kWh":
        factor = TO_KWH[point.unit]
        for name in ENERGY_FIELDS:
            if name in data:
                try:
                    data[name] = float(data[name]) * factor
                except (TypeError, ValueError) as exc:
                    raise RejectError(f"{name} is not a number") from exc
    try:
        reading = Reading.model_validate(
            {**data, "meter_id": point.meter_id}, context={"timezone": config.timezone}
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise RejectError(problems[:300]) from exc
    except ValueError as exc:
        raise RejectError(str(exc)[:300]) from exc
    return reading.row()


# --- counters ----------------------------------------------------------------------------------


@dataclass
class ConnectorStats:
    """What the admin dashboard shows about a live-ingest connector."""

    connected: bool = False
    received: int = 0
    written: int = 0
    rejected: int = 0
    reconnects: int = 0
    last_message_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_value: dict[str, Any] | None = None
    last_write_at: datetime | None = None
    write_failing: bool = False
    started_at: float = field(default_factory=time.monotonic)
    metrics: ConnectorMetrics | None = field(default=None, repr=False)
    # (whole second, messages received in it) for the recent rate; a handful of entries.
    _per_second: deque[list[int]] = field(default_factory=deque, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count_message(self, now: float | None = None, n: int = 1) -> None:
        if self.metrics is not None:
            self.metrics.received.inc(n)
        with self._lock:
            self.received += n
            self.last_message_at = datetime.now(UTC)
            second = int(now if now is not None else time.monotonic())
            if self._per_second and self._per_second[-1][0] == second:
                self._per_second[-1][1] += n
            else:
                self._per_second.append([second, n])
                while len(self._per_second) > 64:
                    self._per_second.popleft()

    def error(self, text: str) -> None:
        self.last_error = text
        self.last_error_at = datetime.now(UTC)

    def messages_per_second(self) -> float:
        """Average since the connector started."""
        elapsed = time.monotonic() - self.started_at
        return self.received / elapsed if elapsed > 0 else 0.0

    def recent_messages_per_second(self, window_s: int = 10, now: float | None = None) -> float:
        """Messages per second over the last ``window_s`` whole seconds: what flows right now."""
        current = int(now if now is not None else time.monotonic())
        recent = sum(n for second, n in list(self._per_second) if current - window_s < second)
        return recent / window_s


# --- the connector -----------------------------------------------------------------------------


@dataclass
class _Item:
    row: Row | None  # None: a counter state alone
    token: Any
    state: CounterState | None = None


class Connector(ABC):
    """Base of every live connector: subclasses receive, this class writes and acknowledges.

    Subclasses implement :meth:`_open` (connect and start receiving, e.g. a thread that calls
    :meth:`submit` / :meth:`reject`), :meth:`_halt` (stop receiving), :meth:`_close` (release
    the peer, after the last acknowledgement) and :meth:`_ack`; they may override
    :meth:`_reject` (default: acknowledge) and :meth:`_extra_status`.

    ``name`` is the connector's kind; ``instance`` (``config.instance``, default the kind)
    names this one in the metrics and keys its counter baselines.
    """

    name = "connector"

    def __init__(self, engine: Engine, config: ConnectorConfig) -> None:
        self._engine = engine
        self.config = config
        self.instance = config.instance or self.name
        self._queue: queue.Queue[_Item] = queue.Queue(maxsize=config.queue_size)
        self.metrics = ConnectorMetrics(
            self.instance, self.name, depth=self._queue.qsize, capacity=config.queue_size
        )
        self.stats = ConnectorStats(metrics=self.metrics)
        self._stopping = threading.Event()
        self._writer: threading.Thread | None = None
        self._write_lock = threading.Lock()  # one batch at a time (writer thread or flush())
        self._known_meters: set[str] = set()
        self._blocked_since: float | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        while not self._queue.empty():  # left by an earlier run: never acknowledged, they return
            self._queue.get_nowait()
        self.stats.started_at = time.monotonic()
        self._writer = threading.Thread(
            target=self._write_loop, name=f"{self.name}-writer", daemon=True
        )
        self._writer.start()
        self._open()

    @property
    def running(self) -> bool:
        return self._writer is not None and self._writer.is_alive()

    def stop(self) -> None:
        """Stop receiving, write and acknowledge what is queued, then close the peer."""
        self._stopping.set()
        self._halt()
        if self._writer is not None:
            self._writer.join(timeout=30)
        self.flush()
        self._close()
        self.stats.connected = False

    # --- what subclasses implement -----------------------------------------------------------

    @abstractmethod
    def _open(self) -> None: ...

    @abstractmethod
    def _halt(self) -> None: ...

    @abstractmethod
    def _close(self) -> None: ...

    @abstractmethod
    def _ack(self, tokens: Sequence[Any]) -> None:
        """Acknowledge to the peer; called only after the tokens' rows were committed."""

    def _reject(self, tokens: Sequence[Any], reason: str) -> None:
        """Dispose of rejected messages (default: acknowledge them, so they never return)."""
        self._ack(tokens)

    def _extra_status(self) -> dict[str, Any]:
        return {}

    # --- intake (receiving threads) ----------------------------------------------------------

    def submit(self, row: Row, token: Any, *, counted: bool = False) -> bool:
        """Queue a valid row; blocks while the queue is full (backpressure). False: the
        connector is stopping and the row was not taken (not acknowledged: it comes back)."""
        if not counted:
            self.stats.count_message()
        return self._put(_Item(row, token))

    def submit_state(self, state: CounterState) -> bool:
        """Queue a meter's counter state behind the readings it produced: upserted in their
        transaction (or a later one), never before them. False: stopping, not taken."""
        return self._put(_Item(None, None, state))

    def _put(self, item: _Item) -> bool:
        while True:
            try:
                self._queue.put(item, timeout=0.2)
                self._blocked_since = None
                return True
            except queue.Full:
                if self._blocked_since is None:
                    self._blocked_since = time.monotonic()
                if self._stopping.is_set() and not self.running:
                    return False

    def reject(self, token: Any, reason: str, *, source: str = "", counted: bool = False) -> None:
        """A message that is no reading: count, log, dispose (acknowledge), go on."""
        if not counted:
            self.stats.count_message()
        self.stats.rejected += 1
        self.metrics.rejected("malformed")
        log.warning("%s rejected malformed message %s: %s", self.name, source, reason)
        try:
            self._reject([token], f"malformed: {reason}")
        except Exception as exc:  # the peer is gone: it redelivers, we reject again
            self.stats.error(f"reject: {exc.__class__.__name__}")
            log.error("%s could not dispose of a rejected message: %s", self.name, exc)

    # --- writing (writer thread) -------------------------------------------------------------

    def _write_loop(self) -> None:
        while True:
            batch = self._take(timeout=self.config.flush_interval_s)
            if batch:
                self._write_until_done(batch)
            elif self._stopping.is_set():
                return

    def _take(self, timeout: float) -> list[_Item]:
        """The first waiting item (waiting up to ``timeout``) and whatever else waits now:
        batches size themselves to the backlog instead of waiting to fill."""
        try:
            first = self._queue.get(timeout=timeout)
        except queue.Empty:
            return []
        batch = [first]
        while len(batch) < self.config.batch_size:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _write_until_done(self, batch: list[_Item]) -> None:
        while not self._write(batch):
            if self._stopping.wait(self.config.retry_s):
                log.warning("%s stopping: %d readings left unacknowledged", self.name, len(batch))
                return

    def flush(self) -> None:
        """Write (once) and acknowledge whatever waits in the queue now."""
        while True:
            batch = self._take(timeout=0)
            if not batch or not self._write(batch):
                return

    def _write(self, batch: list[_Item]) -> bool:
        """One transaction, then acknowledgements. False: nothing written or acknowledged."""
        with self._write_lock:
            readings = [item for item in batch if item.row is not None]
            states = [item.state for item in batch if item.state is not None]
            try:
                known = self._meters_known(
                    {_meter(item) for item in readings} | {s.meter_id for s in states}
                )
                good = [item for item in readings if _meter(item) in known]
                latest = {s.meter_id: s for s in states if s.meter_id in known}  # the last wins
                if good or latest:
                    with self._engine.begin() as conn:
                        if good:
                            upsert_rows(conn, READINGS, (_row(item) for item in good))
                        if latest:
                            save_states(conn, self.instance, latest.values())
            except SQLAlchemyError as exc:
                self.stats.write_failing = True
                self.stats.error(f"database: {exc.__class__.__name__}")
                log.error("%s batch of %d not written, will retry: %s", self.name, len(batch), exc)
                return False
            self.stats.write_failing = False
            unknown = [item for item in readings if _meter(item) not in known]
            if good:
                self.stats.written += len(good)
                self.stats.last_write_at = datetime.now(UTC)
                self.metrics.written.inc(len(good))
                self.metrics.last_write.set(self.stats.last_write_at.timestamp())
                last = _row(good[-1])
                self.stats.last_value = dict(zip(READINGS.columns, last, strict=True))
                self.stats.last_value["ts"] = last[1].isoformat()
            try:
                if good:
                    self._ack([item.token for item in good])
                if unknown:
                    self.stats.rejected += len(unknown)
                    self.metrics.rejected("unknown_meter", len(unknown))
                    log.warning(
                        "%s rejected %d readings of unknown meters (%s)",
                        self.name,
                        len(unknown),
                        ", ".join(sorted({_meter(i) for i in unknown})[:5]),
                    )
                    self._reject([item.token for item in unknown], "unknown meter")
            except Exception as exc:  # committed: the peer redelivers, the upsert is a no-op
                self.stats.error(f"ack: {exc.__class__.__name__}")
                log.error("%s could not acknowledge a committed batch: %s", self.name, exc)
            return True

    def _meters_known(self, meter_ids: set[str]) -> set[str]:
        missing = meter_ids - self._known_meters
        if missing:
            with self._engine.connect() as conn:
                found = conn.scalars(select(Meter.meter_id).where(Meter.meter_id.in_(missing)))
                self._known_meters.update(found)
        return meter_ids & self._known_meters

    # --- state -------------------------------------------------------------------------------

    @property
    def health(self) -> Health:
        if not self.running:
            return Health.STOPPED
        if self.stats.write_failing:
            return Health.DEGRADED
        if not self.stats.connected:
            return Health.CONNECTING
        if self._queue.full() or (
            self._blocked_since is not None and time.monotonic() - self._blocked_since > 1.0
        ):
            return Health.BACKPRESSURE
        return Health.OK

    def status(self) -> dict[str, Any]:
        """A JSON-ready snapshot for the admin dashboard (``GET /data/source``)."""
        s = self.stats
        return {
            "source": self.name,
            "instance": self.instance,
            "running": self.running,
            "health": self.health.value,
            "connected": s.connected,
            "received": s.received,
            "written": s.written,
            "rejected": s.rejected,
            "reconnects": s.reconnects,
            "queued": self._queue.qsize(),
            "queue_size": self.config.queue_size,
            "messages_per_second": round(s.recent_messages_per_second(), 2),
            "messages_per_second_avg": round(s.messages_per_second(), 2),
            "last_message_at": s.last_message_at.isoformat() if s.last_message_at else None,
            "last_write_at": s.last_write_at.isoformat() if s.last_write_at else None,
            "last_value": s.last_value,
            "last_error": s.last_error,
            "last_error_at": s.last_error_at.isoformat() if s.last_error_at else None,
            **self._extra_status(),
        }


def _row(item: _Item) -> Row:
    assert item.row is not None
    return item.row


def _meter(item: _Item) -> str:
    return str(_row(item)[0])


def chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
