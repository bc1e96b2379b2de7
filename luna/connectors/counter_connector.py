"""The connectors whose meters report cumulative energy counters (Modbus TCP, OPC-UA): their
counter state survives a restart.

:class:`~luna.connectors.counters.MeterIntervals` keeps each meter's last counter values in
memory; without them a restarted connector would take its first sample as a new baseline and
never write the interval it restarted in. So:

- when a step closes an interval, the meter's :class:`~luna.connectors.counters.CounterState`
  is queued right behind the readings of that step (:meth:`CounterConnector.submit_intervals`)
  and the writer upserts it in their transaction (:mod:`luna.connectors.counter_baselines`):
  the stored state never runs ahead of, or lags behind, the stored readings;
- a clean stop queues every meter's current state (:meth:`CounterConnector.submit_final_states`),
  written with the last readings by the base's final flush;
- before its first sample a connector loads the stored states (:meth:`restore_baselines`; no
  sample is taken while the database cannot be read), and the first step after the restart
  runs from them: spread over the downtime, a rollover or reset handled as in
  :mod:`luna.connectors.counters`, the interval across the restart written exactly once.

After a crash the stored state is the one of the last committed step that closed an interval;
the samples after it were not lost, the next step from the stored values carries their energy
(a reset among those unstored samples costs what a reset always costs: that step).
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections.abc import Iterable, Sequence

from sqlalchemy.exc import SQLAlchemyError

from luna.connectors.base import Connector
from luna.connectors.counter_baselines import load_states
from luna.connectors.counters import CounterState, IntervalRow, MeterIntervals

log = logging.getLogger(__name__)


class CounterConnector(Connector):
    """A :class:`Connector` whose meters are :class:`MeterIntervals`; see the module."""

    _baselines_loaded = False

    @abstractmethod
    def _meter_intervals(self) -> Iterable[MeterIntervals]:
        """Every configured meter's counters."""

    def restore_baselines(self) -> bool:
        """Load the stored states once, before the first sample. False: the database could
        not be read (logged); take no sample yet, try again later."""
        if self._baselines_loaded:
            return True
        meters = {m.meter_id: m for m in self._meter_intervals()}
        try:
            with self._engine.connect() as conn:
                states = load_states(conn, self.instance, list(meters))
        except SQLAlchemyError as exc:
            self.stats.error(f"database: counter baselines: {exc.__class__.__name__}")
            log.error("%s cannot load counter baselines, retrying: %s", self.instance, exc)
            return False
        restored = [s.meter_id for s in states if meters[s.meter_id].restore(s)]
        self._baselines_loaded = True
        if restored:
            log.info(
                "%s goes on from stored counter baselines of %d meters",
                self.instance,
                len(restored),
            )
        return True

    def take_states(self) -> list[CounterState]:
        """The states of the meters that closed an interval since the last call."""
        return [s for m in self._meter_intervals() if (s := m.take_state()) is not None]

    def submit_intervals(
        self, rows: Sequence[IntervalRow], states: Sequence[CounterState] | None = None
    ) -> int:
        """Queue interval readings, then the states they leave (default: taken now); blocks
        under backpressure. Returns how many readings were queued."""
        if states is None:
            states = self.take_states()
        queued = 0
        for row in rows:
            if not self.submit(row, None, counted=True):
                return queued  # stopping: neither the rest nor the states are stored
            queued += 1
        for state in states:
            if not self.submit_state(state):
                break
        return queued

    def submit_final_states(self) -> None:
        """On a clean stop, after the last sample: every meter's state as of now."""
        for meter in self._meter_intervals():
            state = meter.state()
            if state is not None and not self.submit_state(state):
                return
