"""A bill formula written in words only, evaluated by code with each word's value.

A price sheet may state its bill as a formula of named quantities and no figure of its own:

    Monatlicher Rechnungsbetrag (netto) = Verbrauch in kWh × (Börsenpreis + Summe Aufschläge)
    + monatlicher Grundpreis.

"Im April lag der Börsenpreis bei 6,95 ct/kWh und wir haben 44.200 kWh verbraucht. Was
kostet uns das brutto inkl. Grundpreis?" gives two of the names a value; the others are
figures the passages state under the same name (the table row "Summe Aufschläge | 6,731 |
8,010", the sentence "Grundpreis FlexBörse: 19,90 € netto pro Monat"). Each name takes:

* the question's figure whose words name it ("Börsenpreis … 6,95 ct/kWh"), or, for a
  quantity of energy the formula names ("Verbrauch in kWh"), the question's one energy;
* else, where the question names one month ("was hätte der Januar 2025 gekostet? Verbrauch
  und Börsenpreis aus der Notiz"), the cell of that month's table row whose column heading
  names it ("Jan 2025 · Verbrauch (kWh)"): the month's figures stand in for the question's;
* else the one passage figure whose words (a table cell's row and column headings, the words
  around a number in prose) name it best, net or gross as the formula is, the question's own
  words breaking a tie between products ("bei FlexBörse");

and the result is money in the formula's terms. A month the question names with its year
takes its figures from the documents in force then (December 2024 from the 2024 price sheet,
:func:`~luna.graphs.rag.supersession.in_force_on`). A question that asks gross of a net formula
gets the VAT rate the passages state. Where any name has no value, or two values fit one
name alike, there is no plan and the model's is tried; only questions that ask for an amount
of money and bring a quantity of their own come here, since a formula of names is a bill,
not a unit price.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from luna.graphs.rag.calculation_cues import ASKS_MONEY, GROSS_WORD, NET_WORD, asks_money
from luna.graphs.rag.calculation_plan import (
    CalculationPlan,
    ListedNumber,
    Operand,
    listed_numbers,
)
from luna.graphs.rag.compress import question_terms, stems, term_score, term_weights
from luna.graphs.rag.rate_plans import UNDISTINCTIVE, asked_net, net_or_gross
from luna.graphs.rag.scaled_amounts import stated_vat
from luna.graphs.rag.stated_formulas import StatedFormula, stated_formulas
from luna.graphs.rag.supersession import in_force_on
from luna.retrieval.periods import period_months, question_year, row_month

_ENERGY_UNITS = frozenset({"kwh", "mwh", "wh"})


def _names(words: str, context: str) -> bool:
    """Whether a figure's words name a formula's variable: the stems of all its nouns (its
    capitalised words; all its words where none is) are among them ("Summe Aufschläge" in
    "Summe Aufschläge · netto (ct/kWh)", "monatlicher Grundpreis" in "Grundpreis Flex: 19,90 €
    netto pro Monat")."""
    nouns = [w for w in words.split() if w[:1].isupper()] or words.split()
    wanted = {s for s in stems(" ".join(nouns)) if len(s) >= 4} - UNDISTINCTIVE
    return bool(wanted) and wanted <= stems(context)


def _from_question(words: str, given: Sequence[ListedNumber]) -> ListedNumber | None:
    named = [n for n in given if _names(words, n.context)]
    if len(named) == 1:
        return named[0]
    energy = [n for n in given if n.unit.casefold() in _ENERGY_UNITS]
    unit_named = any(unit in words.casefold().split() for unit in _ENERGY_UNITS)
    return energy[0] if unit_named and len(energy) == 1 else None


def month_row_numbers(question: str, passages: Sequence[dict[str, Any]]) -> list[ListedNumber]:
    """The figures of the table rows of the one month the question names ("Januar 2025":
    the cells of a row labelled "Jan 2025", each with its column's heading); a row without a
    year counts only for a question without one. Empty where the question names no single
    month."""
    months = period_months(question)
    if len(months) != 1:
        return []
    year = question_year(question)
    found = []
    for number in listed_numbers(question, passages, limit=None):  # names pick, not ranking
        label, separator, _ = number.context.partition(" · ")
        month = row_month(label) if number.source > 0 and separator else None
        if month is not None and month[0] == months[0] and month[1] == year:
            found.append(number)
    return found


def asks_month_bill(question: str, passages: Sequence[dict[str, Any]]) -> bool:
    """Whether the question asks what one month cost whose figures a table row of the
    passages holds ("Was hätte der Januar 2025 gekostet?"): a calculation, although the
    question states no quantity itself."""
    return asks_money(question) and bool(month_row_numbers(question, passages))


def _from_passages(
    words: str, question: str, listed: Sequence[ListedNumber], net: bool | None
) -> ListedNumber | None:
    """The one passage figure whose words name the variable, the question's words deciding
    among those that name it alike."""
    candidates = [n for n in listed if n.source > 0 and n.unit != "%" and net_or_gross(n, net)]
    named = [n for n in candidates if _names(words, n.context)]
    if len({n.value for n in named}) <= 1:
        return named[0] if named else None
    terms = question_terms(question) - UNDISTINCTIVE
    weights = term_weights([n.context for n in named], terms)
    scored = [(term_score(n.context, weights), n) for n in named]
    top = max(score for score, _ in scored)
    best = {n.value: n for score, n in scored if score == top}
    return next(iter(best.values())) if top > 0 and len(best) == 1 else None


def _plan(
    formula: StatedFormula,
    question: str,
    passages: Sequence[dict[str, Any]],
    given: Sequence[ListedNumber],
    month_row: Sequence[ListedNumber],
    listed: Sequence[ListedNumber],
) -> CalculationPlan | None:
    net = (
        True if NET_WORD.search(formula.lhs) else False if GROSS_WORD.search(formula.lhs) else None
    )
    operands: list[Operand] = []
    taken: set[ListedNumber] = set()
    for name, words in formula.variables.items():
        value = _from_question(words, [n for n in given if n not in taken])
        if value is None:
            value = _from_question(words, [n for n in month_row if n not in taken])
        if value is None:
            value = _from_passages(words, question, listed, net)
        if value is None:
            return None
        taken.add(value)
        operands.append(Operand(name=name, value=value.value, unit=value.unit, source=value.source))
    if set(given) - taken:
        return None  # a figure of the question the formula has no place for
    expression = formula.expression
    if net is True and asked_net(question) is False:
        vat = stated_vat(question, passages)
        if vat is None:
            return None
        operands.append(Operand(name="vat", value=vat.value, unit="%", source=vat.source))
        expression = f"({expression}) * (1 + vat / 100)"
    elif net is not None and asked_net(question) not in (None, net):
        return None  # a gross formula does not answer a net question
    return CalculationPlan(operands=operands, expression=expression, result_unit="€")


def bill_formula_plan(question: str, passages: Sequence[dict[str, Any]]) -> CalculationPlan | None:
    """The plan of the one formula of names only that every name of gets a value (see the
    module's docstring), or None."""
    if not ASKS_MONEY.search(question):
        return None
    given = [n for n in listed_numbers(question, []) if n.unit and n.unit != "%"]
    month_row = month_row_numbers(question, passages)
    if not given and not month_row:
        return None
    formulas = {
        (f.lhs, f.expression, tuple(f.variables.values())): f
        for f in stated_formulas(passages)
        if not f.operands and len(f.variables) > 1
    }.values()
    months, year = period_months(question), question_year(question)
    if len(months) == 1 and year is not None:  # that month's prices, not today's
        passages = in_force_on(passages, date(year, months[0], 1))
    # Every number is a candidate: names pick among them, so no ranking by the question's
    # words may cut one off (a month table's thirty cells outrank the base price).
    listed = [n for n in listed_numbers(question, passages, limit=None) if n.unit]
    plans = [
        p
        for f in formulas
        if (p := _plan(f, question, passages, given, month_row, listed)) is not None
    ]
    return plans[0] if len(plans) == 1 else None
