"""Admin pages in a real browser: every page renders in German and English, light and dark,
without script errors (screenshots of each); events search and paging, the live connector
state refreshing by itself, prompt diffs and eval comparisons, and the system view."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from playwright.sync_api import Page, expect
from sqlalchemy import delete, text

from luna.connectors.feed import FeedRunner
from luna.connectors.mosquitto_process import MosquittoProcess
from luna.connectors.sources import MqttSource
from luna.domain.topics import reading_topic
from luna.jobs.forecast import enqueue_forecast_refreshes
from luna.prompts.registry import read_prompt_files
from luna.store.sql.database import session_scope
from luna.store.sql.forecasts import ForecastTarget
from luna.store.sql.models import EvalResult, EvalRun, Event, EventType, Meter
from luna.web.i18n import translate
from tests.web.conftest import VIEWPORT, LiveServer, LoginPage

ADMIN_PAGES = ["documents", "data", "learning", "prompts", "logs", "system"]


def _open(page: Page, url: str) -> list[str]:
    """Open ``url``, wait until its scripts have fetched their data, return script errors."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, url
    page.wait_for_load_state("networkidle")
    return errors


@pytest.mark.parametrize(("lang", "theme"), [("de", "light"), ("en", "dark")])
def test_every_admin_page_renders_in_its_language_without_script_errors(
    login_page: LoginPage, live_server: LiveServer, shoot, lang: str, theme: str
):
    """Both languages and both themes, each page once (screenshots of each)."""
    other = {"de": "en", "en": "de"}[lang]
    page = login_page("monika", lang=lang, theme=theme)
    for name in ADMIN_PAGES:
        errors = _open(page, f"{live_server.url}/ui/admin/{name}")
        title = translate(lang, f"admin.{name}.title")  # type: ignore[arg-type]
        expect(page.locator(".page-header h1")).to_have_text(title)
        expect(page.locator(f'.nav-link[href="/ui/admin/{name}"]')).to_have_attribute(
            "aria-current", "page"
        )
        assert errors == [], (name, errors)
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"], name
        shoot(page, f"admin-{name}-{lang}-{theme}")
    # The language switch keeps the admin on the page they are on, in their theme.
    page.click(f'.lang-switch a[hreflang="{other}"]')
    page.wait_for_url(f"**/ui/admin/{ADMIN_PAGES[-1]}")
    expect(page.locator("html")).to_have_attribute("lang", other)
    expect(page.locator("html")).to_have_attribute("data-theme", theme)


@pytest.fixture
def seeded_events(live_server: LiveServer) -> Iterator[str]:
    """30 ask events whose questions carry a unique token; removed afterwards."""
    token = f"tok{uuid.uuid4().hex[:8]}"
    stores = live_server.app.state.runtime.stores
    now = datetime.now(UTC)
    with session_scope(stores.sessions) as s:
        for i in range(30):
            s.add(
                Event(
                    type=EventType.ASK,
                    ts=now - timedelta(minutes=i),
                    user_key="a" * 64,
                    payload={"question": f"Frage {i} {token}", "latency_ms": 1200.0 + i},
                )
            )
    yield token
    with session_scope(stores.sessions) as s:
        s.execute(delete(Event).where(Event.payload["question"].astext.contains(token)))


def test_events_are_searchable_and_paginated(
    admin_page: Page, live_server: LiveServer, seeded_events: str, shoot
):
    page = admin_page
    _open(page, f"{live_server.url}/ui/admin/logs")
    page.fill("#events-form input[name=q]", seeded_events)
    page.click("#events-form button[type=submit]")
    rows = page.locator("#events-rows tr[data-event]")
    expect(rows).to_have_count(25)
    expect(rows.first).to_contain_text(f"Frage 0 {seeded_events}")  # newest first
    expect(rows.first).to_contain_text("aaaaaaaaaa…")  # the pseudonymous key, shortened
    page.click("#events-pager [data-page=next]")
    expect(rows).to_have_count(5)
    expect(rows.last).to_contain_text(f"Frage 29 {seeded_events}")

    shoot(page, "admin-logs-events-search")

    page.click("#tab-logs")
    records = page.locator("#logs-rows tr[data-seq]")
    expect(records.first).to_be_visible()
    shoot(page, "admin-logs-application")


@pytest.fixture
def mqtt_feed(live_server: LiveServer, tmp_path: Path) -> Iterator[MosquittoProcess]:
    """A private broker and the real MQTT source attached to the running app as its feed,
    with a meter of its own (deleted afterwards with its readings)."""
    broker = MosquittoProcess(tmp_path)
    broker.start()
    app = live_server.app
    runtime = app.state.runtime
    with session_scope(runtime.stores.sessions) as s:
        s.add(Meter(meter_id="ADMIN-TEST-1", label="admin page test"))
    settings = runtime.settings.model_copy(update={"mqtt_port": broker.port})
    feed = FeedRunner(MqttSource(runtime.stores.engine, settings), runtime.stores.engine, every_s=5)
    feed.start()
    assert feed.active
    app.state.feed = feed
    try:
        yield broker
    finally:
        app.state.feed = None
        feed.stop()
        broker.stop()
        with session_scope(runtime.stores.sessions) as s:
            s.execute(delete(Meter).where(Meter.meter_id == "ADMIN-TEST-1"))


def _publish(port: int, messages: list[tuple[str, bytes]]) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}")
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        for info in [client.publish(topic, payload, qos=1) for topic, payload in messages]:
            info.wait_for_publish(timeout=10)
    finally:
        client.disconnect()
        client.loop_stop()


def test_data_page_follows_the_live_connector_without_reloading(
    admin_page: Page, live_server: LiveServer, mqtt_feed: MosquittoProcess, shoot
):
    page = admin_page
    _open(page, f"{live_server.url}/ui/admin/data")
    facts = page.locator("#source-facts")
    expect(facts.locator('[data-status="connected"]')).to_be_visible(timeout=10_000)

    t0 = datetime(2026, 1, 5, tzinfo=UTC)
    good = [
        (
            reading_topic("ADMIN-TEST-1"),
            json.dumps(
                {"ts": (t0 + timedelta(minutes=15 * i)).isoformat(), "consumption_kwh": 0.2}
            ).encode(),
        )
        for i in range(6)
    ]
    bad = [(reading_topic("ADMIN-TEST-1"), b"not json"), (reading_topic("NOBODY"), b"{}")]
    _publish(mqtt_feed.port, good + bad)

    # The page refreshes itself: received and rejected counts arrive without a reload.
    label = lambda key: translate("de", f"admin.data.{key}")  # noqa: E731
    received = facts.locator("dt", has_text=label("received")).locator("+ dd")
    rejected = facts.locator("dt", has_text=label("rejected")).locator("+ dd")
    expect(received).to_have_text("8", timeout=15_000)
    expect(rejected).to_have_text("2")
    shoot(page, "admin-data-mqtt-live")

    page.click("#source-stop")
    expect(facts.locator('[data-status="stopped"]')).to_be_visible()


@pytest.fixture
def eval_runs(live_server: LiveServer) -> Iterator[tuple[int, int]]:
    stores = live_server.app.state.runtime.stores
    ids = []
    with session_scope(stores.sessions) as s:
        for mrr, passed in ((0.5, {"r1": True, "r2": False}), (0.75, {"r1": True, "r2": True})):
            run = EvalRun(suite="retrieval", status="done", metrics={"mrr": mrr}, cases_total=2)
            run.results = [EvalResult(case_id=c, passed=p) for c, p in passed.items()]
            s.add(run)
            s.flush()
            ids.append(run.id)
    yield ids[0], ids[1]
    with session_scope(stores.sessions) as s:
        s.execute(delete(EvalRun).where(EvalRun.id.in_(ids)))


def test_prompt_diff_and_eval_comparison(
    admin_page: Page, live_server: LiveServer, eval_runs: tuple[int, int], shoot
):
    page = admin_page
    _open(page, f"{live_server.url}/ui/admin/prompts")
    page.click('#prompt-list button[data-prompt="rag_answer"]')
    shipped = [s for s in read_prompt_files() if s.name == "rag_answer"]
    expect(page.locator("#version-rows tr")).to_have_count(len(shipped))
    expect(page.locator("#version-rows .badge-ok")).to_have_count(1)  # exactly one active
    page.click("#diff-form button[type=submit]")
    expect(page.locator("#diff-view .add, #diff-view .del").first).to_be_visible()

    a, b = eval_runs
    for run in (a, b):
        page.check(f'#eval-rows tr[data-run="{run}"] input[type=checkbox]')
    page.click("#eval-compare")
    row = page.locator("#compare-view tr", has_text="mrr")
    expect(row.locator("td").last).to_have_text("+0,250")
    expect(page.locator("#compare-view")).to_contain_text(translate("de", "admin.evals.fixed", n=1))
    page.evaluate("window.scrollTo(0, 0)")  # the sticky sidebar follows the scroll position
    shoot(page, "admin-prompts-diff-compare")


def test_system_page_shows_every_component_and_the_requests(
    admin_page: Page, live_server: LiveServer
):
    page = admin_page
    _open(page, f"{live_server.url}/ui/admin/system")
    components = page.locator("#components [data-component]")
    expect(components).to_have_count(5)
    expect(page.locator('#components [data-component="database"]')).to_have_class("component ok")
    expect(page.locator("#request-rows tr").first).to_be_visible()
    expect(page.locator("#resources .kpi")).to_have_count(4)


def test_system_page_lists_background_jobs_and_cancels_a_queued_one(
    admin_page: Page, live_server: LiveServer
):
    runtime = live_server.app.state.runtime
    target = ForecastTarget("consumption", "M-001")
    # Queued ten minutes ahead: it waits in the queue until cancelled.
    (job_id,) = enqueue_forecast_refreshes(runtime.jobs, [target], delay_s=600)
    try:
        page = admin_page
        _open(page, f"{live_server.url}/ui/admin/system")
        row = page.locator(f'#job-rows tr[data-job="{job_id}"]')
        expect(row).to_have_attribute("data-state", "queued")
        expect(row).to_contain_text(translate("de", "admin.jobs.kind_forecast_refresh"))
        page.select_option("#jobs-kind", "backfill")  # the filter hides it
        expect(row).to_have_count(0)
        page.select_option("#jobs-kind", "forecast_refresh")
        row.get_by_role("button", name=translate("de", "admin.jobs.cancel")).click()
        expect(row).to_have_attribute("data-state", "cancelled")
    finally:
        with runtime.stores.engine.begin() as conn:
            conn.execute(text("DELETE FROM procrastinate_jobs WHERE id = :id"), {"id": job_id})
