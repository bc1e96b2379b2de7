"""The step grid of a schedule: absolute step instants and their local wall-clock reading.

Steps are fixed lengths of absolute time (UTC arithmetic), so a day with a DST switch simply has
fewer or more steps (92 or 100 quarter hours). Clock times from operators ("07:00",
"17:00–20:00") are mapped onto this grid by reading each step boundary on the local clock, which
is what keeps rules DST-safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from luna.config import site_timezone

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class StepGrid:
    """``n_steps`` consecutive steps of ``step_minutes`` from ``start``, read in ``timezone``."""

    start: datetime
    step_minutes: int
    n_steps: int
    timezone: str = field(default_factory=site_timezone)  # default: LUNA_TIMEZONE

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise ValueError("start must be timezone-aware")

    @property
    def step_hours(self) -> float:
        return self.step_minutes / 60.0

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def boundaries(self) -> tuple[datetime, ...]:
        """The ``n_steps + 1`` boundaries as aware local datetimes; boundary k starts step k."""
        start_utc = self.start.astimezone(UTC)
        step = timedelta(minutes=self.step_minutes)
        return tuple((start_utc + k * step).astimezone(self.zone) for k in range(self.n_steps + 1))

    @cached_property
    def _wall_clock(self) -> tuple[datetime, ...]:
        """Boundaries as naive local wall-clock readings (they jump at DST switches)."""
        return tuple(b.replace(tzinfo=None) for b in self.boundaries)

    def step_start(self, k: int) -> datetime:
        return self.boundaries[k]

    def step_end(self, k: int) -> datetime:
        return self.boundaries[k + 1]

    def clock(self, boundary: int) -> str:
        """Local ``HH:MM`` of a boundary, as people read it off the wall."""
        return self.boundaries[boundary].strftime("%H:%M")

    def end_clock(self, boundary: int) -> str:
        """Like :meth:`clock`, but a midnight that ends a day reads ``24:00``."""
        text = self.clock(boundary)
        return "24:00" if text == "00:00" and boundary > 0 else text

    def span(self, first_step: int, last_step: int) -> str:
        """Words for the time covered by steps ``first_step..last_step`` (inclusive)."""
        if first_step == last_step:
            return f"at {self.clock(first_step)}"
        return f"from {self.clock(first_step)} to {self.end_clock(last_step + 1)}"

    def local_days(self) -> list[tuple[int, int]]:
        """The steps of each local calendar day in the horizon, as ``[first, end)`` ranges."""
        dates = [self._wall_clock[k].date() for k in range(self.n_steps)]
        firsts = [k for k in range(self.n_steps) if k == 0 or dates[k] != dates[k - 1]]
        return list(zip(firsts, [*firsts[1:], self.n_steps], strict=True))

    def boundary_at_or_after(self, instant: datetime) -> int:
        """Index of the first boundary not before ``instant`` (a window may start there)."""
        return int(np.ceil(self._steps_since_start(instant) - 1e-9))

    def boundary_at_or_before(self, instant: datetime) -> int:
        """Index of the last boundary not after ``instant`` (a window may end there)."""
        return int(np.floor(self._steps_since_start(instant) + 1e-9))

    def _steps_since_start(self, instant: datetime) -> float:
        if instant.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        seconds = (instant - self.start).total_seconds()
        return seconds / (self.step_minutes * 60.0)

    def first_boundary_at_clock(self, clock: time, *, include_start: bool = False) -> int | None:
        """First boundary at which the local clock reaches ``clock`` (the start only if asked).

        A wall-clock time skipped by the spring switch (02:30) resolves to the boundary right
        after the gap (03:00); one repeated in autumn resolves to its first occurrence.
        """
        wall = self._wall_clock
        if include_start and wall[0].time() == clock:
            return 0
        for k in range(1, len(wall)):
            before, now = wall[k - 1], wall[k]
            for day in sorted({before.date(), now.date()}):
                target = datetime.combine(day, clock)
                if before < target <= now:
                    return k
        return None

    def steps_within_clock(self, window: tuple[time, time] | None) -> BoolArray:
        """Steps whose local start time lies in ``[from, to)``; wraps past midnight if to <= from.

        ``None`` selects every step; ``from == to`` selects the whole day.
        """
        if window is None:
            return np.ones(self.n_steps, dtype=bool)
        lo, hi = window
        clocks = [self._wall_clock[k].time() for k in range(self.n_steps)]
        if lo < hi:
            mask = [lo <= c < hi for c in clocks]
        elif lo > hi:
            mask = [c >= lo or c < hi for c in clocks]
        else:
            mask = [True] * self.n_steps
        return np.asarray(mask, dtype=bool)


def step_runs(mask: BoolArray) -> list[tuple[int, int]]:
    """Consecutive ``True`` runs of a per-step mask as ``(first, last)`` step pairs."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for t, flag in enumerate(mask):
        if flag and start is None:
            start = t
        elif not flag and start is not None:
            runs.append((start, t - 1))
            start = None
    if start is not None:
        runs.append((start, len(mask) - 1))
    return runs


def steps_in_local_day(day: date, step_minutes: int, timezone: str | None = None) -> int:
    """How many steps a local calendar day has (92, 96 or 100 quarter hours in Berlin) in
    ``timezone`` (default: the site's)."""
    zone = ZoneInfo(timezone or site_timezone())
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    seconds = (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds()
    return round(seconds / (step_minutes * 60))


def local_midnight(day: date, timezone: str | None = None) -> datetime:
    """The aware start of a local calendar day in ``timezone`` (default: the site's)."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone or site_timezone()))
