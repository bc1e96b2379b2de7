"""Server-side number and date formats in the UI language (Babel), in the site's time zone.

German: ``1.234,5 kWh``, ``24.11.2026``, ``14:00``; English (en-GB): ``1,234.5 kWh``,
``24/11/2026``. The browser formats with ``Intl`` in the same locales (static/js/core.js).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal

from luna.web.i18n import LOCALES, Lang


class Formatter:
    def __init__(self, lang: Lang, timezone: str) -> None:
        self.locale = LOCALES[lang]
        self.tz = ZoneInfo(timezone)

    def number(self, value: float | None, digits: int = 1) -> str:
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def kwh(self, value: float | None, digits: int = 1) -> str:
        return f"{self.number(value, digits)} kWh" if value is not None else "–"

    def eur(self, value: float | None) -> str:
        return f"{self.number(value, 2)} €" if value is not None else "–"

    def ct(self, value: float | None) -> str:
        return f"{self.number(value, 1)} ct/kWh" if value is not None else "–"

    def percent(self, fraction: float | None, digits: int = 0) -> str:
        return f"{self.number(fraction * 100, digits)} %" if fraction is not None else "–"

    def date(self, value: dt.date | dt.datetime) -> str:
        if isinstance(value, dt.datetime):
            value = value.astimezone(self.tz).date()
        return format_date(
            value, format="short" if self.locale == "en_GB" else "dd.MM.yyyy", locale=self.locale
        )

    def time(self, value: dt.datetime) -> str:
        return format_time(value.astimezone(self.tz), format="HH:mm", locale=self.locale)

    def datetime(self, value: dt.datetime) -> str:
        return f"{self.date(value)} {self.time(value)}"

    def weekday(self, value: dt.datetime) -> str:
        return format_datetime(value.astimezone(self.tz), format="EEEE", locale=self.locale)
