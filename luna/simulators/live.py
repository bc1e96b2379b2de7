"""The simulator as a live data source: backfills history, then writes each interval as it ends.

This is what the embedded demo runs, so the dashboards show a day that fills up in real time;
a site with real meters configures the MQTT source instead (``LUNA_DATA_SOURCE=mqtt``).
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from luna.config import site_price_zone, site_timezone
from luna.simulators.backfill import backfill, day_window
from luna.simulators.national_drivers import ZONES
from luna.simulators.simulate_smart_meter import MeterSpec

log = logging.getLogger(__name__)


def _floor_quarter(now: pd.Timestamp) -> pd.Timestamp:
    return now.tz_convert("UTC").floor("15min")


class SimulatorSource:
    """Keeps simulated readings up to the last full quarter-hour and prices through tomorrow."""

    name = "simulator"

    def __init__(
        self,
        engine: Engine,
        specs: list[MeterSpec],
        *,
        seed: int,
        history_days: int,
        zone: str | None = None,
        timezone: str | None = None,
        tick_s: float = 60.0,
    ) -> None:
        """``zone`` and ``timezone`` default to the site's (``LUNA_PRICE_ZONE``,
        ``LUNA_TIMEZONE``)."""
        self._engine = engine
        self._specs = specs
        self._seed = seed
        self._history_days = history_days
        self._zone = zone or site_price_zone()
        self._timezone = timezone or site_timezone()
        if self._zone not in ZONES:  # refused at start-up, not on every tick
            raise ValueError(
                f"the simulator makes prices for {', '.join(sorted(ZONES))} only, not for "
                f"zone {self._zone!r} (LUNA_PRICE_ZONE); feed real data instead "
                "(LUNA_DATA_SOURCE=mqtt or none)"
            )
        self._tick_s = tick_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.written_until: pd.Timestamp | None = None
        self.rows_written = 0
        self.last_error: str | None = None
        self.last_tick_at: datetime | None = None

    def catch_up(self, now: datetime | None = None) -> int:
        """Write everything from the last written interval (or the history start) to ``now``."""
        current = _floor_quarter(pd.Timestamp(now) if now else pd.Timestamp.now(tz="UTC"))
        start = (
            self.written_until
            or day_window(self._history_days, end=current, timezone=self._timezone)[0]
        )
        if current <= start:
            return 0
        tomorrow_end = current.tz_convert(self._timezone).normalize() + pd.Timedelta(days=2)
        report = backfill(
            self._engine,
            self._specs,
            start,
            current,
            seed=self._seed,
            zone=self._zone,
            price_end=tomorrow_end.tz_convert("UTC"),
        )
        self.written_until = current
        self.rows_written += report.readings_written
        return report.readings_written

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.catch_up()
                self.last_error = None
                self.last_tick_at = datetime.now(UTC)
            except Exception as exc:  # keep the source alive; report on the admin page
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("simulator source failed; retrying")
            self._stop.wait(self._tick_s)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="simulator-source", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def status(self) -> dict[str, Any]:
        return {
            "source": self.name,
            "running": self._thread is not None and self._thread.is_alive(),
            "meters": len(self._specs),
            "written_until": self.written_until.isoformat() if self.written_until else None,
            "rows_written": self.rows_written,
            "last_tick_at": self.last_tick_at.isoformat() if self.last_tick_at else None,
            "tick_s": self._tick_s,
            "last_error": self.last_error,
        }
