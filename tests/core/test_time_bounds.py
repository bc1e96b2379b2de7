"""The accepted span of dates: both ends inclusive, offsets never overflow, one message."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from luna.core.time_bounds import BoundedAwareDatetime, BoundedDate, BoundedDatetime
from luna.domain.records import Reading

MOMENT = TypeAdapter(BoundedDatetime)
AWARE = TypeAdapter(BoundedAwareDatetime)
DAY = TypeAdapter(BoundedDate)


@pytest.mark.parametrize(
    "text", ["1970-01-01T00:00", "2100-12-31T23:59:59", "1970-01-01T00:00-12:00", "2026-03-29"]
)
def test_moments_inside_the_span_pass_unchanged(text: str):
    assert MOMENT.validate_python(text) == datetime.fromisoformat(text)


@pytest.mark.parametrize(
    "text", ["0001-01-01", "1969-12-31T23:59:59", "2101-01-01", "9999-12-31T23:59:59+14:00"]
)
def test_moments_outside_the_span_are_refused_without_overflowing(text: str):
    with pytest.raises(ValidationError, match="outside the supported span 1970-01-01"):
        MOMENT.validate_python(text)


def test_aware_moments_and_dates_have_the_same_span():
    with pytest.raises(ValidationError, match="timezone"):
        AWARE.validate_python("2026-01-01T00:00")  # still needs its offset
    with pytest.raises(ValidationError, match="outside the supported span"):
        AWARE.validate_python("9999-12-31T00:00Z")
    assert DAY.validate_python("2100-12-31") == date(2100, 12, 31)
    with pytest.raises(ValidationError, match="outside the supported span"):
        DAY.validate_python("0001-01-01")


def test_a_reading_from_year_one_is_invalid_whatever_channel_it_came_through():
    """Readings from the API, MQTT and the simulators share the model, so the bound too."""
    with pytest.raises(ValidationError, match="outside the supported span"):
        Reading.model_validate(
            {"meter_id": "M-1", "ts": "0001-01-01T00:00", "consumption_kwh": 1.0},
            context={"timezone": "Europe/Berlin"},
        )
