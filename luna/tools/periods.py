"""Named periods ("last_week", "yesterday") turned into local-time ranges.

Small models are unreliable at date arithmetic, so the tools take a period name and compute
the range here, in the site's time zone; explicit dates remain possible for everything else.
Ranges are half-open ``[start, end)`` in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from luna.tools.results import ToolInputError

Period = Literal[
    "today",
    "yesterday",
    "tomorrow",
    "this_week",
    "last_week",
    "last_7_days",
    "this_month",
    "last_month",
    "last_30_days",
    "this_year",
    "last_year",
]
Step = Literal["day", "week", "month", "span"]
PERIOD_HELP = (
    "today, yesterday, tomorrow, this_week, last_week (the previous Monday-Sunday), "
    "last_7_days, this_month, last_month, last_30_days, this_year, last_year"
)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def period_range(period: Period, now: datetime, tz: str) -> tuple[datetime, datetime]:
    """The local calendar range of ``period`` around ``now`` (end exclusive, UTC)."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    first = today.replace(day=1)
    start: date
    end: date
    if period == "today":
        start, end = today, today + timedelta(days=1)
    elif period == "yesterday":
        start, end = today - timedelta(days=1), today
    elif period == "tomorrow":
        start, end = today + timedelta(days=1), today + timedelta(days=2)
    elif period == "this_week":
        start, end = monday, today + timedelta(days=1)
    elif period == "last_week":
        start, end = monday - timedelta(days=7), monday
    elif period == "last_7_days":
        start, end = today - timedelta(days=7), today
    elif period == "this_month":
        start, end = first, today + timedelta(days=1)
    elif period == "last_month":
        start, end = (first - timedelta(days=1)).replace(day=1), first
    elif period == "last_30_days":
        start, end = today - timedelta(days=30), today
    elif period == "this_year":
        start, end = today.replace(month=1, day=1), today + timedelta(days=1)
    elif period == "last_year":
        start, end = (
            today.replace(year=today.year - 1, month=1, day=1),
            today.replace(month=1, day=1),
        )
    else:  # pragma: no cover - Literal exhausts the cases
        raise ToolInputError(f"unknown period '{period}'; use one of: {PERIOD_HELP}")
    return _midnight(start, zone).astimezone(UTC), _midnight(end, zone).astimezone(UTC)


def period_days(period: Period, now: datetime, tz: str) -> tuple[date, date]:
    """The first and last local day of ``period`` (inclusive), as a follow-up shifts them."""
    start, end = period_range(period, now, tz)
    zone = ZoneInfo(tz)
    return start.astimezone(zone).date(), (end.astimezone(zone) - timedelta(days=1)).date()


def neighbour_days(
    first: date, last: date, step: Step, direction: int, today: date
) -> tuple[date, date]:
    """The days before (``direction`` -1) or after (+1) ``first``–``last``, by ``step``: "the day
    before" is one day, "the week before" the same seven days a week earlier (or, from a shorter
    span, the Monday–Sunday week next to it), "the month before" the neighbouring calendar
    month, and a bare "before that" a span as long as this one. A follow-up ("und einen Tag
    früher?", "the week after") moves the thread's period this way; days after today are cut
    off, as no reading lies there."""
    length = (last - first).days + 1
    if step == "day":
        day = first - timedelta(days=1) if direction < 0 else last + timedelta(days=1)
        lo, hi = day, day
    elif step == "week" and length == 7:
        lo, hi = first + timedelta(days=7 * direction), last + timedelta(days=7 * direction)
    elif step == "week":
        monday = first - timedelta(days=first.weekday()) + timedelta(days=7 * direction)
        lo, hi = monday, monday + timedelta(days=6)
    elif step == "month":
        if direction < 0:
            hi = first.replace(day=1) - timedelta(days=1)
            lo = hi.replace(day=1)
        else:
            lo = (last.replace(day=28) + timedelta(days=4)).replace(day=1)
            hi = (lo.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    else:
        shift = timedelta(days=length * direction)
        lo, hi = first + shift, last + shift
    return lo, min(hi, max(lo, today))


def parse_moment(value: str, tz: str, field: str) -> datetime:
    """An ISO date or date-time; without an offset it is read as site time."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ToolInputError(
            f"{field} '{value}' is not an ISO date like 2025-03-01 or 2025-03-01T18:00"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return moment.astimezone(UTC)


def resolve_range(
    period: Period | None, start: str | None, end: str | None, now: datetime, tz: str
) -> tuple[datetime, datetime]:
    """The range asked for: a named period, or explicit ``start``/``end`` (end defaults to now)."""
    if period is not None:
        if start or end:
            raise ToolInputError("give either a period or start/end, not both")
        return period_range(period, now, tz)
    if not start:
        raise ToolInputError(f"give a period ({PERIOD_HELP}) or a start date")
    lo = parse_moment(start, tz, "start")
    hi = parse_moment(end, tz, "end") if end else now
    if len(end or "") == 10 and hi >= lo:  # a bare end date means "through that day"
        hi = hi + timedelta(days=1)
    if hi <= lo:
        raise ToolInputError(f"end ({hi.isoformat()}) must be after start ({lo.isoformat()})")
    return lo, hi


def describe_range(start: datetime, end: datetime, tz: str) -> str:
    """``2025-03-03 00:00 – 2025-03-10 00:00 (Europe/Berlin)``."""
    zone = ZoneInfo(tz)
    return f"{start.astimezone(zone):%Y-%m-%d %H:%M} – {end.astimezone(zone):%Y-%m-%d %H:%M} ({tz})"
