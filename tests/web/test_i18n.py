"""Message catalogues and server-side formats: both languages have every key the pages and
scripts use; German and English numbers and dates (no browser needed)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from luna.web.format import Formatter
from luna.web.i18n import WEB_DIR, catalogue

LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']\s*[,)]""")  # whole literal keys only


def _used_keys() -> set[str]:
    files = [*WEB_DIR.glob("**/templates/**/*.html"), *WEB_DIR.glob("static/js/**/*.js")]
    return {key for path in files for key in LITERAL_KEY.findall(Path(path).read_text())}


def test_both_languages_have_the_same_keys():
    assert set(catalogue("de")) == set(catalogue("en"))


def test_every_literal_key_in_templates_and_scripts_exists():
    missing = sorted(_used_keys() - set(catalogue("de")))
    assert not missing, missing


@pytest.mark.parametrize(
    ("lang", "kwh", "day", "moment"),
    [
        ("de", "1.234,5 kWh", "24.11.2026", "29.03.2026 03:30"),
        ("en", "1,234.5 kWh", "24/11/2026", "29/03/2026 03:30"),
    ],
)
def test_numbers_and_dates_in_the_ui_language_and_berlin_time(lang, kwh, day, moment):
    fmt = Formatter(lang, "Europe/Berlin")
    assert fmt.kwh(1234.5) == kwh
    assert fmt.date(date(2026, 11, 24)) == day
    # 01:30 UTC on the spring DST day is 03:30 summer time in Berlin
    assert fmt.datetime(datetime(2026, 3, 29, 1, 30, tzinfo=UTC)) == moment
    assert fmt.percent(None) == "–"
