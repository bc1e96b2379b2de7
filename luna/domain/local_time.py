"""Site-local timestamps to UTC under explicit DST rules, and the interval grid per resolution.

A wall-clock time without an offset names one instant on most days, but not at the DST
changes: in the hour that repeats in autumn (Europe/Berlin, 2026-10-25 02:00–03:00) it names
two instants, and in the spring gap (2026-03-29 02:00–03:00) none. ``zoneinfo`` silently takes
the first of two and shifts a missing time by an hour, so two readings at 02:30 collapsed into
one row and a non-existent 02:30 was stored as another hour's. Here both are refused, naming
the timestamp: such a time needs its UTC offset (``2026-10-25T02:30:00+01:00``).

Interval starts lie on a grid counted from local midnight (a daily reading starts at 00:00, a
15-minute one at :00, :15, :30 or :45), so a reading at 00:01 or :07 is refused as well.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60


class LocalTimeError(ValueError):
    """A naive local timestamp that does not name exactly one instant."""


class AmbiguousLocalTimeError(LocalTimeError):
    """The wall-clock time occurs twice (the hour repeated when clocks go back)."""


class NonexistentLocalTimeError(LocalTimeError):
    """The wall-clock time never occurs (the hour skipped when clocks go forward)."""


def _offset(moment: datetime) -> str:
    return moment.isoformat()[-6:]


def to_utc(moment: datetime, tz: str) -> datetime:
    """Aware timestamps keep their offset; naive ones are read as local time in ``tz`` and
    must name exactly one instant there (else ``LocalTimeError``)."""
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    zone = ZoneInfo(tz)
    earlier = moment.replace(tzinfo=zone, fold=0)
    later = moment.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() == later.utcoffset():
        return earlier.astimezone(UTC)
    wall = moment.replace(fold=0).isoformat()
    # In a gap the round trip through UTC lands on another wall-clock time; in a repeat it
    # comes back unchanged.
    if earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None, fold=0) != moment.replace(
        fold=0
    ):
        raise NonexistentLocalTimeError(
            f"{wall} does not exist in {tz}: the clocks skip that hour (offset "
            f"{_offset(earlier)} before, {_offset(later)} after); send the timestamp with "
            "its UTC offset"
        )
    raise AmbiguousLocalTimeError(
        f"{wall} occurs twice in {tz}: the clocks repeat that hour; send the timestamp with "
        f"its UTC offset ({wall}{_offset(earlier)} for the first, {wall}{_offset(later)} for "
        "the second)"
    )


def misalignment(ts: datetime, minutes: int, tz: str) -> str | None:
    """Why ``ts`` is not a valid start of a ``minutes``-long interval, or None if it is.

    Resolutions that divide a day use the grid from local midnight in ``tz``; any other
    resolution (rare: 7 or 100 minutes) the grid counted from 1970-01-01 00:00 UTC."""
    local = ts.astimezone(ZoneInfo(tz))
    if ts.second or ts.microsecond:
        return f"{local.isoformat()} is not on a whole minute"
    if MINUTES_PER_DAY % minutes == 0:
        if (local.hour * 60 + local.minute) % minutes:
            return (
                f"{local.isoformat()} is not on the {minutes}-minute grid (intervals start "
                f"every {minutes} minutes from local midnight in {tz})"
            )
        return None
    if int(ts.timestamp()) % (minutes * 60):
        return f"{local.isoformat()} is not on the {minutes}-minute grid (counted from 1970 UTC)"
    return None
