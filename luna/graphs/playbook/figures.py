"""Engine numbers as playbook figures, written the way the reader's language writes them."""

from __future__ import annotations

from datetime import datetime

from luna.agents.playbook_schema import Language, PlaybookFigure

DECIMALS = {"EUR": 2, "kWh": 1, "%": 1, "ct/kWh": 2, "kW": 1, "h": 0, "days": 0, "EUR/year": 0}


def number_text(value: float, decimals: int, language: Language) -> str:
    """``1234.5`` as ``1,234.50`` (en) or ``1.234,50`` (de)."""
    text = f"{value:,.{decimals}f}"
    if language == "de":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


def figure(
    key: str, label: str, value: float, unit: str, language: Language, decimals: int | None = None
) -> PlaybookFigure:
    places = DECIMALS.get(unit, 2) if decimals is None else decimals
    rounded = round(value, places)
    return PlaybookFigure(
        key=key,
        label=label,
        value=rounded,
        unit=unit,
        text=f"{number_text(rounded, places, language)} {unit}",
    )


def clock(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def window_text(start: datetime, end: datetime) -> str:
    """``14.03. 02:00–05:30`` in local time; the next midnight reads 24:00, later ends say
    their date."""
    if end.date() == start.date():
        return f"{start:%d.%m.} {clock(start)}–{clock(end)}"
    if clock(end) == "00:00" and (end.date() - start.date()).days == 1:
        return f"{start:%d.%m.} {clock(start)}–24:00"
    return f"{start:%d.%m.} {clock(start)}–{end:%d.%m.} {clock(end)}"
