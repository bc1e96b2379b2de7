"""Formulas a document states, evaluated by code for the value a question gives.

Tariff sheets write their price rule as a formula: "Arbeitspreis brutto = (Börsenpreis +
16,926 ct/kWh) × 1,19". A question that gives the formula's one variable ("… wenn der
Börsenpreis 7,20 ct/kWh beträgt?", "… when the exchange price is 5.00 ct/kWh?") is answered by
that formula without a model: the small model, asked to plan the same arithmetic, mixed in
the sheet's worked example. A formula counts when the question names what it computes (its
left side's first word, across languages through the lexicon), names the variable, states
exactly one quantity to put in, and names a designation ("Modul 3") exactly where the
formula's left side does; anything else gives None and the model's plan is tried.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from luna.graphs.rag.calculation_plan import (
    GROSS_WORD,
    NET_WORD,
    UNIT_WORDS,
    CalculationPlan,
    Operand,
    listed_numbers,
)
from luna.graphs.rag.compress import question_terms, stems
from luna.graphs.rag.guard import neutralise
from luna.retrieval.designations import designations

# "<what> = <expression>" on a line of its own; the right side holds an operator and a word.
_FORMULA = re.compile(r"^\s*(?P<lhs>[^=\n|]{3,80}?)\s+=\s+(?P<rhs>[^=\n|]{3,200}?)\s*$", re.M)
_TOKEN = re.compile(
    rf"(?P<number>\d+(?:[.,]\d+)*)(?:\s?(?P<unit>{UNIT_WORDS}|%)(?![\w/]))?"
    r"|(?P<op>[+\-−×·*/÷])|(?P<paren>[()])"
    r"|(?P<word>[^\W\d_][\w-]*(?:\s+[^\W\d_][\w-]*)*)"
    r"|(?P<space>\s+)"
)
_OPERATORS = {"+": "+", "-": "-", "−": "-", "×": "*", "·": "*", "*": "*", "/": "/", "÷": "/"}


@dataclass(frozen=True)
class StatedFormula:
    """A formula as a passage writes it: what it computes, its expression over operand names,
    the numbers it contains (as operands of its source) and its variables (name → words)."""

    lhs: str
    expression: str
    operands: list[Operand]
    variables: dict[str, str]


def _parse(lhs: str, rhs: str, source: int) -> StatedFormula | None:
    parts: list[str] = []
    operands: list[Operand] = []
    variables: dict[str, str] = {}
    position = 0
    while position < len(rhs):
        match = _TOKEN.match(rhs, position)
        if match is None:
            return None
        position = match.end()
        if match.group("number"):
            name = f"c{len(operands) + 1}"
            unit = match.group("unit") or ""
            operands.append(
                Operand(name=name, value=match.group("number"), unit=unit, source=source)
            )
            parts.append(f"({name} / 100)" if unit == "%" else name)
        elif match.group("op"):
            parts.append(_OPERATORS[match.group("op")])
        elif match.group("paren"):
            parts.append(match.group("paren"))
        elif match.group("word"):
            name = f"v{len(variables) + 1}"
            variables[name] = match.group("word")
            parts.append(name)
    if not variables or not operands or not any(p in "+-*/" for p in parts):
        return None
    return StatedFormula(lhs.strip(), " ".join(parts), operands, variables)


def stated_formulas(passages: Sequence[dict[str, Any]]) -> list[StatedFormula]:
    """Every formula the passages state, in order."""
    found = []
    for passage in passages:
        for match in _FORMULA.finditer(neutralise(str(passage["text"]))):
            formula = _parse(match.group("lhs"), match.group("rhs"), int(passage["n"]))
            if formula is not None:
                found.append(formula)
    return found


def _named(words: str, terms: set[str]) -> bool:
    """Whether the question's terms name ``words``: a shared stem, or one a prefix of the
    other ("spot" and "Spotpreis")."""
    return any(
        s.startswith(t) or t.startswith(s)
        for s in stems(words)
        for t in terms
        if min(len(s), len(t)) >= 4
    )


def _computes_what_is_asked(formula: StatedFormula, question: str, terms: set[str]) -> bool:
    if not _named(formula.lhs.split()[0], terms):
        return False
    return not (
        (GROSS_WORD.search(formula.lhs) and NET_WORD.search(question))
        or (NET_WORD.search(formula.lhs) and GROSS_WORD.search(question))
    )


def formula_plan(question: str, passages: Sequence[dict[str, Any]]) -> CalculationPlan | None:
    """The plan of the stated formula that answers ``question``, its variable taken from the
    question; None when no formula fits unambiguously (see the module's docstring)."""
    formulas = stated_formulas(passages)
    if not formulas:
        return None
    terms = question_terms(question)
    asked = [f for f in formulas if _computes_what_is_asked(f, question, terms)]
    named = {d.casefold() for d in designations(question)}
    if named:  # "mit Modul 3": only a formula for Modul 3 applies
        candidates = [f for f in asked if named & {d.casefold() for d in designations(f.lhs)}]
    else:
        candidates = [f for f in asked if not designations(f.lhs)]
    given = [n for n in listed_numbers(question, []) if n.unit and n.unit != "%"]
    if len(candidates) != 1 or len(given) != 1:
        return None
    formula = candidates[0]
    if len(formula.variables) != 1:
        return None
    (variable, words), value = next(iter(formula.variables.items())), given[0]
    if not _named(words, terms):
        return None  # the question does not name the variable it gives a value for
    operands = [
        *formula.operands,
        Operand(name=variable, value=value.value, unit=value.unit, source=0),
    ]
    unit = next((o.unit for o in formula.operands if o.unit and o.unit != "%"), value.unit)
    return CalculationPlan(operands=operands, expression=formula.expression, result_unit=unit)
