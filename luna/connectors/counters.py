"""Cumulative energy counters → interval energies: one implementation for every polled or
subscribed meter (Modbus TCP, OPC-UA).

A meter's import counter feeds ``consumption_kwh``, its export counter ``production_kwh``. The
increase between two samples is spread over the intervals the two samples span, in proportion to
time; an interval is handed out once a sample at or after its end has been seen (it is upserted,
so a repeat is harmless). A counter that goes backwards is a **rollover** when it has a known
wrap (an unsigned integer register or node, or a configured display maximum) and was near it
(the wrap is added), else a **reset** (re-baselined, counted, nothing guessed for that step); a
step above ``max_step_kwh`` is ignored the same way. The interval the first sample falls in
began before it and is never handed out. A sample older than the last one is taken at the last
one's time: a device clock behind ours, or a value sent again after a reconnect (unchanged, so
it adds nothing); a cumulative counter loses no energy by that, only its placement moves.

Intervals lie on the UTC grid of ``interval_minutes`` (a divisor of 60), which is the local grid
of every zone with whole-hour offsets.

A restart must not lose (or count twice) the interval it falls in: :meth:`MeterIntervals.state`
is everything needed to go on (the last raw values and their time, the energies of the intervals
not yet handed out); it is persisted with the readings that closed an interval
(:mod:`luna.connectors.counter_connector`) and :meth:`MeterIntervals.restore` takes it back, so
the first sample after a restart is a step from the persisted one: spread over the downtime,
with the rollover and reset rules above, like a reconnect.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

log = logging.getLogger(__name__)

IntervalRow = tuple[str, datetime, int, float, float]  # READINGS.columns order
UNIT_FACTOR = {"Wh": 1e-3, "kWh": 1.0, "MWh": 1e3, "W": 1e-3, "kW": 1.0}  # → kWh or kW
ENERGY_UNITS = ("Wh", "kWh", "MWh")
POWER_UNITS = ("W", "kW")
NEAR_WRAP = 0.1  # last above (1 - 0.1) × wrap and now below 0.1 × wrap: a rollover


@dataclass(frozen=True)
class CounterSample:
    """One counter value as read: ``raw × factor`` is kWh; ``wrap``: where it rolls over."""

    raw: float
    factor: float
    wrap: float | None = None


@dataclass(frozen=True)
class CounterState:
    """One meter's counters as of a sample: what a restarted connector goes on from.

    ``open_intervals`` are the intervals begun but not yet handed out (start, import kWh,
    export kWh so far); every earlier interval has been handed out. ``first_interval`` began
    before the very first sample and is never handed out."""

    meter_id: str
    at: datetime
    interval_minutes: int
    import_raw: float | None = None
    export_raw: float | None = None
    import_kwh: float | None = None
    export_kwh: float | None = None
    open_intervals: tuple[tuple[datetime, float, float], ...] = ()
    first_interval: datetime | None = None


@dataclass
class _Channel:
    raw: float | None = None  # last raw value (before the factor)
    total_kwh: float | None = None


@dataclass
class MeterIntervals:
    """One meter's import and export counters, turned into interval energies."""

    meter_id: str
    interval_minutes: int = 15
    max_step_kwh: float = 1e6
    source: str = "counter"  # for log lines: the connector's name
    resets: int = 0
    rollovers: int = 0
    last_at: datetime | None = None
    first_interval: datetime | None = None  # began before the first sample: never handed out
    _imp: _Channel = field(default_factory=_Channel)
    _exp: _Channel = field(default_factory=_Channel)
    _open: dict[datetime, list[float]] = field(default_factory=dict)  # start → [imp, exp] kWh
    _closed: bool = False  # an interval was handed out (or dropped) since the last take_state

    def __post_init__(self) -> None:
        if self.interval_minutes <= 0 or 60 % self.interval_minutes:
            raise ValueError("interval_minutes must divide 60")

    @property
    def step(self) -> timedelta:
        return timedelta(minutes=self.interval_minutes)

    @property
    def import_kwh_total(self) -> float | None:
        return self._imp.total_kwh

    @property
    def export_kwh_total(self) -> float | None:
        return self._exp.total_kwh

    def update(
        self,
        at: datetime,
        imp: CounterSample | None = None,
        exp: CounterSample | None = None,
    ) -> list[IntervalRow]:
        """Take the counters' values at ``at`` (either may be missing: unchanged); return the
        intervals that have ended, oldest first."""
        if self.last_at is not None and at < self.last_at:
            at = self.last_at
        steps = [0.0, 0.0]
        for i, (name, channel, sample) in enumerate(
            (("import", self._imp, imp), ("export", self._exp, exp))
        ):
            if sample is not None:
                steps[i] = self._step(name, channel, sample)
                channel.total_kwh = sample.raw * sample.factor
        if self.last_at is None:
            self.first_interval = floor_time(at, self.step)
        else:
            spread(self._open, self.last_at, at, steps, self.step)
        self.last_at = at
        return self._ended(at)

    def tick(self, at: datetime) -> list[IntervalRow]:
        """Nothing changed up to ``at`` (a subscription reports changes only): close what ended."""
        if self.last_at is None:
            return []
        return self.update(at)

    def state(self) -> CounterState | None:
        """The counters as of the last sample (None before the first one)."""
        if self.last_at is None:
            return None
        return CounterState(
            meter_id=self.meter_id,
            at=self.last_at,
            interval_minutes=self.interval_minutes,
            import_raw=self._imp.raw,
            export_raw=self._exp.raw,
            import_kwh=self._imp.total_kwh,
            export_kwh=self._exp.total_kwh,
            open_intervals=tuple((start, e[0], e[1]) for start, e in sorted(self._open.items())),
            first_interval=self.first_interval,
        )

    def take_state(self) -> CounterState | None:
        """The state when an interval has been closed since the last call, else None: it goes
        to the database with the readings that closed it (a sample that closes nothing changes
        no stored reading, and the next step from the stored state carries its energy)."""
        if not self._closed:
            return None
        self._closed = False
        return self.state()

    def restore(self, state: CounterState) -> bool:
        """Go on from a persisted state; only before the first sample (after it, this object's
        own state is newer) and on the same interval grid. True: restored."""
        if self.last_at is not None or state.meter_id != self.meter_id:
            return False
        if state.interval_minutes != self.interval_minutes:
            log.warning(
                "%s %s: stored counter baseline is on a %d min grid, not %d: not used",
                *(self.source, self.meter_id, state.interval_minutes, self.interval_minutes),
            )
            return False
        self._imp = _Channel(state.import_raw, state.import_kwh)
        self._exp = _Channel(state.export_raw, state.export_kwh)
        self._open = {start: [imp, exp] for start, imp, exp in state.open_intervals}
        self.first_interval = state.first_interval
        self.last_at = state.at
        return True

    def _step(self, name: str, channel: _Channel, sample: CounterSample) -> float:
        """kWh since the last sample of one counter (0 on the first sample or after a reset)."""
        last, channel.raw = channel.raw, sample.raw
        if last is None:
            return 0.0
        delta = sample.raw - last
        if delta < 0:
            wrap = sample.wrap
            if wrap is not None and last > (1 - NEAR_WRAP) * wrap and sample.raw < NEAR_WRAP * wrap:
                self.rollovers += 1
                delta += wrap
            else:
                self.resets += 1
                log.warning(
                    "%s %s: %s counter went back (%s → %s): reset",
                    self.source,
                    self.meter_id,
                    name,
                    last,
                    sample.raw,
                )
                return 0.0
        kwh = delta * sample.factor
        if kwh > self.max_step_kwh:
            self.resets += 1
            log.warning(
                "%s %s: %s counter jumped by %.0f kWh: ignored",
                *(self.source, self.meter_id, name, kwh),
            )
            return 0.0
        return kwh

    def _ended(self, at: datetime) -> list[IntervalRow]:
        rows: list[IntervalRow] = []
        for start in sorted(self._open):
            if start + self.step > at:
                break
            imp, exp = self._open.pop(start)
            self._closed = True
            if start == self.first_interval:
                continue  # began before the first sample: incomplete
            rows.append((self.meter_id, start, self.interval_minutes, max(imp, 0.0), max(exp, 0.0)))
        return rows


def floor_time(ts: datetime, step: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + ((ts - epoch) // step) * step


def spread(
    open_: dict[datetime, list[float]],
    t0: datetime,
    t1: datetime,
    energies: list[float],
    step: timedelta,
) -> None:
    """Add energies measured over [t0, t1] to the intervals it overlaps, by time share."""
    span = (t1 - t0).total_seconds()
    start = floor_time(t0, step)
    while start < t1:
        overlap = (min(start + step, t1) - max(start, t0)).total_seconds()
        share = overlap / span if span > 0 else 1.0
        bucket = open_.setdefault(start, [0.0, 0.0])
        bucket[0] += energies[0] * share
        bucket[1] += energies[1] * share
        start += step
