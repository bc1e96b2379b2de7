"""A device register's raw value and its physical value, through the register map's scale.

"Battery register 40100 reads 734. What's the state of charge?", "Registers 40120/40121
together read 1284567: how many kWh has it charged?", "Welchen Wert muss ich ins Register
40200 schreiben, damit der Speicher mit 12,5 kW lädt?". A Modbus register map states each
register's unit and scale factor in a table row (``40100 | State of charge (SoC) | UINT16 | %
| 0.1 | R``); the physical value is the raw value times the factor, and the raw value to write
is the physical one divided by it. The 1.5B model reported the raw value as the measurement
(a planted note told it to) or divided the wrong way. Here code finds the row of the register
the question names (a row for a register range, "40120–40121", holds each register in it),
takes the factor and unit from the columns whose headings say so (scale/factor/Skalierung/
Faktor/resolution, unit/Einheit; a unit cell that writes its step, "0.1 kW", is both) and
computes. Reading a value: the question's bare integer
is the raw value. Writing one: the question's figure in the row's unit is the physical value;
its sign is the direction the row's note gives ("negative = charge") for the question's verb
(charge/laden, discharge/entladen). Anything unclear (no such row, no numeric factor, no raw or
physical value, several) gives None.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from luna.core.arithmetic import format_number, number_language, parse_number, written_decimals
from luna.core.language import Language, guess_language
from luna.graphs.rag.calculation import Calculation, CitedOperand
from luna.graphs.rag.guard import neutralise

__all__ = ["RegisterValue", "asks_register_value", "register_value"]

_REGISTER = re.compile(
    r"\bregist\w*\s*(?:nr\.?\s*|no\.?\s*)?(?P<first>\d{4,5})(?:\s*(?:/|-|–|und|and|\+)\s*"
    r"(?P<second>\d{4,5}))?",
    re.IGNORECASE,
)
_WRITE = re.compile(
    r"\b(schreib\w*|einstell\w*|setzen|eintrag\w*|write|writing|written|set|enter)\b", re.I
)
_NUMBER = re.compile(r"(?<![\w.,])(?P<n>[-−]?\d+(?:[.,]\d+)*)(?:\s?(?P<u>%|[^\W\d_][\w/°]*))?")
_SCALE_HEADING = re.compile(r"scal|skal|faktor|factor|auflösung|resolution|multiplier", re.I)
_UNIT_HEADING = re.compile(r"^(unit|units|einheit)$", re.IGNORECASE)
_NOTE_HEADING = re.compile(r"^(notes?|remarks?|hinweis\w*|bemerkung\w*|anmerkung\w*)$", re.I)
_RANGE = re.compile(r"^(\d{4,5})\s*[-–]\s*(\d{4,5})$")
# A unit cell that gives the step as well ("0.1 kW", "0,01 Hz"): the scale and the unit.
_STEP_UNIT = re.compile(r"^(?P<step>\d+(?:[.,]\d+)?)\s*(?P<unit>[^\W\d_][\w/°]*|%)$")
_CHARGE = re.compile(r"\b(lad\w*|lädt|charg\w*)\b", re.IGNORECASE)
_DISCHARGE = re.compile(r"\b(entlad\w*|entlädt|discharg\w*)\b", re.IGNORECASE)
_NEGATIVE_MEANS = re.compile(r"negati\w*\s*=\s*(?P<what>[^\W\d_]+)", re.IGNORECASE)
_POSITIVE_MEANS = re.compile(r"positi\w*\s*=\s*(?P<what>[^\W\d_]+)", re.IGNORECASE)


_STEPS: dict[Language, str] = {"de": "zählt in Schritten von", "en": "counts in steps of"}


@dataclass(frozen=True)
class RegisterValue:
    """A register's row (number, name, note) and the conversion through its scale factor."""

    register: str
    name: str
    note: str
    calculation: Calculation

    @property
    def sources(self) -> list[int]:
        return self.calculation.sources

    def render(self, language: Language) -> str:
        scale = self.calculation.operands[1]
        step = format_number(scale.value, language, written_decimals(scale.value))
        unit = f" {scale.unit}" if scale.unit else ""
        note = f"; {self.note}" if self.note else ""
        line = f"Register {self.register} ({self.name}) {_STEPS[language]} {step}{unit}{note}."
        lines = [line, self.calculation.render(language)]
        if self.calculation.expression == "raw * scale":  # a reading: say what its sign means
            kind = _sign_meaning(f"{self.name} {self.note}", self.calculation.value)
            if kind is not None:
                lines.append(_MEANING[language][kind])
        return "\n".join(lines)


def _registers(question: str) -> set[int]:
    found = set()
    for match in _REGISTER.finditer(question):
        found.add(int(match.group("first")))
        if match.group("second"):
            found.add(int(match.group("second")))
    return found


def asks_register_value(question: str) -> bool:
    """Whether the question names a register and gives a value of it to convert."""
    return bool(_registers(question)) and _given(question) is not None


def _given(question: str) -> tuple[str, str] | None:
    """The one figure the question gives besides its register numbers: (number, unit)."""
    registers = {str(r) for r in _registers(question)}
    figures = [
        (m.group("n"), m.group("u") or "")
        for m in _NUMBER.finditer(question)
        if m.group("n").lstrip("-−") not in registers
    ]
    figures = [(n, u) for n, u in figures if not _is_register_word(u)]
    return figures[0] if len(figures) == 1 else None


def _is_register_word(unit: str) -> bool:
    return unit.casefold().startswith(("regist", "uhr", "h"))


def _row_registers(cell: str) -> set[int]:
    cell = cell.strip()
    if cell.isdigit():
        return {int(cell)}
    match = _RANGE.match(cell)
    if match:
        first, last = int(match.group(1)), int(match.group(2))
        return set(range(first, last + 1)) if 0 <= last - first <= 4 else set()
    return set()


def _rows(
    passages: Sequence[dict[str, Any]], wanted: set[int]
) -> list[tuple[dict[str, Any], list[str], list[str]]]:
    """(passage, heading cells, row cells) of each table row whose register is one asked,
    under a heading row that names a scale factor."""
    found = []
    for passage in passages:
        heading: list[str] | None = None
        for line in neutralise(str(passage["text"])).split("\n"):
            cells = [c.strip() for c in line.split("|")] if "|" in line else None
            if cells is None:
                heading = None
            elif any(_SCALE_HEADING.search(c) or _UNIT_HEADING.match(c) for c in cells):
                heading = cells
            elif heading is not None and wanted & _row_registers(cells[0]):
                found.append((passage, heading, cells))
    return found


def register_value(question: str, passages: Sequence[dict[str, Any]]) -> RegisterValue | None:
    """The physical value of the raw reading the question gives, or the raw value to write
    for the physical value it asks, by the register map's scale factor (see the module)."""
    wanted = _registers(question)
    given = _given(question)
    if not wanted or given is None:
        return None
    rows = _rows(passages, wanted)
    if len({tuple(cells) for _, _, cells in rows}) != 1:
        return None
    passage, heading, cells = rows[0]
    scale_at = [i for i, h in enumerate(heading) if _SCALE_HEADING.search(h)]
    unit_at = [i for i, h in enumerate(heading) if _UNIT_HEADING.match(h)]
    if len(unit_at) != 1 or len(scale_at) > 1 or max(scale_at + unit_at) >= len(cells):
        return None
    stepped = _STEP_UNIT.match(cells[unit_at[0]])
    if scale_at:
        written_scale, unit = cells[scale_at[0]], cells[unit_at[0]]
    elif stepped is not None:  # "0.1 kW" in the unit column: steps of 0.1 kW
        written_scale, unit = stepped.group("step"), stepped.group("unit")
        scale_at = unit_at
    else:
        return None
    language = number_language(passage["text"], guess_language(passage["text"]))
    unit = "" if unit in ("–", "-") else unit
    try:
        scale = parse_number(written_scale, "en" if "." in written_scale else language)
        value = parse_number(given[0], guess_language(question))
    except ValueError:
        return None
    if scale == 0:
        return None
    source = int(passage["n"])
    factor = CitedOperand(
        name="scale", value=scale, written=written_scale, unit=unit, source=source
    )
    number, given_unit = given
    name = cells[1] if len(cells) > 1 and 1 not in (scale_at[0], unit_at[0]) else ""
    notes = [i for i, h in enumerate(heading) if _NOTE_HEADING.match(h)]
    note = cells[notes[0]] if len(notes) == 1 and notes[0] < len(cells) else ""

    def answer(calculation: Calculation) -> RegisterValue:
        return RegisterValue(cells[0], name, note, calculation)

    if not given_unit:  # a raw reading → its physical value
        raw = CitedOperand(name="raw", value=value, written=number, unit="", source=0)
        return answer(
            Calculation(
                value=value * scale,
                result_unit=unit,
                expression="raw * scale",
                operands=[raw, factor],
            )
        )
    if not _WRITE.search(question) or given_unit.casefold() != unit.casefold():
        return None
    signed = value * _direction(question, note)
    physical = CitedOperand(name="value", value=signed, written=number, unit=unit, source=0)
    return answer(
        Calculation(
            value=(signed / scale).normalize(),
            result_unit="",
            expression="value / scale",
            operands=[physical, factor],
        )
    )


def _direction(question: str, row: str) -> int:
    """-1 where the row's note makes the question's direction negative ("negative =
    charge" and the question charges), else 1."""
    asked = _kind(question)
    if asked is None:
        return 1
    for pattern, sign in ((_NEGATIVE_MEANS, -1), (_POSITIVE_MEANS, 1)):
        match = pattern.search(row)
        means = _kind(match.group("what")) if match else None
        if means is not None:
            return sign if means == asked else -sign
    return 1


_MEANING: dict[Language, dict[str, str]] = {
    "de": {"charge": "Der Speicher lädt.", "discharge": "Der Speicher entlädt."},
    "en": {"charge": "The battery is charging.", "discharge": "The battery is discharging."},
}


def _sign_meaning(row: str, value: Decimal) -> str | None:
    """Whether a reading of ``value`` means charging or discharging, by the sign the row
    states ("Battery power (positive = charging)": -73.6 kW discharges); None where the row
    says nothing of it or the value is zero."""
    if value == 0:
        return None
    for pattern, sign in ((_POSITIVE_MEANS, 1), (_NEGATIVE_MEANS, -1)):
        match = pattern.search(row)
        means = _kind(match.group("what")) if match else None
        if means is not None:
            same = (value > 0) == (sign > 0)
            return means if same else ("charge" if means == "discharge" else "discharge")
    return None


def _kind(text: str) -> str | None:
    """Whether ``text`` speaks of discharging or charging (discharging first: "entladen"
    contains "laden")."""
    if _DISCHARGE.search(text):
        return "discharge"
    return "charge" if _CHARGE.search(text) else None
