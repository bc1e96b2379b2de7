"""The rule a document's worked example shows, as a formula over a named figure.

Price sheets often give their rule only by example: "Bei einem Börsenpreis von 9,20 ct/kWh
netto beträgt der Arbeitspreis (9,20 + 16,636) × 1,19 = 30,74 ct/kWh brutto.", "At an
exchange price of 9.20 ct/kWh the working price is (9.20 + 16.636) × 1.19 = 30.74 ct/kWh
gross." The example's calculation is the rule with one figure filled in: the figure the
sentence introduces by name before the calculation ("Börsenpreis von 9,20"). With that figure
replaced by its name, the calculation is the formula "Arbeitspreis brutto = (Börsenpreis +
16,636) × 1,19", which :mod:`luna.graphs.rag.stated_formulas` evaluates for the figure a
question gives. An example counts only when its calculation gives the result it states (at the
result's written decimals), and only a figure that occurs once in the calculation and is
named in words right before it ("Börsenpreis von", "exchange price of", "Börsenpreis:") can be
its variable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from luna.core.arithmetic import ExpressionError, evaluate, parse_number, written_decimals
from luna.core.language import Language, guess_language
from luna.core.stopwords import STOP_WORDS
from luna.ingest.sentences import split_sentences

__all__ = ["WorkedExample", "worked_examples"]

_UNITS = r"ct/kWh|€/kWh|EUR/kWh|€/MWh|EUR/MWh|€/kW|EUR/kW|ct|€|EUR|kWh|MWh|kWp|kW|%"
_NUMBER = r"-?\d+(?:[.,]\d+)*"
_OPERATOR = r"[+\-−×·*/÷]"
# The calculation right before "=": numbers (with units), operators, brackets, spaces.
_CALCULATION = re.compile(
    rf"(?:\(|\)|\s|{_OPERATOR}|{_NUMBER}(?:\s?(?:{_UNITS})(?![\w/]))?)+$", re.IGNORECASE
)
_RESULT = re.compile(
    rf"=\s*(?P<result>{_NUMBER})\s*(?P<unit>{_UNITS})?(?P<after>(?:\s+[^\W\d_]+){{0,2}})",
    re.IGNORECASE,
)
_TOKEN = re.compile(rf"(?P<number>{_NUMBER})(?:\s?(?P<unit>{_UNITS})(?![\w/]))?|(?P<other>\S)")
_PYTHON = {"+": "+", "-": "-", "−": "-", "×": "*", "·": "*", "*": "*", "/": "/", "÷": "/"}
# "<Name> von 9,20", "<name> of 9.20", "<Name>: 9,20", "<Name> = 9,20", "<Name> 9,20 ct/kWh".
_NAMED = (
    r"(?P<name>[^\W\d_][\w-]*(?:\s+[^\W\d_][\w-]*){{0,2}})"
    r"\s*(?:von|of|at|:|=|in\s+h(?:ö|oe)he\s+von)?\s*{number}\b"
)
_QUALIFIER = re.compile(r"\b(brutto|netto|gross|net)\b", re.IGNORECASE)
_VERBS = frozenset(
    [
        "beträgt",
        "betragen",
        "ergibt",
        "ergeben",
        "liegt",
        "liegen",
        "macht",
        "kostet",
        "kosten",
        "ist",
        "sind",
        "wäre",
        "wären",
        "is",
        "are",
        "comes",
        "come",
        "amounts",
        "amount",
        "would",
        "be",
        "costs",
        "cost",
    ]
)
_ARTICLES = frozenset(
    [
        "a",
        "an",
        "the",
        "der",
        "die",
        "das",
        "den",
        "dem",
        "des",
        "ein",
        "eine",
        "einem",
        "einen",
        "einer",
        "eines",
    ]
)


@dataclass(frozen=True)
class WorkedExample:
    """A worked example read as a formula: what it computes, the right side with the example's
    figure replaced by its name, and that figure's unit."""

    lhs: str
    rhs: str
    variable: str
    unit: str


def worked_examples(text: str) -> list[WorkedExample]:
    """The formulas the worked examples of ``text`` show, in order."""
    found = []
    language = guess_language(text)
    for sentence in split_sentences(text):
        for result in _RESULT.finditer(sentence):
            example = _example(sentence, result, language)
            if example is not None:
                found.append(example)
    return found


def _example(sentence: str, result: re.Match[str], language: Language) -> WorkedExample | None:
    before = sentence[: result.start()]
    calculation = _balanced(_CALCULATION.search(before))
    if calculation is None:
        return None
    start = before.rindex(calculation)
    numbers = [m for m in _TOKEN.finditer(calculation) if m.group("number")]
    if len(numbers) < 2 or not _computes(calculation, result.group("result"), language):
        return None
    lead = before[:start]
    for number in numbers:
        value = number.group("number")
        if sum(n.group("number") == value for n in numbers) != 1:
            continue
        named = list(re.finditer(_NAMED.format(number=re.escape(value)), lead, re.IGNORECASE))
        if not named:
            continue
        name = _content_words(named[-1].group("name"))
        unit = number.group("unit") or _unit_after(lead, named[-1].end())
        subject = _content_words(lead[named[-1].end() :].lstrip().removeprefix(unit))
        if not name or not subject:
            continue
        qualifier = _QUALIFIER.search(result.group("after") or "")
        rhs = _with_units(calculation, number, name, unit)
        lhs = " ".join([subject, *([qualifier.group(1)] if qualifier else [])])
        return WorkedExample(lhs=lhs, rhs=" ".join(rhs.split()), variable=name, unit=unit)
    return None


def _with_units(calculation: str, variable: re.Match[str], name: str, unit: str) -> str:
    """The calculation with the variable's figure replaced by its name, and the bare numbers
    added to or subtracted from it (in its bracket, not multiplied) given its unit: in
    "(9,20 + 16,636) × 1,19" the markup is in ct/kWh like the exchange price, the factor is
    none."""
    tokens = list(_TOKEN.finditer(calculation))
    at = next(i for i, t in enumerate(tokens) if t.start() == variable.start())
    depth, depths = 0, []
    for token in tokens:
        depth -= token.group("other") == ")"
        depths.append(depth)
        depth += token.group("other") == "("
    own = depths[at]

    def term(i: int, step: int) -> list[int]:
        """The tokens of one additive term from ``i`` on, at the variable's depth."""
        found = []
        while 0 <= i < len(tokens) and depths[i] >= own:
            if depths[i] == own and tokens[i].group("other") in ("+", "-", "−"):
                break
            found.append(i)
            i += step
        return found

    summed = set()
    i = at
    for step in (-1, 1):  # the terms on each side of the variable, up to its bracket's ends
        i = at + step
        while 0 <= i < len(tokens) and depths[i] >= own:
            if depths[i] == own and tokens[i].group("other") in ("+", "-", "−"):
                neighbour = term(i + step, step)
                if len(neighbour) == 1 and tokens[neighbour[0]].group("number"):
                    summed.add(neighbour[0])
                i = (neighbour[-1] if neighbour else i) + step
            elif depths[i] == own and tokens[i].group("other") in _PYTHON:
                break  # a product or quotient: its numbers are no amounts of the unit
            else:
                i += step
    parts = []
    for i, token in enumerate(tokens):
        if i == at:
            parts.append(name)
        elif i in summed and not token.group("unit") and unit:
            parts.append(f"{token.group('number')} {unit}")
        else:
            parts.append(token.group(0))
    return " ".join(parts)


def _balanced(match: re.Match[str] | None) -> str | None:
    """The calculation with unmatched brackets trimmed from its start, if it has an operator
    between two numbers."""
    if match is None:
        return None
    text = match.group(0).strip()
    while text.startswith(")") or text.count("(") > text.count(")"):
        cut = text.find("(") if not text.startswith(")") else 0
        text = text[cut + 1 :].strip()
    if text.count("(") != text.count(")"):
        return None
    return text if re.search(rf"\d\s*\)?\s*{_OPERATOR}\s*\(?\s*\d", text) else None


def _computes(calculation: str, stated: str, language: Language) -> bool:
    """Whether the calculation gives the stated result, rounded to the result's decimals."""
    parts = []
    for token in _TOKEN.finditer(calculation):
        if token.group("number"):
            value = parse_number(token.group("number"), language)
            parts.append(f"({value} / 100)" if token.group("unit") == "%" else str(value))
        elif token.group("other") in _PYTHON:
            parts.append(_PYTHON[token.group("other")])
        elif token.group("other") in "()":
            parts.append(token.group("other"))
        else:
            return False
    try:
        value = evaluate(" ".join(parts), {})
        expected = parse_number(stated, language)
    except (ExpressionError, ValueError, ArithmeticError):
        return False
    step = Decimal(1).scaleb(-written_decimals(expected))
    return value.quantize(step, rounding=ROUND_HALF_UP) == expected


def _content_words(text: str) -> str:
    """The words of ``text`` that name something (articles, prepositions, verbs dropped)."""
    words = re.findall(r"[^\W\d_][\w-]*", text)
    dropped = STOP_WORDS | _VERBS | _ARTICLES
    kept = [w for w in words if w.casefold() not in dropped]
    return " ".join(w for w in kept if not _QUALIFIER.fullmatch(w))


def _unit_after(text: str, end: int) -> str:
    match = re.match(rf"\s*({_UNITS})(?![\w/])", text[end:], re.IGNORECASE)
    return match.group(1) if match else ""
