"""The UI under its Content-Security-Policy in a real browser: every customer and admin page
loads, draws its charts and shows their tooltips without a single policy violation, and the
controls that used inline handlers before (meter choice, toolbar forms) still work."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import PV_METER, LiveServer, LoginPage
from tests.web.test_admin_pages import ADMIN_PAGES

CUSTOMER_PAGES = [
    "overview",
    "consumption/M-001",
    "prices",
    "playbooks",
    "chat",
    "help",
]
# Installed before any page script runs (and outside the page's policy).
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(
  `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`
));
"""


def _watched(page: Page) -> list[str]:
    """Console messages about the policy (the events above cover the rest)."""
    messages: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return messages


def _visit(page: Page, url: str) -> list[str]:
    """Open ``url``, draw its charts, hover each (tooltips are HTML), return the violations."""
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, url
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    charts = page.locator(".chart")
    for i in range(charts.count()):
        chart = charts.nth(i)
        if not chart.is_visible() or not chart.evaluate("(el) => !!el.__chart"):
            continue  # a chart without data (drawn charts are drawn by now)
        box = chart.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.5)
        page.wait_for_timeout(200)  # the tooltip is written on the next frame
    return list(page.evaluate("window.__csp"))


@pytest.mark.parametrize("role", ["customer", "admin"])
def test_every_page_runs_under_the_policy_without_a_violation(
    login_page: LoginPage, live_server: LiveServer, role: str
):
    page = login_page("anna" if role == "customer" else "monika")
    console = _watched(page)
    pages = CUSTOMER_PAGES if role == "customer" else [f"admin/{name}" for name in ADMIN_PAGES]
    for name in pages:
        violations = _visit(page, f"{live_server.url}/ui/{name}")
        assert violations == [], (name, violations)
    assert console == []


def test_login_form_and_former_inline_handlers_work_under_the_policy(
    login_page: LoginPage, live_server: LiveServer
):
    page = login_page("anna", via_form=True)  # the form posts and redirects under form-action
    console = _watched(page)
    page.goto(f"{live_server.url}/ui/overview")
    page.select_option("#meter-select", PV_METER)
    page.wait_for_url(f"**/ui/overview?meter={PV_METER}")
    page.goto(f"{live_server.url}/ui/consumption/M-001")
    page.select_option("#meter", PV_METER)
    page.wait_for_url(f"**/ui/consumption/{PV_METER}")
    page.goto(f"{live_server.url}/ui/prices")
    page.locator("#price-controls input").first.press("Enter")  # must not submit the form
    expect(page).to_have_url(f"{live_server.url}/ui/prices")
    assert page.evaluate("window.__csp") == []
    assert console == []
