"""The customer's overview page in a real browser: time from navigation to fully drawn.

    .venv/bin/python benchmarks/bench_overview_page.py [--loads 10] [--meters 2] [--days 62]

Seeds a throwaway database (LUNA_BENCH_DATABASE_URL, default the PostgreSQL server on
127.0.0.1:5432) with simulated meters through the current quarter hour and prices through
tomorrow, starts ``luna serve`` in a process of its own and opens ``/ui/overview`` as the
customer in Debian's Chromium (``/usr/bin/chromium``, driven by Playwright). "Fully drawn" is
the first animation frame in which the server-rendered KPIs are on the page and both charts
(today's 15-minute profile, fetched from ``/data/smart_meter``, and the next hours' prices)
hold their data; the time is ``performance.now()`` then, i.e. from the start of navigation.
Prints the first load of a fresh browser context (nothing cached) and p50/p95 of ``--loads``
reloads in one context (the browser's cache warm, as for a customer opening it every
morning). Asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

sys.path.insert(0, str(Path(__file__).parent))

from _db import throwaway_database
from _server import free_port, login, seed, start_server

from luna.core.security import ACCESS_COOKIE

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]
DRAWN = """() => {
  const filled = (id) => {
    const chart = document.querySelector(id)?.__chart;
    const series = chart && chart.getOption().series;
    return Boolean(series && series.length && series[0].data.length);
  };
  return document.querySelector('#kpi-consumption') && filled('#today-chart')
    && filled('#price-chart');
}"""


def drawn_ms(browser: Browser, base: str, token: str, loads: int) -> tuple[float, list[float]]:
    """The first load's time to fully drawn in a fresh context, and ``loads`` reloads'."""
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="de-DE", timezone_id="Europe/Berlin"
    )
    context.add_cookies(
        [
            {"name": ACCESS_COOKIE, "value": token, "url": base, "httpOnly": True},
            {"name": "luna_lang", "value": "de", "url": base},
        ]
    )
    page = context.new_page()
    times = []
    for _ in range(loads + 1):
        page.goto(f"{base}/ui/overview", wait_until="commit")
        page.wait_for_function(DRAWN, polling="raf", timeout=60_000)
        times.append(float(page.evaluate("performance.now()")))
    context.close()
    return times[0], times[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=10)
    parser.add_argument("--meters", type=int, default=2)
    parser.add_argument("--days", type=int, default=62)
    args = parser.parse_args()
    with throwaway_database() as url, tempfile.TemporaryDirectory() as home:
        (name,) = seed(url, args.meters, 1, args.days)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(url, Path(home), port)
        try:
            token = login(base, name)["Authorization"].removeprefix("Bearer ")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                first, warm = drawn_ms(browser, base, token, args.loads)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=60)
    p95 = statistics.quantiles(warm, n=20, method="inclusive")[18] if len(warm) > 1 else warm[0]
    print(f"overview fully drawn, first load (nothing cached): {first:7.0f} ms")
    print(
        f"overview fully drawn, {len(warm)} reloads: p50 {statistics.median(warm):7.0f} ms"
        f"  p95 {p95:7.0f} ms  max {max(warm):7.0f} ms"
    )


if __name__ == "__main__":
    main()
