"""Formulas a document states, evaluated by code for the values a question gives.

Tariff sheets write their price rule as a formula: "Arbeitspreis brutto = (Börsenpreis +
16,926 ct/kWh) × 1,19". A question that gives the formula's variable ("… wenn der
Börsenpreis 7,20 ct/kWh beträgt?", "… when the exchange price is 5.00 ct/kWh?") is answered by
that formula without a model: the small model, asked to plan the same arithmetic, mixed in
the sheet's worked example. A formula counts when the question names what it computes (its
left side's first word, across languages through the lexicon) or asks what a number of kWh
costs, names the variable it gives a value for, and names a designation ("Modul 3", "Module
3") exactly where the formula's left side does. Beyond that one value:

* a second variable ("… + Netzentgelt des Zeitfensters") is the rate the question's words
  pick from the passage's section ("im Hochtarif-Zeitfenster" → that row's net fee; the
  graph hands the calculation the formula's whole section from SQL);
* a quantity in the formula's per-unit ("30 kWh") turns the price into an amount of money;
* an amount the question includes ("einschließlich Grundpreis") is the passage's figure
  per month that names it, added once for a month, twelve times for a year.

A worked example ("Bei einem Börsenpreis von 9,20 ct/kWh beträgt der Arbeitspreis (9,20 +
16,636) × 1,19 = 30,74 ct/kWh brutto") counts as the formula it shows, where the passages
state none. Anything else gives None and the model's plan is tried."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from luna.core.arithmetic import parse_number
from luna.graphs.rag.calculation_cues import ASKS_MONEY, GROSS_WORD, NET_WORD, asks_per_year
from luna.graphs.rag.calculation_plan import (
    UNIT_WORDS,
    CalculationPlan,
    ListedNumber,
    Operand,
    listed_numbers,
    stated_side,
)
from luna.graphs.rag.compress import question_terms, stems
from luna.graphs.rag.guard import neutralise
from luna.graphs.rag.rate_plans import (
    INCLUDES,
    MAX_RATES,
    asked_net,
    best_rate,
    is_money,
    rate_per,
    scored_rates,
)
from luna.graphs.rag.worked_examples import worked_examples
from luna.retrieval.designations import designations, mentioned
from luna.retrieval.lexicon import equivalents
from luna.retrieval.periods import MONTH_NAME
from luna.retrieval.queries import asking_part

# "<what> = <expression>" on a line of its own; the right side holds an operator and a word.
# The formula may end its line or its sentence ("… + monatlicher Grundpreis. Auf den …").
_FORMULA = re.compile(
    r"^\s*(?P<lhs>[^=\n|]{3,80}?)\s+=\s+(?P<rhs>[^=\n|]{3,200}?)\s*(?:$|\.(?=\s+[A-ZÄÖÜ]))", re.M
)
_TOKEN = re.compile(
    rf"(?P<number>\d+(?:[.,]\d+)*)(?:\s?(?P<unit>{UNIT_WORDS}|%)(?![\w/]))?"
    r"|(?P<op>[+\-−×·*/÷])|(?P<paren>[()])"
    r"|(?P<word>[^\W\d_][\w-]*(?:\s+[^\W\d_][\w-]*)*)"
    r"|(?P<space>\s+)"
)
# A price asked per kWh: "Was kostet die kWh?", "gross price per kWh", "what does a kWh cost",
# "Was zahl ich dann im Flex-Tarif brutto pro kWh?".
_PER_KWH = re.compile(
    r"\b(kostet|kosten|cost|costs|price|preis|zahl\w*|pay|pays|paying)\b.{0,40}"
    r"\b(die|eine|pro|je|per|a|one|each)\s+kwh\b|"
    r"\b(die|eine|a|one)\s+kwh\s+(kostet|costs?)\b",
    re.IGNORECASE,
)
# What a question adds to a cost: "einschließlich Grundpreis", "including the base fee".
_WORD = r"[^\W\d_][\w-]*"
# What a question adds, before or after its marker: "einschließlich Grundpreis", "including the
# standing charge", "standing charge included", "Grundgebühr inbegriffen".
_INCLUDED = re.compile(
    r"\b(?:inklusive|inkl\.?|einschließlich|zuzüglich|zzgl\.?|plus|including|incl\.?)\s+"
    rf"(?:(?:des|der|dem|den|the|a|an|eines?|seinem|ihrem|its)\s+)?"
    rf"(?P<what>{_WORD}(?:\s+{_WORD}){{0,2}})"  # "the monthly base price": its last two words
    rf"|(?P<before>{_WORD}(?:\s+{_WORD})?)\s+(?:included|inclusive|inbegriffen|eingerechnet|"
    r"mitgerechnet)\b",
    re.IGNORECASE,
)
_GIVEN_NET_OR_GROSS = re.compile(
    rf"\d+(?:[.,]\d+)*\s?(?:{UNIT_WORDS})\s+(?:netto|net|brutto|gross)\b", re.IGNORECASE
)
_PER_MONTH = re.compile(r"\b(monat\w*|month\w*)\b|/\s*mon", re.IGNORECASE)
_MONTH = re.compile(rf"\b({MONTH_NAME})\b", re.IGNORECASE)  # "the March bill": one month
_PER_YEAR = re.compile(r"\b(jahr|jahres\w*|jährlich\w*|year\w*|annual\w*|yearly)\b", re.I)
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
    if not variables or not (operands or len(variables) > 1) or not any(p in "+-*/" for p in parts):
        return None  # a formula of names only is a bill (:mod:`luna.graphs.rag.bill_formulas`)
    return StatedFormula(lhs.strip(), " ".join(parts), operands, variables)


def stated_formulas(passages: Sequence[dict[str, Any]]) -> list[StatedFormula]:
    """Every formula the passages state, in order; where they state none, the formulas their
    worked examples show (:mod:`luna.graphs.rag.worked_examples`)."""
    found = []
    for passage in passages:
        for match in _FORMULA.finditer(neutralise(str(passage["text"]))):
            formula = _parse(match.group("lhs"), match.group("rhs"), int(passage["n"]))
            if formula is not None:
                found.append(formula)
    if found:
        return found
    for passage in passages:
        for example in worked_examples(neutralise(str(passage["text"]))):
            formula = _parse(example.lhs, example.rhs, int(passage["n"]))
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


def _values(formula: StatedFormula) -> tuple[str, ...]:
    return tuple(o.value for o in formula.operands)


def _net_gross_fit(formula: StatedFormula, question: str) -> bool:
    """A gross formula does not answer a net question, nor a net one a gross question; a net
    or gross said of a figure the question gives ("bei 7,85 ct/kWh netto") asks nothing."""
    asked = _GIVEN_NET_OR_GROSS.sub(" ", question)
    return not (
        (GROSS_WORD.search(formula.lhs) and NET_WORD.search(asked))
        or (NET_WORD.search(formula.lhs) and GROSS_WORD.search(asked))
    )


def _computes_what_is_asked(formula: StatedFormula, question: str, terms: set[str]) -> bool:
    return _named(formula.lhs.split()[0], terms) and _net_gross_fit(formula, question)


def _looked_up(
    formula: StatedFormula, question: str, passages: Sequence[dict[str, Any]], unit: str
) -> ListedNumber | None:
    """The value of a formula's variable the question does not give, as the rate in
    ``unit`` the question's words pick ("im Niedertarif" → the Niedertarif row's fee): net
    inside a gross formula (it applies the VAT itself), gross inside a net one."""
    net = (
        True
        if GROSS_WORD.search(formula.lhs)
        else False
        if NET_WORD.search(formula.lhs)
        else asked_net(question)
    )
    own = {parse_number(o.value) for o in formula.operands}
    # The formula's own words ("Arbeitspreis", "Börsenpreis") tell no row of the table apart:
    # a sentence about the exchange price is no value of the grid fee.
    said = stems(" ".join([formula.lhs, *formula.variables.values()]))
    scored = [
        (n, score)
        for n, score in scored_rates(question, passages, rate_per(unit), net, ignore=said)
        if n.unit.casefold() == unit.casefold() and parse_number(n.value) not in own
    ]
    return best_rate(scored)


def formula_plan(question: str, passages: Sequence[dict[str, Any]]) -> CalculationPlan | None:
    """The plan of the stated formula that answers ``question``: the variable the question
    names takes the question's value, any other variable the rate the question's words pick
    (:func:`_looked_up`); a quantity the question adds in the formula's per-unit ("300 kWh")
    multiplies the result into an amount of money when the question asks for one. None when
    no formula fits unambiguously (see the module's docstring)."""
    formulas = [f for f in stated_formulas(passages) if f.operands]
    if not formulas:
        return None
    terms = question_terms(question)
    given = [n for n in listed_numbers(question, []) if n.unit and n.unit != "%"]
    # "Was kosten 30 kWh …?", "Was kostet mich die kWh?", "price per kWh": a price per kWh
    # answers it, named or not
    costs = (
        ASKS_MONEY.search(question) and any(n.unit.casefold() == "kwh" for n in given)
    ) or _PER_KWH.search(question)
    asked = [
        f
        for f in formulas
        if _computes_what_is_asked(f, question, terms)
        or (
            costs
            and any(rate_per(o.unit) == "kwh" for o in f.operands)
            and _net_gross_fit(f, question)
        )
    ]
    named = designations(question)
    if named:  # "mit Modul 3", "with Module 3": only a formula for Modul 3 applies
        candidates = [f for f in asked if any(mentioned(d, [f.lhs]) for d in named)]
    else:
        candidates = [f for f in asked if not designations(f.lhs)]
    candidates = list({(f.lhs, f.expression, _values(f)): f for f in candidates}.values())
    if len(candidates) != 1:
        return None
    formula = candidates[0]
    unit = next((o.unit for o in formula.operands if o.unit and o.unit != "%"), "")
    values = [n for n in given if not unit or n.unit.casefold() == unit.casefold()]
    per = rate_per(unit)
    amounts = [n for n in given if per and n.unit.casefold() == per]
    if len(values) != 1 or len(amounts) > 1 or len(values) + len(amounts) != len(given):
        return None
    if amounts and not ASKS_MONEY.search(question):
        return None
    by_question = [v for v, words in formula.variables.items() if _named(words, terms)]
    if len(by_question) > 1:  # the one the question's value is said of ("wenn der Börsenpreis …")
        said = question_terms(values[0].context)
        by_question = [v for v in by_question if _named(formula.variables[v], said)]
    if len(by_question) > 1:  # … by its head word: "die ganze Zeit" names no "Zeitfenster"
        heads = [v for v in by_question if _named(formula.variables[v].split()[0], said)]
        by_question = heads or by_question
    if len(by_question) != 1:
        return None  # the question names no variable it gives a value for, or several
    operands = [*formula.operands]
    for variable in formula.variables:
        if variable == by_question[0]:
            value = values[0]
        else:
            found = _looked_up(formula, question, passages, unit)
            if found is None:
                return None
            value = found
        operands.append(
            Operand(name=variable, value=value.value, unit=value.unit, source=value.source)
        )
    expression, result_unit = formula.expression, unit or values[0].unit
    if amounts:
        energy = amounts[0]
        operands.append(Operand(name="energy", value=energy.value, unit=energy.unit, source=0))
        expression, result_unit = f"({expression}) * energy", "€"
    if INCLUDES.search(question):  # "… einschließlich Grundpreis": a monthly amount added
        fee = (
            included_fee(question, passages, GROSS_WORD.search(formula.lhs) is not None)
            if amounts
            else None
        )
        if fee is None:
            return None
        operands.append(Operand(name="fee", value=fee.value, unit=fee.unit, source=fee.source))
        months = " * 12" if asks_per_year(asking_part(question)) else ""  # not "this year"
        expression = f"{expression} + fee{months}"
    return CalculationPlan(operands=operands, expression=expression, result_unit=result_unit)


# Words any monthly amount's line may hold: they tell no fee from another.
_GENERIC_FEE_WORDS = "price prices preis fee fees charge charges gebühr monthly month monat"


def _included_terms(words: str) -> set[str]:
    """The stems that name what a question includes, its own words' and, for each word and
    each two words, the lexicon's terms for them in both languages ("standing charge" →
    Grundpreis, Grundgebühr, base fee …): an English question adds a German sheet's fee."""
    split = words.split()
    phrases = split + [" ".join(pair) for pair in pairwise(split)]
    named = {term for phrase in phrases for term in equivalents(phrase)}
    found = stems(" ".join([words, *named])) - stems(_GENERIC_FEE_WORDS)
    return {t for t in found if len(t) >= 4}


def included_fee(
    question: str, passages: Sequence[dict[str, Any]], gross: bool
) -> ListedNumber | None:
    """The monthly amount a question adds to a cost ("einschließlich Grundpreis", "including
    the base fee"): a passage's figure in € per month whose words name what is included,
    gross where ``gross`` (as the cost it is added to is), else net; None where none or
    several fit."""
    match = _INCLUDED.search(question)
    periodic = _PER_MONTH.search(question) or _PER_YEAR.search(question) or _MONTH.search(question)
    if match is None or not periodic:
        return None
    what = _included_terms(match.group("what") or match.group("before"))
    found = [
        n
        for n in listed_numbers(question, passages, limit=MAX_RATES)
        if n.source > 0
        and is_money(n.unit)
        and what & stems(n.context)
        and _PER_MONTH.search(n.context)
        and stated_side(n) != ("net" if gross else "gross")
    ]
    values = {parse_number(n.value): n for n in found}
    return next(iter(values.values())) if len(values) == 1 else None
