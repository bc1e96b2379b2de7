"""The energy a battery gives between two states of charge, by code.

"How much energy can the battery really give us between its SoC limits? Use the measured
capacity" over a commissioning protocol ("Gemessene Kapazität: 421,6 kWh", "SoC-Grenzen: min.
10 % / max. 95 %"), or "how much can we get out of the HX-90 between 15 and 95 % state of
charge?" over a datasheet's capacity column, is a capacity times the width of the window:
421,6 kWh × (95 − 10) / 100. The small model multiplied by one limit or took the nameplate
capacity. Here the window is the question's two percentages or, where it gives none, the two a
passage states beside a state-of-charge word; the capacity is the passages' energy named a
capacity whose words share most with the question ("measured", "HX-90"), and a tie between two
values gives no plan (the model's is tried). "Wie lange kann der Speicher mit voller
Entladeleistung die Spitze kappen, bis er an der unteren SoC-Grenze ist?" is that energy over
the one discharge power the passages state ("Max. Entladeleistung: 200 kW"), in hours.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from luna.core.arithmetic import parse_number
from luna.graphs.rag.calculation_plan import (
    PERCENT_RANGE,
    CalculationPlan,
    ListedNumber,
    listed_numbers,
)
from luna.graphs.rag.compress import question_terms, term_score, term_weights
from luna.graphs.rag.rate_plans import best_rate, operand

_SOC = re.compile(r"\b(soc|state\s+of\s+charge|ladezustand\w*|soc-\w+)\b", re.IGNORECASE)
_ASKS_ENERGY = re.compile(
    r"\b(kwh|energie|energy|kapazität|capacity|wie\s?viel|how\s+much|nutzbar\w*|usable)\b",
    re.IGNORECASE,
)
_CAPACITY = re.compile(r"kapazität|capacity", re.IGNORECASE)
# How long the battery lasts at its full discharge power: the window's energy over that power.
_ASKS_DURATION = re.compile(
    r"\b(wie\s+lange|how\s+long|wie\s+viele\s+stunden|how\s+many\s+hours|dauer\w*|duration)\b",
    re.IGNORECASE,
)
_FULL_POWER = re.compile(
    r"\b(voll\w*|max\w*|full|maximum|rated|nenn\w*)\s+(\w+\s+)?"
    r"(entlade\w*|discharg\w*|leistung|power)",
    re.IGNORECASE,
)
_MEASURED = re.compile(r"gemessen\w*|measured|kapazitätstest|capacity\s+test", re.IGNORECASE)
_DISCHARGE = re.compile(r"entlade\w*|discharg\w*", re.IGNORECASE)
# A window of states of charge applies to the whole capacity, not to a usable one.
_NOMINAL = re.compile(r"\b(nominal|rated|nenn\w*|brutto|gross)", re.IGNORECASE)


def soc_window_plan(question: str, passages: Sequence[dict[str, Any]]) -> CalculationPlan | None:
    """capacity × (upper − lower) / 100 for the question's battery and window, divided by
    the battery's discharge power where the question asks how long it lasts at full power
    (see the module's docstring), or None."""
    lasting = bool(_ASKS_DURATION.search(question) and _FULL_POWER.search(question))
    if not (_SOC.search(question) and (_ASKS_ENERGY.search(question) or lasting)):
        return None
    given = listed_numbers(question, [])
    if any(n.unit and n.unit != "%" for n in given):
        return None  # a quantity of its own (a power, a time): another calculation
    listed = listed_numbers(question, passages, limit=None)
    window = _given_window(question) or _stated_window(listed)
    if window is None:
        return None
    capacity = _capacity(question, listed)
    if capacity is None:
        return None
    lower, upper = window
    operands = [operand("capacity", capacity), operand("lower", lower), operand("upper", upper)]
    energy = "capacity * (upper / 100 - lower / 100)"
    if not lasting:
        return CalculationPlan(operands=operands, expression=energy, result_unit="kWh")
    power = _discharge_power(listed, capacity.source)
    if power is None:
        return None
    return CalculationPlan(
        operands=[*operands, operand("power", power)],
        expression=f"{energy} / power",
        result_unit="h",
    )


def _discharge_power(listed: Sequence[ListedNumber], source: int) -> ListedNumber | None:
    """The one discharge power ("Max. Entladeleistung: 200 kW") the capacity's passage
    states, else the passages: the document that measured the battery describes the same
    one (a register map's example value is no power of it)."""
    stated = [
        n
        for n in listed
        if n.source > 0 and n.unit.casefold() == "kw" and _DISCHARGE.search(n.context)
    ]
    for candidates in ([n for n in stated if n.source == source], stated):
        powers = {parse_number(n.value): n for n in candidates}
        if powers:
            return next(iter(powers.values())) if len(powers) == 1 else None
    return None


def _capacity(question: str, listed: Sequence[ListedNumber]) -> ListedNumber | None:
    """The energy named a capacity whose words share most with the question; of two that
    share alike, the nominal one, but where the question names no capacity at all, the one
    measured (a commissioning protocol's capacity test) if a passage states one."""
    capacities = [
        n
        for n in listed
        if n.source > 0 and n.unit.casefold() == "kwh" and _CAPACITY.search(n.context)
    ]
    if len({parse_number(n.value) for n in capacities}) == 1:
        return capacities[0]
    weights = term_weights([n.context for n in capacities], question_terms(question))
    scored = [(n, term_score(n.context, weights)) for n in capacities]
    best = best_rate(scored)
    if best is not None or not scored:
        return best
    top = max(score for _, score in scored)
    tied = [n for n, s in scored if s == top]
    if top == 0:  # the question names none: the battery's measured capacity is its real one
        measured = {parse_number(n.value): n for n in tied if _MEASURED.search(n.context)}
        if len(measured) == 1:
            return next(iter(measured.values()))
    nominal = {parse_number(n.value): n for n in tied if _NOMINAL.search(n.context)}
    return next(iter(nominal.values())) if top > 0 and len(nominal) == 1 else None


def _given_window(question: str) -> tuple[ListedNumber, ListedNumber] | None:
    """The window the question states ("between 15 and 95 %")."""
    match = PERCENT_RANGE.search(question)
    if match is None:
        return None
    low, high = (ListedNumber(match[g], "%", 0, match.group()) for g in ("low", "high"))
    return _window([low, high])


def _window(percents: Sequence[ListedNumber]) -> tuple[ListedNumber, ListedNumber] | None:
    """Two different percentages as (lower, upper); None for any other count."""
    by_value: dict[Decimal, ListedNumber] = {parse_number(n.value): n for n in percents}
    if len(percents) != 2 or len(by_value) != 2:
        return None
    lower, upper = (by_value[v] for v in sorted(by_value))
    return lower, upper


def _stated_window(listed: Sequence[ListedNumber]) -> tuple[ListedNumber, ListedNumber] | None:
    """The one pair of percentages a passage states beside a state-of-charge word."""
    by_context: dict[tuple[int, str], list[ListedNumber]] = {}
    for n in listed:
        if n.source > 0 and n.unit == "%" and _SOC.search(n.context):
            by_context.setdefault((n.source, n.context.split(" · ")[0]), []).append(n)
    windows = {
        (parse_number(w[0].value), parse_number(w[1].value)): w
        for group in by_context.values()
        if (w := _window(group)) is not None
    }
    return next(iter(windows.values())) if len(windows) == 1 else None
