"""OPC-UA connector: subscribes to meters' variable nodes and writes interval readings.

Each configured meter names up to three variable nodes (``ns=2;s=Meter1.ImportWh``, or
``nsu=<namespace uri>;s=...``, resolved on every connect because namespace indexes may change
between server restarts): an import energy counter (→ ``consumption_kwh``), an export energy
counter (→ ``production_kwh``) and a power value (kW in the status). Units Wh/kWh/MWh for
counters and W/kW for power, an optional multiplier ``scale``, and ``wrap``: the raw value at
which a counter restarts at zero (default: 2^bits for unsigned integer nodes, none otherwise).

One subscription (data-change notifications, ``asyncua``'s iterator mode) carries every node;
notifications are handled in order. Counters become interval energies in
:mod:`luna.connectors.counters` (the implementation the Modbus connector uses): a notification is
the counter's value at its *source timestamp* (else the server's, else the local clock); the
server reports changes only, so while the subscription is healthy an unchanged counter is known
up to now and a periodic *tick* closes the intervals that have ended with what has been seen.
That holds for a meter only once each of its counters has reported in the session: a new
subscription's first notifications are the current values, carrying the increase since the last
sample (over a restart or an outage), and a tick before them would close the intervals in
between as if nothing had been used and put that increase after them.
When the notification buffer overflows (the database is slower than the server), the oldest
notifications are dropped: a cumulative counter loses nothing by that, the next value carries
the increase.

The connection is supervised here (not by asyncua's auto-reconnect): a lost server sets the
health to ``connecting``; the connector reconnects every ``retry_s``, re-resolves the nodes and
subscribes again; the first notifications after that are the current values, and the increase
over the outage is spread over it by time. Values with a bad status are counted and ignored.
The counters' state is stored with the readings and loaded before the first session
(:mod:`luna.connectors.counter_connector`), so a restart is handled like a reconnect.

Security (a signed or encrypted channel, client certificate, verified server, user name and
password) is configured and applied in :mod:`luna.connectors.opcua_security`; a refusal for a
security reason is the connector's last error, word for word, logged once as a warning without
traceback, and it keeps retrying.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from asyncua import ua
from asyncua.client.client import Client
from asyncua.client.ua_client import UaClientState
from asyncua.common.node import Node
from asyncua.common.subscription import (
    DataChangeEvent,
    OverflowPolicy,
    StatusChangeEvent,
    Subscription,
)
from asyncua.ua.uaerrors import UaError
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import Engine

from luna.connectors.base import ConnectorConfig, read_map_file
from luna.connectors.counter_connector import CounterConnector
from luna.connectors.counters import (
    ENERGY_UNITS,
    POWER_UNITS,
    UNIT_FACTOR,
    CounterSample,
    CounterState,
    IntervalRow,
    MeterIntervals,
)
from luna.connectors.opcua_security import (
    OpcuaSecurity,
    OpcuaSecurityError,
    explain_refusal,
    secure_client,
)

log = logging.getLogger(__name__)

Role = Literal["import_energy", "export_energy", "power"]
UNSIGNED_BITS = {
    ua.VariantType.Byte: 8,
    ua.VariantType.UInt16: 16,
    ua.VariantType.UInt32: 32,
    ua.VariantType.UInt64: 64,
}


class OpcuaNode(BaseModel):
    """One variable node of a meter."""

    model_config = ConfigDict(extra="forbid")

    node: str = Field(description="Node id: 'ns=2;s=Meter1.Import' or 'nsu=<uri>;s=...'.")
    unit: Literal["Wh", "kWh", "MWh", "W", "kW"] = "kWh"
    scale: float = Field(default=1.0, description="Multiplier applied to the raw value.")
    wrap: float | None = Field(
        default=None,
        gt=0,
        description="Counters: raw value at which the counter restarts at 0 (e.g. 1000000 for "
        "a six-digit display); default 2^bits for unsigned integer nodes, else none.",
    )

    @field_validator("node")
    @classmethod
    def _parses(cls, value: str) -> str:
        try:
            ua.NodeId.from_string(value)
        except (UaError, ValueError) as exc:
            raise ValueError(f"not an OPC-UA node id: {value!r}") from exc
        return value


class OpcuaMeter(BaseModel):
    """A meter: its Luna id, interval length and nodes."""

    model_config = ConfigDict(extra="forbid")

    meter_id: str = Field(min_length=1, max_length=64)
    interval_minutes: int = 15
    import_energy: OpcuaNode | None = None
    export_energy: OpcuaNode | None = None
    power: OpcuaNode | None = None

    @field_validator("interval_minutes")
    @classmethod
    def _divides_an_hour(cls, value: int) -> int:
        if value <= 0 or 60 % value:
            raise ValueError("interval_minutes must divide 60")
        return value

    @model_validator(mode="after")
    def _units_fit(self) -> OpcuaMeter:
        for role in ("import_energy", "export_energy"):
            node: OpcuaNode | None = getattr(self, role)
            if node is not None and node.unit not in ENERGY_UNITS:
                raise ValueError(f"{role} must be in Wh, kWh or MWh, not {node.unit}")
        if self.power is not None and self.power.unit not in POWER_UNITS:
            raise ValueError(f"power must be in W or kW, not {self.power.unit}")
        if not (self.import_energy or self.export_energy or self.power):
            raise ValueError("a meter needs at least one node")
        return self

    def nodes(self) -> list[tuple[Role, OpcuaNode]]:
        roles: tuple[Role, ...] = ("import_energy", "export_energy", "power")
        return [(role, node) for role in roles if (node := getattr(self, role)) is not None]


class OpcuaMeters(BaseModel):
    meters: list[OpcuaMeter] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> OpcuaMeters:
        seen: set[str] = set()
        for meter in self.meters:
            for _, node in meter.nodes():
                if node.node in seen:
                    raise ValueError(f"node {node.node} is configured twice")
                seen.add(node.node)
        return self


def load_nodes(path: Path) -> list[OpcuaMeter]:
    """The node map file (YAML or JSON): ``meters: [{meter_id: ..., import_energy: ...}]``."""
    return OpcuaMeters.model_validate(read_map_file(path)).meters


@dataclass
class _MeterState:
    intervals: MeterIntervals
    power_kw: float | None = None
    power_at: datetime | None = None


@dataclass(frozen=True)
class _Target:
    meter: OpcuaMeter
    role: Role
    node: OpcuaNode


class OpcuaConnector(CounterConnector):
    """Subscribes to every meter's nodes; writes each interval once it has ended."""

    name = "opcua"

    def __init__(
        self,
        engine: Engine,
        *,
        url: str,
        meters: list[OpcuaMeter],
        timezone: str,
        publishing_ms: float = 1000,
        sampling_ms: float = 500,
        tick_s: float = 5.0,
        retry_s: float = 2.0,
        timeout_s: float = 4.0,
        use_source_timestamps: bool = True,
        notification_queue: int = 10_000,
        batch_size: int = 500,
        queue_size: int = 10_000,
        max_step_kwh: float = 1e6,
        clock: Callable[[], datetime] | None = None,
        instance: str | None = None,
        security: OpcuaSecurity | None = None,
    ) -> None:
        super().__init__(
            engine,
            ConnectorConfig(
                timezone=timezone, batch_size=batch_size, queue_size=queue_size, instance=instance
            ),
        )
        self.url, self.meters = url, meters
        self.security = security or OpcuaSecurity()
        self.publishing_ms, self.sampling_ms = publishing_ms, sampling_ms
        self.tick_s, self.retry_s, self.timeout_s = tick_s, retry_s, timeout_s
        self.use_source_timestamps = use_source_timestamps
        self.notification_queue = notification_queue
        self.clock = clock or (lambda: datetime.now(UTC))
        self.bad_values = 0
        self.subscribed = 0
        self.node_errors: dict[str, str] = {}
        # per meter, its counter nodes not yet reported with a good value in this session
        self._unreported: dict[str, set[ua.NodeId]] = {m.meter_id: set() for m in meters}
        self._state = {
            m.meter_id: _MeterState(
                MeterIntervals(m.meter_id, m.interval_minutes, max_step_kwh, source="opcua")
            )
            for m in meters
        }
        self._thread: threading.Thread | None = None
        self._halting = threading.Event()
        self._ever_connected = False
        self._refusal: str | None = None  # the security refusal last logged as a warning

    # --- lifecycle ---------------------------------------------------------------------------

    def _open(self) -> None:
        self._halting.clear()
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._supervise()), name="opcua-client", daemon=True
        )
        self._thread.start()

    def _halt(self) -> None:
        self._halting.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.submit_final_states()

    def _close(self) -> None:
        """The client thread disconnects when it ends."""

    def _ack(self, tokens: Sequence[Any]) -> None:
        """Subscribed values need no acknowledgement."""

    @property
    def peer(self) -> str:
        """The server's URL without credentials."""
        parts = urlsplit(self.url)
        host = parts.netloc.rsplit("@", 1)[-1]
        return urlunsplit((parts.scheme, host, parts.path, "", ""))

    # --- the client (its own thread and event loop) ------------------------------------------

    async def _supervise(self) -> None:
        while not self._halting.is_set():
            try:
                # no notification is taken before the stored counter baselines are loaded
                if await asyncio.to_thread(self.restore_baselines):
                    await self._session()
            except OpcuaSecurityError as exc:  # retried: trusting the server needs no restart
                if not self._halting.is_set():
                    self.stats.error(f"opcua: {exc}"[:400])
                    self._log_refusal(str(exc))
            except Exception as exc:  # any failure of a session: the server is gone or broken
                self._refusal = None
                if not self._halting.is_set():
                    self.stats.error(f"opcua: {exc.__class__.__name__}: {exc}"[:200])
                    log.warning("opcua %s: %s; reconnecting", self.peer, exc)
            self.stats.connected = False
            deadline = time.monotonic() + self.retry_s
            while not self._halting.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)

    def _log_refusal(self, reason: str) -> None:
        """A security refusal is logged once as a warning, without traceback; the same refusal
        on every retry after that only at DEBUG (the status keeps showing it)."""
        if reason == self._refusal:
            log.debug("opcua %s: still refused: %s", self.peer, reason)
            return
        self._refusal = reason
        log.warning(
            "opcua %s: not connecting, %s; retrying every %gs (repeats at DEBUG)",
            self.peer,
            reason,
            self.retry_s,
        )

    async def _session(self) -> None:
        client = Client(self.url, timeout=self.timeout_s, watchdog_intervall=1.0)
        await secure_client(client, self.security)
        try:
            await client.connect()
        except Exception as exc:
            await explain_refusal(self.url, self.timeout_s, exc, self.security)
            raise
        try:
            targets = await self._resolve(client)
            sub = await client.create_subscription(
                self.publishing_ms,
                None,
                queue_maxsize=self.notification_queue,
                overflow=OverflowPolicy.DROP_OLDEST,
            )
            await self._subscribe(client, sub, targets)
            if self._ever_connected:
                self.stats.reconnects += 1
            self._ever_connected = True
            self._refusal = None
            self.stats.connected = True
            log.info(
                "opcua connected to %s (security %s): %d nodes",
                self.peer,
                self.security.describe(),
                self.subscribed,
            )
            await self._receive(client, sub, targets)
        finally:
            self.stats.connected = False
            with suppress(Exception):
                await asyncio.wait_for(client.disconnect(), timeout=2)

    async def _resolve(self, client: Client) -> dict[ua.NodeId, _Target]:
        targets: dict[ua.NodeId, _Target] = {}
        namespaces: dict[str, int] = {}
        for meter in self.meters:
            for role, node in meter.nodes():
                parsed = ua.NodeId.from_string(node.node)
                if isinstance(parsed, ua.ExpandedNodeId) and parsed.NamespaceUri:
                    uri = parsed.NamespaceUri
                    if uri not in namespaces:
                        namespaces[uri] = await client.get_namespace_index(uri)
                    index = ua.Int16(namespaces[uri])
                else:
                    index = parsed.NamespaceIndex
                node_id = ua.NodeId(parsed.Identifier, index, parsed.NodeIdType)
                targets[node_id] = _Target(meter, role, node)
        return targets

    async def _subscribe(
        self, client: Client, sub: Subscription, targets: dict[ua.NodeId, _Target]
    ) -> None:
        nodes: list[Node] = [client.get_node(node_id) for node_id in targets]
        results = await sub.subscribe_data_change(
            nodes, sampling_interval=ua.Double(self.sampling_ms)
        )
        self.node_errors = {}
        for (node_id, target), result in zip(targets.items(), results, strict=True):
            if isinstance(result, ua.StatusCode):
                self.node_errors[target.node.node] = result.name
                self.stats.error(f"{target.meter.meter_id} {target.role}: {result.name}")
                log.warning("opcua node %s (%s): %s", node_id.to_string(), target.role, result.name)
        self.subscribed = len(targets) - len(self.node_errors)
        for unreported in self._unreported.values():
            unreported.clear()
        for node_id, target in targets.items():
            if target.role != "power" and target.node.node not in self.node_errors:
                self._unreported[target.meter.meter_id].add(node_id)
        if not self.subscribed:
            raise ConnectionError("none of the configured nodes could be subscribed")

    async def _receive(
        self, client: Client, sub: Subscription, targets: dict[ua.NodeId, _Target]
    ) -> None:
        next_tick = time.monotonic() + self.tick_s
        while not self._halting.is_set():
            if client.state is not UaClientState.CONNECTED:
                raise ConnectionError(f"connection lost ({client.state.value})")
            event = await sub.next_event(timeout=0.2)
            rows: list[IntervalRow] = []
            states: list[CounterState] = []
            if isinstance(event, DataChangeEvent):
                target = targets.get(event.node.nodeid)
                if target is not None:
                    rows = self._on_change(target, event)
                    closed = self._state[target.meter.meter_id].intervals.take_state()
                    states += [closed] if closed is not None else []
            elif isinstance(event, StatusChangeEvent) and not event.notification.Status.is_good():
                raise ConnectionError(f"subscription status {event.notification.Status.name}")
            if time.monotonic() >= next_tick:
                next_tick = time.monotonic() + self.tick_s
                rows += self.tick(self.clock())
                states += self.take_states()  # a later state of a meter wins in the writer
            if rows or states:  # the queue may be full: block a worker thread, not the loop
                await asyncio.to_thread(self.submit_intervals, rows, states)

    # --- values → readings -------------------------------------------------------------------

    def _on_change(self, target: _Target, event: DataChangeEvent) -> list[IntervalRow]:
        value = event.data.monitored_item.Value
        self.stats.count_message()
        meter_id, node = target.meter.meter_id, target.node
        status = value.StatusCode if value is not None else None
        raw = event.value
        if (
            value is None
            or (status is not None and not status.is_good())
            or isinstance(raw, bool)
            or not isinstance(raw, int | float)
            or not math.isfinite(raw)
        ):
            self.bad_values += 1
            why = status.name if status is not None and not status.is_good() else repr(raw)[:40]
            self.stats.error(f"{meter_id} {target.role}: bad value {why}")
            return []
        self._unreported[meter_id].discard(event.node.nodeid)
        at = self._timestamp(value)
        state = self._state[meter_id]
        if target.role == "power":
            state.power_kw = raw * node.scale * UNIT_FACTOR[node.unit]
            state.power_at = at
            return []
        wrap = node.wrap
        variant = value.Value.VariantType if value.Value is not None else None
        if wrap is None and variant in UNSIGNED_BITS:
            wrap = 2.0 ** UNSIGNED_BITS[variant]
        scaled_wrap = wrap * node.scale if wrap is not None else None
        sample = CounterSample(raw * node.scale, UNIT_FACTOR[node.unit], scaled_wrap)
        if target.role == "import_energy":
            return state.intervals.update(at, imp=sample)
        return state.intervals.update(at, exp=sample)

    def _timestamp(self, value: ua.DataValue) -> datetime:
        ts = value.SourceTimestamp or value.ServerTimestamp
        if ts is None or not self.use_source_timestamps:
            return self.clock()
        return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)

    def tick(self, at: datetime) -> list[IntervalRow]:
        """Nothing changed up to ``at``: the intervals that ended by then, of every meter whose
        counters have all reported in this session (see the module)."""
        rows: list[IntervalRow] = []
        for meter_id, state in self._state.items():
            if not self._unreported[meter_id]:
                rows += state.intervals.tick(at)
        return rows

    def _meter_intervals(self) -> Iterable[MeterIntervals]:
        return [s.intervals for s in self._state.values()]

    # --- state -------------------------------------------------------------------------------

    @property
    def counter_resets(self) -> int:
        return sum(s.intervals.resets for s in self._state.values())

    @property
    def rollovers(self) -> int:
        return sum(s.intervals.rollovers for s in self._state.values())

    def meter_status(self) -> dict[str, dict[str, Any]]:
        return {
            meter_id: {
                "power_kw": s.power_kw,
                "power_at": _iso(s.power_at),
                "import_kwh_total": s.intervals.import_kwh_total,
                "export_kwh_total": s.intervals.export_kwh_total,
                "last_sample_at": _iso(s.intervals.last_at),
            }
            for meter_id, s in self._state.items()
        }

    def _extra_status(self) -> dict[str, Any]:
        return {
            "peer": self.peer,
            "security": self.security.describe(),
            "subscribed_nodes": self.subscribed,
            "node_errors": self.node_errors,
            "bad_values": self.bad_values,
            "counter_resets": self.counter_resets,
            "rollovers": self.rollovers,
            "meters": self.meter_status(),
        }


def _iso(ts: datetime | None) -> str | None:
    return ts.isoformat() if ts else None
