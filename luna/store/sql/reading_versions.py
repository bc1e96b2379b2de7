"""Change stamps of stored readings per UTC day: what a cache of figures derived from a day's
readings is keyed on.

Triggers on ``smart_meter_readings`` (migration 0014) keep, per meter and UTC day, the id of
the last transaction that inserted, changed or deleted one of its readings
(:class:`~luna.store.sql.models.ReadingDayVersion`); a TRUNCATE renews every version. So any
write, by any process or by hand in SQL, changes the stamp of the days it touched, and a day
without a version has never had a reading. Reading the stamps of a year costs an index range
scan over at most 366 rows per meter, where the readings under them are 96 per meter and day.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import text
from sqlalchemy.engine import Connection

# One stamp per day over all the meters asked for: the XOR of a 64-bit hash of each meter's
# id seeded with its version, so a new version of any one meter changes the day's stamp.
_DAY_STAMPS = text(
    """
    SELECT day, bit_xor(hashtextextended(meter_id, version)) AS stamp
    FROM reading_day_versions
    WHERE meter_id = ANY(:meters) AND day >= :first AND day <= :last
    GROUP BY day
    """
)


def day_stamps(
    conn: Connection, meter_ids: Sequence[str], first: date, last: date
) -> dict[date, int]:
    """The stamp of each UTC day in ``[first, last]`` on which one of the meters ever had a
    reading; the other days are absent (they hold no readings)."""
    if not meter_ids:
        return {}
    rows = conn.execute(_DAY_STAMPS, {"meters": list(meter_ids), "first": first, "last": last})
    return {day: int(stamp) for day, stamp in rows}


# One stamp over every meter and day: a hash of the meter and day seeded with the version, so
# a new version of any day, or a day's first, changes it; one row back, whatever the range.
_RANGE_STAMP = text(
    """
    SELECT count(*) AS n,
           coalesce(bit_xor(hashtextextended(meter_id || '@' || day::text, version)), 0) AS stamp
    FROM reading_day_versions
    WHERE meter_id = ANY(:meters) AND day >= :first AND day <= :last
    """
)


def range_stamp(
    conn: Connection, meter_ids: Sequence[str], first: date, last: date
) -> tuple[int, int]:
    """One stamp over the meters' days in ``[first, last]``: it changes with any of the
    :func:`day_stamps`, so a figure over the whole range is checked with one small row."""
    if not meter_ids:
        return (0, 0)
    row = conn.execute(
        _RANGE_STAMP, {"meters": list(meter_ids), "first": first, "last": last}
    ).one()
    return int(row.n), int(row.stamp)
