"""DST rules for naive local timestamps and the interval grid, on Berlin's 2026 change days."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from luna.domain.local_time import (
    AmbiguousLocalTimeError,
    NonexistentLocalTimeError,
    misalignment,
    to_utc,
)

TZ = "Europe/Berlin"


def test_ordinary_and_aware_times_convert_as_before():
    assert to_utc(datetime(2026, 10, 25, 1, 59), TZ) == datetime(2026, 10, 24, 23, 59, tzinfo=UTC)
    assert to_utc(datetime(2026, 10, 25, 3, 0), TZ) == datetime(2026, 10, 25, 2, 0, tzinfo=UTC)
    assert to_utc(datetime(2026, 3, 29, 3, 0), TZ) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    aware = datetime.fromisoformat("2026-10-25T02:30:00+01:00")
    assert to_utc(aware, TZ) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize("minute", [0, 30, 59])
def test_the_repeated_autumn_hour_is_ambiguous_and_names_both_offsets(minute: int):
    with pytest.raises(AmbiguousLocalTimeError) as refused:
        to_utc(datetime(2026, 10, 25, 2, minute), TZ)
    message = str(refused.value)
    assert f"2026-10-25T02:{minute:02d}:00" in message
    assert "+02:00" in message
    assert "+01:00" in message


@pytest.mark.parametrize("minute", [0, 30, 59])
def test_the_skipped_spring_hour_does_not_exist(minute: int):
    with pytest.raises(NonexistentLocalTimeError, match=f"2026-03-29T02:{minute:02d}:00"):
        to_utc(datetime(2026, 3, 29, 2, minute), TZ)


def test_the_grid_is_counted_from_local_midnight():
    midnight_cet = datetime(2026, 10, 25, 23, 0, tzinfo=UTC)  # 2026-10-26 00:00 local
    assert misalignment(midnight_cet, 1440, TZ) is None
    assert misalignment(datetime(2026, 10, 25, 0, 0, tzinfo=UTC), 1440, TZ) is not None
    assert misalignment(datetime(2026, 10, 25, 23, 1, tzinfo=UTC), 1440, TZ) is not None
    assert misalignment(datetime(2026, 10, 25, 1, 45, tzinfo=UTC), 15, TZ) is None
    assert misalignment(datetime(2026, 10, 25, 1, 52, tzinfo=UTC), 15, TZ) is not None
    assert misalignment(datetime(2026, 10, 25, 1, 45, 30, tzinfo=UTC), 15, TZ) is not None
    assert misalignment(datetime(2026, 10, 25, 1, 0, tzinfo=UTC), 7, TZ) is not None  # 1970 grid
