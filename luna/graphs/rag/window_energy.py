"""Energy from a power setting and the daily time window it applies in, by code.

"Wie viel Energie kann der Speicher in einer Nacht höchstens aus dem Netz laden?" over an
installer's protocol row "Grid charging | enabled, 02:00-05:00, max. 3.2 kW" is a power times
the window's hours (3.2 kW × 3 h = 9.6 kWh). The model multiplied by the wrong number of hours
or answered with the power. Here a passage line that states one time window and one power is
read by code: the window's length (across midnight where it ends earlier than it starts) times
the power, in the power's energy unit. Only a question that asks for an amount of energy and
states no quantity of its own is answered; where several such lines fit, the one whose words
share most with the question must be clear, else the question goes on to the model.

A question may state both itself: "die Waschküche zieht 14 kW und läuft von 17 bis 20 Uhr.
Was kostet das?" The span's hours are then added to the question (:func:`with_span_hours`),
so code prices the power over them at the window's rate (see
:mod:`luna.graphs.rag.rate_plans`); the model had multiplied by the clock times.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from luna.core.arithmetic import format_number, number_language, parse_number
from luna.core.language import Language, guess_language
from luna.graphs.rag.calculation import Calculation, CitedOperand
from luna.graphs.rag.calculation_plan import listed_numbers
from luna.graphs.rag.compress import question_terms, term_score, term_weights
from luna.graphs.rag.guard import neutralise, without_unverified
from luna.graphs.rag.tariff_windows import CLOCK_WINDOW, asked_span, window_minutes

ASKS_ENERGY = re.compile(
    r"\bwie\s?viel\w*\s+(energie|strom|kwh|kilowattstunden)\b|"
    r"\bhow\s+(much|many)\s+(energy|electricity|kwh|kilowatt[- ]hours)\b",
    re.IGNORECASE,
)
_POWER = re.compile(r"(?<![\w.,])(?P<n>\d+(?:[.,]\d+)?)\s?(?P<u>kW|MW|W)\b")
_ENERGY_UNIT = {"kW": "kWh", "MW": "MWh", "W": "Wh"}
_ENERGY_GIVEN = re.compile(r"\d\s?(?:kWh|MWh|Wh)\b", re.IGNORECASE)
_LABELS: dict[Language, str] = {"de": "Zeitfenster", "en": "Time window"}


@dataclass(frozen=True)
class WindowEnergy:
    """A power over its time window: the window's line, then the calculation."""

    window: str
    calculation: Calculation

    @property
    def sources(self) -> list[int]:
        return self.calculation.sources

    def render(self, language: Language) -> str:
        hours = self.calculation.operands[1].value
        shown = format_number(hours, language, 2, trim=True)
        return (
            f"{_LABELS[language]}: {self.window} ({shown} h).\n{self.calculation.render(language)}"
        )


def _span_minutes(start: int, end: int) -> int:
    """The minutes from ``start`` to ``end`` (across midnight where it ends earlier)."""
    return end - start if end > start else end + 24 * 60 - start


def _hours(match: re.Match[str]) -> Decimal:
    return Decimal(_span_minutes(*window_minutes(match))) / 60


def _lines(passage: dict[str, Any]) -> list[str]:
    text = without_unverified(neutralise(str(passage["text"])))
    return [line for line in text.split("\n") if line.strip()]


def asks_window_energy(question: str) -> bool:
    """Whether the question asks for an amount of energy and states no quantity itself."""
    return bool(ASKS_ENERGY.search(question)) and not listed_numbers(question, [])


def window_energy(question: str, passages: Sequence[dict[str, Any]]) -> WindowEnergy | None:
    """The energy of the one passage line with a time window and a power that fits the
    question (see the module's docstring), or None."""
    if not asks_window_energy(question):
        return None
    found: list[tuple[str, int, re.Match[str], re.Match[str]]] = []
    for passage in passages:
        for line in _lines(passage):
            windows, powers = list(CLOCK_WINDOW.finditer(line)), list(_POWER.finditer(line))
            if len(windows) == 1 and len(powers) == 1:
                found.append((line, int(passage["n"]), windows[0], powers[0]))
    if not found:
        return None
    if len(found) > 1:
        weights = term_weights([line for line, *_ in found], question_terms(question))
        scores = [term_score(line, weights) for line, *_ in found]
        top = max(scores)
        if top <= 0 or scores.count(top) > 1:
            return None
        found = [found[scores.index(top)]]
    line, source, window, power = found[0]
    written, unit = power["n"], power["u"]
    value = parse_number(written, number_language(line, guess_language(line)))
    hours = _hours(window)
    operands = [
        CitedOperand(name="power", value=value, written=written, unit=unit, source=source),
        CitedOperand(name="hours", value=hours, written=window.group(), unit="h", source=source),
    ]
    calculation = Calculation(
        value=value * hours,
        result_unit=_ENERGY_UNIT[unit],
        expression="power * hours",
        operands=operands,
    )
    return WindowEnergy(window=window.group(), calculation=calculation)


def with_span_hours(question: str) -> str:
    """The question with the length of the one time span it names added ("… (3 h)"), where it
    states one power and no energy: the hours the power runs."""
    span = asked_span(question)
    if span is None or len(_POWER.findall(question)) != 1 or _ENERGY_GIVEN.search(question):
        return question
    minutes = _span_minutes(*span)
    if minutes <= 1:
        return question  # a point in time, no span
    hours = format_number(Decimal(minutes) / 60, guess_language(question), 2, trim=True)
    return f"{question.rstrip()} ({hours} h)"
