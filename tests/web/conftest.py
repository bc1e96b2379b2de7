"""Browser-test fixtures: a live Luna server in a thread, Debian's Chromium via Playwright.

The server runs the real app (``create_app``) with the test database seeded once per session
with simulated data through the current quarter hour (two customers, ``anna`` owns M-001 and
``ben`` M-002, admin ``monika``). Its chat model is a :class:`ScriptedModel` that tests load
with replies. Screenshots go to a temporary folder, or to ``$LUNA_SCREENSHOTS`` if set.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from sqlalchemy import update

from luna.api.app import create_app
from luna.config import Settings
from luna.core.security import ACCESS_COOKIE
from luna.services.tokens import issue_token
from luna.simulators.backfill import backfill, day_window
from luna.simulators.simulate_smart_meter import default_fleet
from luna.store.factory import Stores
from luna.store.sql.models import Meter
from luna.store.sql.users import get_user
from tests.emptying import empty_tables
from tests.energy_site import PASSWORD, Site, populate
from tests.scripted_model import ScriptedModel

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 900}
WEB_DAYS = 14  # history: enough for the forecasts' seasonal models, quick to simulate


@dataclass
class LiveServer:
    url: str
    app: FastAPI
    model: ScriptedModel


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


PV_METER = "M-007"  # the first simulated meter with PV (11.5 kWp)


@pytest.fixture(scope="package")
def web_site(stores: Stores) -> Iterator[Site]:
    """The seeded database, shared by every browser test (they only add, never truncate), and
    emptied when the last of them is done: tests elsewhere that run later start clean.

    ``anna`` owns M-001 (household) and the PV meter M-007, so the overview has PV,
    self-consumption and autarky to show.
    """
    empty_tables(stores)
    site = populate(stores, days=WEB_DAYS, until_now=True)
    start, _ = day_window(WEB_DAYS)
    end = pd.Timestamp.now(tz="UTC").floor("15min")
    pv = next(m for m in default_fleet(7, 42) if m.meter_id == PV_METER)
    backfill(stores.engine, [pv], start, end, seed=42, price_end=start + pd.Timedelta(days=1))
    with stores.engine.begin() as conn:
        conn.execute(update(Meter).where(Meter.meter_id == PV_METER).values(owner_id=site.anna_id))
    yield site
    empty_tables(stores)


@pytest.fixture(scope="package")
def live_server(
    settings: Settings, stores: Stores, web_site: Site, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    home = tmp_path_factory.mktemp("web-home")
    # With its in-process job worker, as `luna serve` runs: playbooks are jobs on the queue.
    app = create_app(
        settings.model_copy(update={"home": home, "jobs_in_process_worker": True}), stores
    )
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    model = ScriptedModel(script=[])
    app.state.runtime.chat_model = model
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", app, model)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


# Package scope: while it runs, Playwright's sync API keeps an event loop running in the main
# thread, and asyncio.run refuses to start there; the tests of other packages that run on the
# same pytest-xdist worker after these must find none.
@pytest.fixture(scope="package")
def playwright_instance() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    b = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("LUNA_SCREENSHOTS")
    if wanted:
        path = Path(wanted)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def shoot(screenshot_dir: Path) -> Callable[[Page, str], Path]:
    """Save a full-page PNG of ``page`` as ``<name>.png`` in the screenshot folder."""

    def take(page: Page, name: str) -> Path:
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


LoginPage = Callable[..., Page]


@pytest.fixture
def login_page(browser: Browser, live_server: LiveServer, stores: Stores) -> Iterator[LoginPage]:
    """``login_page("anna", lang="de", theme="light")``: a fresh browser context holding the
    session cookie of ``anna``, on the glossary page (the cheapest page to load).

    ``via_form=True`` logs in through the login form instead and lands where it redirects
    (the overview); the cookie path is quicker and the form has its own tests.
    """
    contexts = []

    def open_as(
        username: str, *, lang: str = "de", theme: str = "light", via_form: bool = False
    ) -> Page:
        context = browser.new_context(
            viewport=VIEWPORT,
            locale="de-DE" if lang == "de" else "en-GB",
            timezone_id="Europe/Berlin",
            color_scheme="dark" if theme == "dark" else "light",
            reduced_motion="reduce",  # no chart animations: screenshots without waiting
        )
        contexts.append(context)
        cookies = [
            {"name": "luna_lang", "value": lang, "url": live_server.url},
            {"name": "luna_theme", "value": theme, "url": live_server.url},
        ]
        if not via_form:
            with stores.sessions() as session:
                user = get_user(session, username)
                assert user is not None, username
                token = issue_token(user, live_server.app.state.settings).access_token
            cookies.append(
                {
                    "name": ACCESS_COOKIE,
                    "value": token,
                    "url": live_server.url,
                    "httpOnly": True,
                    "sameSite": "Strict",
                }
            )
        context.add_cookies(cookies)  # type: ignore[arg-type]
        page = context.new_page()
        page.set_default_timeout(15_000)
        if via_form:
            page.goto(f"{live_server.url}/ui/login")
            page.fill("#username", username)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/ui/**")
        else:
            page.goto(f"{live_server.url}/ui/help")
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def customer_page(login_page: LoginPage) -> Page:
    return login_page("anna")


@pytest.fixture
def admin_page(login_page: LoginPage) -> Page:
    return login_page("monika")
