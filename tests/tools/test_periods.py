"""Periods resolved by code: a named period as local days, and the neighbouring span a
follow-up moves to ("the day before", "the week before", "the month before", "davor")."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from luna.tools.periods import Step, neighbour_days, period_days

TZ = "Europe/Berlin"
NOW = datetime(2025, 6, 18, 10, 0, tzinfo=ZoneInfo(TZ))  # a Wednesday
TODAY = NOW.date()


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [
        ("yesterday", "2025-06-17", "2025-06-17"),
        ("last_week", "2025-06-09", "2025-06-15"),
        ("last_month", "2025-05-01", "2025-05-31"),
        ("this_week", "2025-06-16", "2025-06-18"),
    ],
)
def test_named_periods_are_inclusive_local_days(period, first: str, last: str):
    assert period_days(period, NOW, TZ) == (date.fromisoformat(first), date.fromisoformat(last))


@pytest.mark.parametrize(
    ("span", "step", "direction", "expected"),
    [
        (("2025-06-17", "2025-06-17"), "day", -1, ("2025-06-16", "2025-06-16")),
        (("2025-06-16", "2025-06-16"), "day", -1, ("2025-06-15", "2025-06-15")),  # chained
        (("2025-06-09", "2025-06-15"), "week", -1, ("2025-06-02", "2025-06-08")),
        # from one day, "the previous week" is the Monday–Sunday week before its own
        (("2025-06-17", "2025-06-17"), "week", -1, ("2025-06-09", "2025-06-15")),
        (("2025-05-01", "2025-05-31"), "month", -1, ("2025-04-01", "2025-04-30")),
        (("2025-06-01", "2025-06-07"), "span", -1, ("2025-05-25", "2025-05-31")),
        (("2025-06-15", "2025-06-15"), "day", 1, ("2025-06-16", "2025-06-16")),
        # forward moves stop at today: no reading lies beyond it
        (("2025-06-09", "2025-06-15"), "week", 1, ("2025-06-16", "2025-06-18")),
    ],
)
def test_a_follow_up_moves_the_period_by_its_step(
    span: tuple[str, str], step: Step, direction: int, expected: tuple[str, str]
):
    first, last = (date.fromisoformat(d) for d in span)
    assert neighbour_days(first, last, step, direction, TODAY) == tuple(
        date.fromisoformat(d) for d in expected
    )
