"""The span of time Luna accepts from outside: 1970-01-01 to 2100-12-31.

Python's datetimes reach from year 1 to 9999, but converting ``0001-01-01`` or ``9999-12-31``
between time zones overflows (an ``OverflowError``, a 500), and no meter reading, price or
document date of an energy site lies outside this span. Every date and datetime that enters
through the API or a connector is one of the types below, so an absurd date is a 422 naming
the field instead of an error deep in a time-zone conversion.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

EARLIEST = datetime(1970, 1, 1)
LATEST = datetime(2100, 12, 31, 23, 59, 59, 999999)
SPAN = f"{EARLIEST.date().isoformat()} … {LATEST.date().isoformat()}"


def _datetime_in_span(value: datetime) -> datetime:
    # Compared as wall-clock time: converting first is what overflows at the extremes, and a
    # few hours of offset at either end of a 130-year span do not matter.
    if not EARLIEST <= value.replace(tzinfo=None) <= LATEST:
        raise ValueError(f"{value.isoformat()} is outside the supported span {SPAN}")
    return value


def _date_in_span(value: date) -> date:
    if not EARLIEST.date() <= value <= LATEST.date():
        raise ValueError(f"{value.isoformat()} is outside the supported span {SPAN}")
    return value


BoundedDatetime = Annotated[datetime, AfterValidator(_datetime_in_span)]
BoundedAwareDatetime = Annotated[AwareDatetime, AfterValidator(_datetime_in_span)]
BoundedDate = Annotated[date, AfterValidator(_date_in_span)]
