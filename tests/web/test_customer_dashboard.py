"""The customer dashboard in a real browser (Debian's Chromium via Playwright).

Login → overview KPIs equal to SQL computed here → charts hold the data points → chat streams
an answer with a citation → thumbs-down stored as a ``feedback`` row → a playbook requested,
opened and accepted → another customer's meter refused. The chat runs on a scripted fake chat
model injected into the live server (the real model's end-to-end path is tested at the API
level, tests/api); tools, SQL, the SSE stream and the feedback API are real.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from luna.core.arithmetic import format_number
from luna.graphs.playbook import playbook_context
from luna.runtime import Runtime
from luna.store.factory import Stores
from tests.energy_site import Site
from tests.web.conftest import PV_METER, LiveServer, LoginPage

BERLIN = ZoneInfo("Europe/Berlin")
ANNA_METERS = ["M-001", PV_METER]


def _today_sql(stores: Stores) -> dict[str, Any]:
    """Today's totals of anna's meters, from local midnight to the end of the last reading."""
    with stores.engine.connect() as conn:
        last = conn.execute(
            text("SELECT max(ts) FROM smart_meter_readings WHERE meter_id = ANY(:m)"),
            {"m": ANNA_METERS},
        ).scalar_one()
        as_of = (last + timedelta(minutes=15)).astimezone(BERLIN)
        midnight = as_of.replace(hour=0, minute=0)
        row = conn.execute(
            text(
                """SELECT sum(consumption_kwh) AS c, sum(production_kwh) AS p,
                          sum(least(consumption_kwh, production_kwh)) AS own,
                          count(DISTINCT ts) AS n
                   FROM smart_meter_readings
                   WHERE meter_id = ANY(:m) AND ts >= :s AND ts < :e"""
            ),
            {"m": ANNA_METERS, "s": midnight, "e": as_of},
        ).one()
    return {
        "as_of": as_of,
        "c": float(row.c or 0),
        "p": float(row.p or 0),
        "own": float(row.own or 0),
        "n": int(row.n),
    }


def _german(x: float, digits: int) -> str:
    return f"{x:,.{digits}f}".replace(",", "X").replace(".", ",").replace("X", ".")


def _series_length(page: Page, selector: str, index: int = 0) -> int:
    page.wait_for_function(
        f"() => {{ const c = document.querySelector('{selector}').__chart;"
        f" return c && c.getOption().series.length > {index}; }}"
    )
    option = f"document.querySelector('{selector}').__chart.getOption()"
    return int(page.evaluate(f"() => {option}.series[{index}].data.length"))


def test_unauthenticated_pages_redirect_to_login_and_back(browser, live_server: LiveServer):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/ui/prices")
    assert page.url.endswith("/ui/login?next=/ui/prices")
    page.fill("#username", "anna")
    page.fill("#password", "wrong-password")
    page.click("button[type=submit]")
    expect(page.locator("#login-error")).to_be_visible()
    cookies = {c["name"]: c for c in context.cookies()}
    assert "luna_token" not in cookies
    page.goto(f"{live_server.url}/")
    assert "/ui/login" in page.url
    context.close()


def test_overview_kpis_equal_the_database_and_the_chart_holds_todays_points(
    login_page: LoginPage, live_server: LiveServer, stores: Stores, web_site: Site, shoot
):
    page = login_page("anna", via_form=True)
    assert page.url.endswith("/ui/overview")
    token = next(c for c in page.context.cookies() if c["name"] == "luna_token")
    assert token["httpOnly"]
    assert token["sameSite"] == "Strict"
    expected = _today_sql(stores)
    consumption = page.locator("#kpi-consumption")
    assert float(consumption.get_attribute("data-value")) == pytest.approx(expected["c"])
    expect(consumption.locator(".kpi-value")).to_contain_text(_german(expected["c"], 1))
    assert float(page.locator("#kpi-production").get_attribute("data-value")) == pytest.approx(
        expected["p"]
    )
    if expected["c"] > 0:
        autarky = float(page.locator("#kpi-autarky").get_attribute("data-value"))
        assert autarky == pytest.approx(expected["own"] / expected["c"])
    expect(page.locator("#as-of")).to_contain_text(expected["as_of"].strftime("%d.%m.%Y, %H:%M"))
    assert _series_length(page, "#today-chart") == expected["n"]
    assert _series_length(page, "#price-chart") == 24
    # every KPI explains itself (tooltip text for mouse and keyboard users)
    for tip in page.locator(".kpis .help").all():
        assert tip.get_attribute("data-tip")
    shoot(page, "overview-de-light")


def test_consumption_chart_shows_the_series_and_a_forecast_band(
    customer_page: Page, live_server: LiveServer, stores: Stores
):
    page = customer_page
    page.goto(f"{live_server.url}/ui/consumption/{PV_METER}")
    page.click("label[for=range-day]")
    page.click("label[for=res-15min]")
    expect(page.locator("#res-15min")).to_be_checked()
    page.wait_for_function(
        "() => document.querySelector('#series-chart').dataset.view === 'day/15min'"
    )
    with stores.engine.connect() as conn:
        start = datetime.now(BERLIN).replace(hour=0, minute=0, second=0, microsecond=0)
        n = conn.execute(
            text("SELECT count(*) FROM smart_meter_readings WHERE meter_id = :m AND ts >= :s"),
            {"m": PV_METER, "s": start},
        ).scalar_one()
    assert _series_length(page, "#series-chart", 0) == n
    page.wait_for_function(
        "() => Number(document.querySelector('#series-chart').dataset.forecast) > 0"
    )
    names = page.evaluate(
        "() => document.querySelector('#series-chart').__chart.getOption().series.map(s => s.name)"
    )
    assert any("80 %" in name for name in names)  # the interval band


def test_chat_streams_an_answer_with_a_citation_and_records_a_thumbs_down(
    customer_page: Page, live_server: LiveServer, stores: Stores, web_site: Site, shoot
):
    page = customer_page
    calls = len(live_server.model.seen)
    page.goto(f"{live_server.url}/ui/chat")
    page.fill("#chat-input", "Wie viel hat Zähler M-001 letzte Woche verbraucht?")
    page.keyboard.press("Enter")
    answer = page.locator(".msg-assistant").last
    # A data answer is written by code from the SQL result, in German, with its source cited.
    expect(answer.locator(".msg-body")).to_contain_text("kWh [1]", timeout=60_000)
    body = answer.locator(".msg-body").inner_text()
    day = r"(\d\d)\.(\d\d)\.(\d{4})"
    found = re.search(rf"{day} – {day}.*?([\d.]+,\d\d) kWh", body)
    assert found, body
    d1, m1, y1, d2, m2, y2, figure = found.groups()
    first = datetime(int(y1), int(m1), int(d1), tzinfo=BERLIN)
    last = datetime(int(y2), int(m2), int(d2), tzinfo=BERLIN)
    assert first.weekday() == 0  # last week: Monday …
    assert (last - first).days == 6  # … to Sunday
    with stores.engine.connect() as conn:
        total = conn.execute(
            text(
                "SELECT sum(consumption_kwh) FROM smart_meter_readings"
                " WHERE meter_id = 'M-001' AND ts >= :a AND ts < :b"
            ),
            {"a": first, "b": last + timedelta(days=1)},
        ).scalar_one()
    assert figure == format_number(total, "de", 2)
    assert len(live_server.model.seen) == calls  # no model call for a question SQL answers
    expect(answer.locator(".msg-tools")).to_contain_text("query_timeseries")
    cite = answer.locator(".cite").first
    expect(cite).to_contain_text("[1]")
    cite.click()
    expect(page.locator("#passage")).to_be_visible()
    expect(page.locator("#passage-text")).not_to_be_empty()
    shoot(page, "chat-citation-de-light")
    page.keyboard.press("Escape")
    answer_id = answer.get_attribute("data-answer-id")
    assert answer_id
    answer.locator("[data-vote=down]").click()
    expect(answer.locator("[data-vote=down]")).to_have_class(re.compile("voted"))
    with stores.engine.connect() as conn:
        vote = conn.execute(
            text(
                "SELECT vote, user_id FROM feedback WHERE target_type = 'answer' AND target_id = :a"
            ),
            {"a": answer_id},
        ).one()
    assert (vote.vote, vote.user_id) == (-1, web_site.anna_id)
    expect(page.locator("#thread-list button")).to_have_count(
        1, timeout=30_000
    )  # after the stream closes


def test_playbook_requested_opened_and_accepted(
    customer_page: Page,
    live_server: LiveServer,
    stores: Stores,
    shoot,
    monkeypatch: pytest.MonkeyPatch,
):
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    remark = "Lassen Sie die Wärmepumpe im Automatikbetrieb, dann greift der Plan."
    # A slow remark (40 ms per character), so the page is open while the job streams.
    model = FakeListChatModel(responses=[remark], sleep=0.04)

    def context(runtime: Runtime) -> Any:
        return playbook_context(
            runtime,
            chat_model=model,
            model_name="scripted",
            retriever=None,
            forecast_model="seasonal_naive_weekly",
            history_days=12,
            selection_days=2,
            remark_tokens=48,
        )

    monkeypatch.setattr("luna.jobs.playbook.context_for", context)  # the worker's jobs
    page = customer_page
    page.goto(f"{live_server.url}/ui/playbooks")
    page.select_option("#pb-meter", "M-001")
    page.select_option("#pb-kind", "load_shift")
    page.click("#new-playbook button[type=submit]")
    page.wait_for_url(re.compile(r"/ui/playbooks/[0-9a-f-]{36}$"))
    playbook_id = page.url.rsplit("/", 1)[1]
    # The stages stream in as a checklist while the model writes its remark.
    expect(page.locator("#pb-stages li[data-stage=compose]")).to_be_visible(timeout=60_000)
    expect(page.locator("#pb-stages li[data-stage=optimise]")).to_have_text("Optimierung")
    deadline = time.monotonic() + 120
    job = page.request.get(f"{live_server.url}/playbooks/{playbook_id}").json()
    while job["status"] in ("pending", "running") and time.monotonic() < deadline:
        time.sleep(1)
        job = page.request.get(f"{live_server.url}/playbooks/{playbook_id}").json()
    assert job["status"] == "ready", job["error"]
    expect(page.locator("#pb-review")).to_be_visible(timeout=10_000)  # loaded on "done"
    expect(page.locator("#pb-remark-text")).to_have_text(remark)
    expect(page.locator("#pb-figures .figure").first).to_be_visible()
    expect(page.locator("#pb-actions-table tbody tr").first).to_be_visible()
    shoot(page, "playbook-de-light")
    page.click("#pb-actions [data-review=accepted]")
    expect(page.locator("#pb-review")).to_have_text("angenommen")
    with stores.engine.connect() as conn:
        review = conn.execute(
            text("SELECT review FROM playbooks WHERE id = :i"), {"i": playbook_id}
        ).scalar_one()
    assert review == "accepted"


def test_another_customers_meter_and_playbook_are_refused(
    customer_page: Page, live_server: LiveServer
):
    page = customer_page
    for path in [
        "/ui/consumption/M-002",
        "/ui/overview?meter=M-002",
        f"/ui/playbooks/{'0' * 8}-0000-0000-0000-{'0' * 12}",
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None
        assert response.status == 404, path
        expect(page.locator("main h1")).to_contain_text("404")
    api = page.request.get(
        f"{live_server.url}/data/smart_meter?meter_id=M-002&start=2026-01-01&end=2026-01-02"
    )
    assert api.status == 404


def test_language_and_theme_switch(login_page: LoginPage, live_server: LiveServer):
    page = login_page("anna", lang="de", theme="light")
    page.goto(f"{live_server.url}/ui/overview")
    expect(page.locator("#kpi-consumption .kpi-label")).to_contain_text("Verbrauch")
    page.click(".lang-switch a[hreflang=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#kpi-consumption .kpi-label")).to_contain_text("Consumption")
    page.click("#theme-toggle")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")


PAGES = ["overview", "consumption", "prices", "playbooks", "chat", "help"]


@pytest.mark.parametrize(
    ("lang", "theme"), [("de", "light"), ("en", "dark"), ("de", "dark"), ("en", "light")]
)
def test_screenshots_of_every_page(
    login_page: LoginPage, live_server: LiveServer, shoot, lang: str, theme: str
):
    page = login_page("anna", lang=lang, theme=theme)
    pages = PAGES if (lang, theme) in (("de", "light"), ("en", "dark")) else ["overview"]
    for name in pages:
        page.goto(f"{live_server.url}/ui/{name}")
        expect(page.locator("html")).to_have_attribute("data-theme", theme)
        if page.locator(".chart").count():
            page.wait_for_function(
                "() => [...document.querySelectorAll('.chart')].every(c => c.__chart)"
            )
        shoot(page, f"{name}-{lang}-{theme}")
    if (lang, theme) == ("de", "light"):  # tablet portrait: the sidebar becomes a top bar
        page.set_viewport_size({"width": 820, "height": 1180})
        page.goto(f"{live_server.url}/ui/overview")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 820
        shoot(page, "overview-tablet")
