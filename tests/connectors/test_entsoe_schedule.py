"""The daily day-ahead fetch as a job of the real queue: a worker runs it against a local HTTP
server that answers as the ENTSO-E API did (the recorded responses, through the real client and
parser), into the real PostgreSQL. Published prices are stored once and a second run asks
nothing; "no matching data" (ENTSO-E's acknowledgement before the auction's results are out)
queues a later try instead of failing; a try that would come after the delivery day began, and
a rejected token, fail the job; without a token the schedule is off and says so."""

from __future__ import annotations

import json
import time as clock
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from typer.testing import CliRunner

from luna.cli.main import app as cli
from luna.config import Settings, get_settings
from luna.jobs.control import enqueue
from luna.jobs.prices import (
    KIND_NAME,
    PRICE_FETCH,
    cron_of,
    price_schedule,
    retry_delay_s,
    schedule_of,
)
from luna.jobs.queue import build_worker_app
from luna.jobs.status import JobStatus, get_job, list_jobs
from luna.runtime import Runtime
from luna.store.factory import Stores
from luna.store.sql.models import MarketPrice
from tests.connectors.entsoe_api import DE_LU, TOKEN, EntsoeTestServer, moved
from tests.worker_drain import drain

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2025, 3, 5)  # recorded: 24 hourly DE-LU prices
LATER = date(2030, 1, 2)  # "no matching data" as recorded, until the test publishes it
LATER_KEY = (DE_LU, "203001012300")


def fetch_at() -> str:
    """Hours away from now in both UTC offsets: the worker's periodic deferrer, which queues
    the slots of the last ten minutes, never queues one while a test runs."""
    return (datetime.now(BERLIN) + timedelta(hours=6)).strftime("%H:%M")


@pytest.fixture
def run(settings: Settings, clean_db: Stores) -> Iterator[Callable[..., Runtime]]:
    """``run(api, **settings)``: a runtime whose ENTSO-E is ``api``; ``runtime.work()`` runs a
    worker until nothing is due."""
    runtimes: list[Runtime] = []

    def make(api: EntsoeTestServer, **changes: Any) -> Runtime:
        values = {
            "entsoe_token": SecretStr(TOKEN),
            "entsoe_url": api.url,
            "entsoe_fetch_at": fetch_at(),
            "price_zone": "DE-LU",
            **changes,
        }
        runtime = Runtime(settings.model_copy(update=values), clean_db)
        runtimes.append(runtime)
        return runtime

    yield make
    for runtime in runtimes:
        runtime.close()


def work(runtime: Runtime) -> None:
    drain(runtime)


def slot(runtime: Runtime, day: date) -> int:
    """The periodic task's timestamp for the fetch on ``day`` (local)."""
    hour, minute = runtime.settings.entsoe_fetch_at.split(":")
    return int(datetime.combine(day, time(int(hour), int(minute)), BERLIN).timestamp())


def jobs(stores: Stores) -> list[JobStatus]:
    with stores.sessions() as s:
        return list(reversed(list_jobs(s, [KIND_NAME])))


def stored(stores: Stores) -> int:
    with stores.sessions() as s:
        return s.scalar(select(func.count()).select_from(MarketPrice)) or 0


def test_the_daily_fetch_stores_tomorrows_prices_once(run, clean_db: Stores):
    with EntsoeTestServer() as api:
        runtime = run(api)
        periodic = {"timestamp": slot(runtime, DAY - timedelta(days=1))}
        enqueue(runtime.jobs, PRICE_FETCH, periodic)
        work(runtime)
        (first,) = jobs(clean_db)
        assert first.state.value == "done", first
        assert first.result is not None
        assert first.result["status"] == "stored"
        assert first.result["day"] == DAY.isoformat()
        assert first.result["rows"] == 24
        assert stored(clean_db) == 24
        assert len(api.requests) == 1
        assert api.requests[0]["periodStart"] == "202503042300"

        enqueue(runtime.jobs, PRICE_FETCH, periodic)  # the same slot again: nothing to do
        work(runtime)
        second = jobs(clean_db)[1]
        assert second.state.value == "done"
        assert second.result is not None
        assert second.result["status"] == "already_stored"
        assert len(api.requests) == 1  # ENTSO-E was not asked again
        assert stored(clean_db) == 24

        # a slot at another local time (the other UTC offset's hour): ends at once
        enqueue(runtime.jobs, PRICE_FETCH, {"timestamp": periodic["timestamp"] + 3600})
        work(runtime)
        third = jobs(clean_db)[2]
        assert third.result is not None
        assert third.result["status"] == "not_due"
        assert len(api.requests) == 1


def test_prices_not_yet_published_are_tried_again_later(run, clean_db: Stores):
    # ENTSO-E has nothing for LATER yet; the recorded DAY comes out under LATER's dates
    later = {LATER_KEY: moved("de_lu_2025-03-05_pt60m.xml", DAY, LATER)}
    with EntsoeTestServer(later=later) as api:
        runtime = run(api, entsoe_retry_s=1.0)
        enqueue(runtime.jobs, PRICE_FETCH, {"timestamp": slot(runtime, LATER - timedelta(1))})
        work(runtime)
        first = jobs(clean_db)[0]
        assert first.state.value == "done", first  # not a failure
        assert first.result is not None
        assert first.result["status"] == "retry"
        assert "No matching data found" in first.result["reason"]
        with clean_db.sessions() as s:
            retry = get_job(s, first.result["retry_job"], [KIND_NAME])
        assert retry is not None
        assert retry.state.value == "queued"  # scheduled for a second from now
        assert retry.arguments == {"day": LATER.isoformat(), "attempt": 2}
        assert stored(clean_db) == 0

        clock.sleep(1.2)  # still unpublished: the second try queues a third, 2 s later
        work(runtime)
        second = jobs(clean_db)[1]
        assert second.id == retry.id
        assert second.result is not None
        assert second.result["status"] == "retry"
        wait = datetime.fromisoformat(second.result["retry_at"]) - datetime.now(UTC)
        assert 1.0 < wait.total_seconds() <= 2.0

        api.publish()
        clock.sleep(wait.total_seconds() + 0.2)
        work(runtime)
        third = jobs(clean_db)[2]
        assert third.state.value == "done"
        assert third.arguments == {"day": LATER.isoformat(), "attempt": 3}
        assert third.result is not None
        assert third.result["status"] == "stored"
        assert third.result["rows"] == 24
        assert stored(clean_db) == 24
        assert len(api.requests) == 3
        assert len(jobs(clean_db)) == 3  # no further try


def test_a_try_after_the_delivery_day_began_fails_with_the_reason(run, clean_db: Stores):
    with EntsoeTestServer() as api:
        runtime = run(api, entsoe_retry_s=1.0)
        # 2030 lies ahead: "no matching data" queues another try; 2020 began long ago, and a
        # failed try for it can be followed by none
        enqueue(runtime.jobs, PRICE_FETCH, {"day": "2030-01-02", "attempt": 5})
        enqueue(runtime.jobs, PRICE_FETCH, {"day": "2020-01-02"})  # ENTSO-E refuses it
        work(runtime)
    nothing, refused, sixth = jobs(clean_db)
    assert sixth.arguments == {"day": "2030-01-02", "attempt": 6}
    assert nothing.state.value == "done"  # 2030 lies ahead: a sixth try is queued
    assert nothing.result is not None
    assert nothing.result["status"] == "retry"
    assert refused.state.value == "failed"
    assert refused.error is not None
    assert "no day-ahead prices for DE-LU on 2020-01-02 after 1 tries" in refused.error
    assert "exceeds allowed limit" in refused.error


def test_a_rejected_token_fails_at_once(run, clean_db: Stores):
    with EntsoeTestServer() as api:
        runtime = run(api, entsoe_token=SecretStr("not-the-token"))
        enqueue(runtime.jobs, PRICE_FETCH, {"day": DAY.isoformat()})
        work(runtime)
    (job,) = jobs(clean_db)
    assert job.state.value == "failed"
    assert job.error is not None
    assert "rejected the security token" in job.error
    assert "not-the-token" not in job.error


def test_backoff_doubles_up_to_an_hour(settings: Settings):
    tuned = settings.model_copy(update={"entsoe_retry_s": 600.0})
    assert [retry_delay_s(tuned, n) for n in (1, 2, 3, 4)] == [600, 1200, 2400, 3600]


def test_without_a_token_the_schedule_is_off_and_says_so(
    settings: Settings, clean_db: Stores, monkeypatch: pytest.MonkeyPatch
):
    off = settings.model_copy(update={"entsoe_token": None})
    assert not schedule_of(off).enabled
    assert build_worker_app(off).periodic_registry.periodic_tasks == {}
    on = settings.model_copy(
        update={"entsoe_token": SecretStr(TOKEN), "entsoe_fetch_at": "13:15", "price_zone": "AT"}
    )
    # 13:15 in Vienna is 12:15 UTC in winter, 11:15 UTC in summer
    assert cron_of(on) == "15 11,12 * * *"
    (periodic,) = build_worker_app(on).periodic_registry.periodic_tasks.values()
    assert periodic.cron == "15 11,12 * * *"
    assert periodic.task.name == KIND_NAME
    assert price_schedule(on, clean_db.engine).describe() == (
        "day-ahead prices: AT daily at 13:15 Europe/Vienna (cron 15 11,12 * * * UTC); no fetch yet"
    )

    monkeypatch.setenv("LUNA_DATABASE_URL", str(settings.database_url))
    monkeypatch.setenv("LUNA_HOME", str(settings.home))
    monkeypatch.delenv("LUNA_ENTSOE_TOKEN", raising=False)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        text = runner.invoke(cli, ["worker", "health"])
        report = runner.invoke(cli, ["worker", "health", "--json"])
    finally:
        get_settings.cache_clear()
    assert text.exit_code == 0, text.output
    assert "day-ahead prices: schedule off (no LUNA_ENTSOE_TOKEN configured)" in text.output
    prices = json.loads(report.stdout)["prices"]
    assert prices["enabled"] is False
    assert prices["reason"] == "no LUNA_ENTSOE_TOKEN configured"
