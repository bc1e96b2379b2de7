"""Engine numbers as playbook figures, written the way the reader's language writes them."""

from __future__ import annotations

from datetime import datetime

from luna.graphs.playbook.schema import Language, PlaybookFigure
from luna.graphs.playbook.texts import MESSAGES, decimal_marks, text

DECIMALS = {"EUR": 2, "kWh": 1, "%": 1, "ct/kWh": 2, "kW": 1, "h": 0, "days": 0, "EUR/year": 0}


def number_text(value: float, decimals: int, language: Language) -> str:
    """``1234.5`` as ``1,234.50`` (en) or ``1.234,50`` (de)."""
    return decimal_marks(f"{value:,.{decimals}f}", language)


def figure(
    key: str, value: float, unit: str, language: Language, decimals: int | None = None
) -> PlaybookFigure:
    """The figure ``key``, labelled with its message ``figure.<key>``; ``unit`` stays the
    machine unit, its text takes the language's word where units have one (``days``)."""
    places = DECIMALS.get(unit, 2) if decimals is None else decimals
    rounded = round(value, places)
    unit_text = MESSAGES[language].get(f"unit.{unit}", unit)
    return PlaybookFigure(
        key=key,
        label=text(language, f"figure.{key}"),
        value=rounded,
        unit=unit,
        text=f"{number_text(rounded, places, language)} {unit_text}",
    )


def clock(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def window_text(start: datetime, end: datetime, language: Language) -> str:
    """``14.03. 02:00–05:30`` in local time (``… Uhr`` in German); the next midnight reads
    24:00, later ends say their date."""
    if end.date() == start.date():
        window = f"{start:%d.%m.} {clock(start)}–{clock(end)}"
    elif clock(end) == "00:00" and (end.date() - start.date()).days == 1:
        window = f"{start:%d.%m.} {clock(start)}–24:00"
    else:
        window = f"{start:%d.%m.} {clock(start)}–{end:%d.%m.} {clock(end)}"
    return text(language, "window", window=window)
