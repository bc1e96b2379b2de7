"""Tomorrow's day-ahead prices, fetched every day: a periodic job of the workers.

The SDAC day-ahead auction publishes its results about 12:45 CET and the ENTSO-E Transparency
Platform has them minutes later. Every worker (``luna worker``, ``luna serve``'s in-process one)
runs procrastinate's periodic deferrer, which queues an ``entsoe_day_ahead`` job at
``LUNA_ENTSOE_FETCH_AT`` in the bidding zone's local time (``LUNA_PRICE_ZONE``): each slot is
queued once however many workers run (``procrastinate_periodic_defers`` is unique per slot).
procrastinate's cron is in UTC, so the task is registered at every UTC hour the local time can
fall on over the year (winter and summer time); a run whose slot is not the configured local
time ends at once (``not_due``).

A run (:func:`fetch_day`) asks for the delivery day after the slot's local date:

- already stored completely (every interval of the local day, at some resolution): nothing is
  asked (``already_stored``); a repeated run is a no-op;
- prices: upserted (:func:`luna.connectors.entsoe.store_prices`, idempotent) → ``stored``;
- ENTSO-E's acknowledgement "no matching data" (not published yet) or an error that may pass
  (not reachable, HTTP 429/5xx, a malformed answer): a new job of the same kind for the same
  day is queued after a backoff (``LUNA_ENTSOE_RETRY_S``, doubled on each try, at most an hour)
  and this one ends *done* with ``retry`` and the reason; once the next try would start after
  the delivery day has begun, the job fails with the reason instead;
- a rejected token fails the job at once: trying again cannot help.

Without a token (or with ``LUNA_ENTSOE_FETCH_DAILY=false``) no periodic task is registered, so
nothing fails every day; :func:`price_schedule` says that the schedule is off and why
(``luna worker health`` prints it), or when it runs and how its last job went.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from procrastinate import App
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from luna.config import Settings
from luna.connectors.entsoe import (
    EntsoeAuthError,
    EntsoeClient,
    EntsoeError,
    delivery_day,
    store_prices,
    zone_info,
)
from luna.jobs.control import JobBusyError, enqueue
from luna.jobs.kinds import JobKind, RunningJob
from luna.jobs.status import JobStatus, list_jobs
from luna.store.sql.models import MarketPrice

log = logging.getLogger(__name__)

KIND_NAME = "entsoe_day_ahead"
PERIODIC_ID = "daily"
MAX_RETRY_S = 3600.0


class PricesUnavailableError(RuntimeError):
    """The delivery day began and ENTSO-E still had no prices (or kept failing)."""


def fetch_time(settings: Settings) -> time:
    hour, minute = settings.entsoe_fetch_at.split(":")
    return time(int(hour), int(minute))


def cron_of(settings: Settings, year: int | None = None) -> str:
    """The UTC crontab on which the fetch time, local to the zone, can fall over a year."""
    tz = ZoneInfo(zone_info(settings.price_zone).timezone)
    at = fetch_time(settings)
    year = year or datetime.now(UTC).year
    slots = {
        datetime.combine(date(year, month, 15), at, tz).astimezone(UTC).time()
        for month in range(1, 13)
    }
    minutes = {slot.minute for slot in slots}
    if len(minutes) != 1:  # no European bidding zone has a half-hour offset
        raise ValueError(f"the zone's UTC offsets move the fetch minute: {sorted(minutes)}")
    hours = ",".join(str(h) for h in sorted({slot.hour for slot in slots}))
    return f"{minutes.pop()} {hours} * * *"


@dataclass(frozen=True)
class PriceSchedule:
    """Whether the daily fetch runs, and if so when, for which zone, and how it last went."""

    enabled: bool
    reason: str
    zone: str
    fetch_at: str
    timezone: str
    cron: str | None = None
    last_job: JobStatus | None = None

    def describe(self) -> str:
        if not self.enabled:
            return f"day-ahead prices: schedule off ({self.reason})"
        line = (
            f"day-ahead prices: {self.zone} daily at {self.fetch_at} {self.timezone} "
            f"(cron {self.cron} UTC)"
        )
        job = self.last_job
        if job is None:
            return line + "; no fetch yet"
        outcome = (job.result or {}).get("status") or job.error or ""
        return line + f"; last job {job.id} {job.state.value}" + (f": {outcome}" if outcome else "")

    def as_dict(self) -> dict[str, Any]:
        job = self.last_job
        return {
            "enabled": self.enabled,
            "reason": self.reason,
            "zone": self.zone,
            "fetch_at": self.fetch_at,
            "timezone": self.timezone,
            "cron_utc": self.cron,
            "last_job": None
            if job is None
            else {"id": job.id, "state": job.state.value, "result": job.result, "error": job.error},
        }


def schedule_of(settings: Settings) -> PriceSchedule:
    """The schedule these settings ask for (no database needed)."""
    zone = zone_info(settings.price_zone)
    off = PriceSchedule(False, "", zone.code, settings.entsoe_fetch_at, zone.timezone)
    token = settings.entsoe_token
    if token is None or not token.get_secret_value().strip():
        return replace(off, reason="no LUNA_ENTSOE_TOKEN configured")
    if not settings.entsoe_fetch_daily:
        return replace(off, reason="LUNA_ENTSOE_FETCH_DAILY=false")
    return replace(off, enabled=True, reason="token configured", cron=cron_of(settings))


def price_schedule(settings: Settings, engine: Engine) -> PriceSchedule:
    """:func:`schedule_of` with the last fetch job read from the queue."""
    with Session(engine) as session:
        jobs = list_jobs(session, [KIND_NAME], limit=1)
    return replace(schedule_of(settings), last_job=jobs[0] if jobs else None)


def schedule_prices(app: App, settings: Settings) -> App:
    """Register the daily fetch on a worker's app when the settings ask for it."""
    schedule = schedule_of(settings)
    if schedule.enabled and schedule.cron is not None:
        app.periodic(cron=schedule.cron, periodic_id=PERIODIC_ID)(app.tasks[KIND_NAME])
    else:
        log.info("%s", schedule.describe())
    return app


# --- one fetch -----------------------------------------------------------------------------


def stored_completely(engine: Engine, zone: str, day: date) -> bool:
    """Whether every interval of the zone's local ``day`` is stored at some resolution."""
    start, end = delivery_day(zone, day)
    with engine.connect() as conn:
        counts = conn.execute(
            select(MarketPrice.resolution_minutes, func.count())
            .where(MarketPrice.zone == zone, MarketPrice.ts >= start, MarketPrice.ts < end)
            .group_by(MarketPrice.resolution_minutes)
        ).all()
    return any(n == (end - start) / timedelta(minutes=minutes) for minutes, n in counts)


@dataclass(frozen=True)
class FetchOutcome:
    status: str  # already_stored, stored, retry
    zone: str
    day: date
    rows: int = 0
    reason: str | None = None

    def as_result(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "zone": self.zone,
            "day": self.day.isoformat(),
            "rows": self.rows,
            "reason": self.reason,
        }


def fetch_day(engine: Engine, client: EntsoeClient, zone: str, day: date) -> FetchOutcome:
    """Fetch and store one delivery day unless it is stored already; ``retry`` when ENTSO-E
    has no prices yet or failed in a way that may pass. A rejected token raises."""
    if stored_completely(engine, zone, day):
        return FetchOutcome("already_stored", zone, day)
    try:
        prices = client.day_ahead(zone, day)
    except EntsoeAuthError:
        raise
    except EntsoeError as exc:
        return FetchOutcome("retry", zone, day, reason=str(exc))
    if prices.no_data:
        return FetchOutcome("retry", zone, day, reason=prices.reason or "no prices yet")
    return FetchOutcome("stored", zone, day, rows=store_prices(engine, prices))


def retry_delay_s(settings: Settings, attempt: int) -> float:
    """The wait before try ``attempt + 1``: the first wait doubled per try, at most an hour."""
    return min(settings.entsoe_retry_s * 2.0 ** (attempt - 1), MAX_RETRY_S)


def run_price_fetch(
    job: RunningJob, *, timestamp: int | None = None, day: str | None = None, attempt: int = 1
) -> dict[str, Any]:
    """The periodic run (``timestamp``: its slot) or a retry (``day``, ``attempt``)."""
    settings = job.runtime.settings
    zone = zone_info(settings.price_zone)
    tz = ZoneInfo(zone.timezone)
    if day is None:
        slot = datetime.fromtimestamp(timestamp, tz) if timestamp is not None else datetime.now(tz)
        if timestamp is not None and slot.time() != fetch_time(settings):
            return {"status": "not_due", "zone": zone.code, "slot": slot.isoformat()}
        delivery = slot.date() + timedelta(days=1)
    else:
        delivery = date.fromisoformat(day)
    engine = job.runtime.stores.engine
    with EntsoeClient(settings.entsoe_token, url=settings.entsoe_url) as client:
        outcome = fetch_day(engine, client, zone.code, delivery)
    job.progress(1, total=1)
    result = {**outcome.as_result(), "attempt": attempt}
    if outcome.status != "retry":
        log.info(
            "day-ahead prices %s %s: %s, %d rows",
            *(zone.code, delivery, outcome.status, outcome.rows),
        )
        return result
    delay = retry_delay_s(settings, attempt)
    retry_at = datetime.now(UTC) + timedelta(seconds=delay)
    if retry_at >= delivery_day(zone.code, delivery)[0]:
        raise PricesUnavailableError(
            f"no day-ahead prices for {zone.code} on {delivery} after {attempt} tries: "
            f"{outcome.reason}"
        )
    try:
        retry_id: int | None = enqueue(
            job.runtime.jobs,
            PRICE_FETCH,
            {"day": delivery.isoformat(), "attempt": attempt + 1},
            queueing_lock=f"{KIND_NAME}:{zone.code}:{delivery}",
            schedule_in_s=delay,
        )
    except JobBusyError:
        retry_id = None  # a try for this day waits already
    log.info(
        "day-ahead prices %s %s not there yet (%s): trying again in %.0f s",
        *(zone.code, delivery, outcome.reason, delay),
    )
    return {**result, "retry_job": retry_id, "retry_at": retry_at.isoformat()}


# On the forecast refreshes' queue: the prices are what the price forecasts read, and both kinds
# need PostgreSQL only (any worker takes them, also with the embedded vector store).
PRICE_FETCH = JobKind(
    name=KIND_NAME, work=run_price_fetch, queue="forecast", repeatable=True, lock=KIND_NAME
)
