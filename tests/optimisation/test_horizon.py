"""The step grid: DST-true step counts and local clock times mapped onto steps."""

from __future__ import annotations

from datetime import time

import pytest

from luna.optimisation import StepGrid, local_midnight, steps_in_local_day
from tests.optimisation.scenarios import FALL_BACK, SPRING_FORWARD, SUMMER_MONDAY


def _day(day):
    return StepGrid(local_midnight(day), 15, steps_in_local_day(day, 15))


@pytest.mark.parametrize(
    ("day", "steps"), [(SPRING_FORWARD, 92), (SUMMER_MONDAY, 96), (FALL_BACK, 100)]
)
def test_local_days_have_92_96_or_100_quarter_hours(day, steps):
    assert steps_in_local_day(day, 15) == steps


def test_clock_time_skipped_in_spring_resolves_to_just_after_the_gap():
    grid = _day(SPRING_FORWARD)
    boundary = grid.first_boundary_at_clock(time(2, 30))
    assert boundary == 8
    assert grid.boundaries[boundary].strftime("%H:%M %z") == "03:00 +0200"


def test_clock_time_repeated_in_autumn_resolves_to_its_first_occurrence():
    grid = _day(FALL_BACK)
    boundary = grid.first_boundary_at_clock(time(2, 30))
    assert boundary is not None
    assert grid.boundaries[boundary].strftime("%H:%M %z") == "02:30 +0200"


def test_deadline_at_the_start_clock_means_the_next_day_but_a_window_opening_does_not():
    grid = StepGrid(local_midnight(SUMMER_MONDAY), 15, 2 * 96)
    assert grid.first_boundary_at_clock(time(0)) == 96
    assert grid.first_boundary_at_clock(time(0), include_start=True) == 0


@pytest.mark.parametrize("day", [SPRING_FORWARD, SUMMER_MONDAY, FALL_BACK])
def test_clock_window_covers_the_same_local_hours_on_every_day(day):
    assert _day(day).steps_within_clock((time(17), time(20))).sum() == 12


def test_clock_window_may_wrap_past_midnight():
    mask = _day(SUMMER_MONDAY).steps_within_clock((time(22), time(6)))
    assert mask.sum() == 32
    assert mask[0]
    assert mask[-1]
    assert not mask[30]


def test_instants_snap_inward_to_step_boundaries():
    grid = _day(SUMMER_MONDAY)
    instant = local_midnight(SUMMER_MONDAY).replace(hour=7, minute=5)
    assert grid.boundary_at_or_after(instant) == 29
    assert grid.boundary_at_or_before(instant) == 28


def test_spans_read_like_a_clock_and_end_the_day_at_24_00():
    grid = _day(SUMMER_MONDAY)
    assert grid.span(68, 75) == "from 17:00 to 19:00"
    assert grid.span(73, 73) == "at 18:15"
    assert grid.span(92, 95) == "from 23:00 to 24:00"


def test_naive_start_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        StepGrid(local_midnight(SUMMER_MONDAY).replace(tzinfo=None), 15, 96)
