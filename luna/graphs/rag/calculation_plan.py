"""The calculation plan the model writes, and the checks that let no invented figure through.

A :class:`CalculationPlan` names its operands (each a number copied from a numbered passage,
or from the question as source 0) and an expression over their names. :func:`verify_plan`
accepts it only when every operand is written in the source it cites (number-format-tolerant:
"19 %" = "19%", "16,131" = "16.131", but "0,19" is not "19 %"), the names are unique and all
used, the expression passes the safe evaluator, writes no figure of its own, divides
percentages by 100 and combines units soundly (:mod:`luna.core.units`).

Percent convention (also in the ``rag_calculate`` prompt): a percentage is an operand with the
number as written and unit ``%`` ("19 %" → value "19"), used only divided by 100:
``net * (1 + vat / 100)`` or ``net * vat / 100``. Units are converted by code: operands are
turned into € and kWh before the expression is evaluated, so the model never writes ``/ 100``
for ct → €.
"""

from __future__ import annotations

import ast
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from luna.core.arithmetic import (
    FUNCTIONS,
    Expression,
    ExpressionError,
    number_language,
    parse_number,
)
from luna.core.language import Language, guess_language
from luna.core.units import PLAIN, Unit, UnitError, parse_unit, unit_of
from luna.graphs.rag.calculation_cues import (
    GROSS_WORD,
    NET_WORD,
    PAYBACK,
    RATE_BEFORE_VAT,
    SAVING,
    VAT_WORD,
    asks_money,
    asks_per_year,
)
from luna.graphs.rag.compress import question_terms, term_score, term_weights
from luna.graphs.rag.guard import neutralise, without_unverified
from luna.retrieval.designations import designations
from luna.retrieval.periods import MONTH_NAME

log = logging.getLogger(__name__)

# Constants an expression may contain: 1 (``1 + vat / 100``) and periods (12 months, 365
# days); 100 only in a percentage's ``name / 100``. Any other figure must be an operand with a
# source, so that the model cannot slip in an invented one (``* 1.19``). Unit conversions are
# code's job (operands are converted to € and kWh before computing), so 100 or 1000 elsewhere
# would convert twice.
TIME_CONSTANTS = frozenset(Decimal(n) for n in (1, 7, 12, 24, 52, 60, 365))
UNIT_CONVERSIONS = frozenset(Decimal(n) for n in ("100", "1000", "0.01", "0.001"))
_NUMERAL = r"^[-−]?[0-9][0-9.,]{0,15}( ?%)?$"
# A numeral in running text: sign, digits with separators, and a percent sign or word after it.
_TOKEN = re.compile(
    r"(?<![\w.,:])([-−]?)(\d+(?:[.,]\d+)*)(\s?(?:%|prozent\b|percent\b|per cent\b))?",
    re.IGNORECASE,
)


MAX_OPERANDS = 8
_TOTAL = re.compile(r"\b(summe|gesamt\w*|total|sum)\b", re.IGNORECASE)


class Operand(BaseModel):
    """One number the calculation needs, as written where it was found."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,29}$", description="snake_case name")
    value: str = Field(pattern=_NUMERAL, description="the number exactly as written")
    unit: str = Field(max_length=16, description="its unit as written, '%' for percentages")
    source: int = Field(ge=0, le=99, description="passage number n, 0 for the question")


class CalculationPlan(BaseModel):
    """The model's part: which numbers, from where, and how they combine."""

    operands: list[Operand] = Field(min_length=1, max_length=MAX_OPERANDS)
    expression: str = Field(min_length=1, max_length=300)
    result_unit: str = Field(max_length=16)


# The schema the model decodes under: the expression limited to arithmetic characters (so no
# "×", "%" or "= 29,31" sneaks in), its length bounded by max_tokens rather than maxLength,
# which llama.cpp's grammar would unroll into 300 nested optional characters.
PLAN_SCHEMA: dict[str, Any] = CalculationPlan.model_json_schema()
PLAN_SCHEMA["properties"]["expression"] = {"type": "string", "pattern": r"^[A-Za-z0-9_ .+*/(),-]+$"}


def passages_block(passages: Sequence[dict[str, Any]]) -> str:
    """Passages as "[n] title" and text; those without a digit are left out (they can hold no
    operand, and every prompt token costs prefill time)."""
    blocks = [
        f"[{p['n']}] {p['title']}\n{' '.join(neutralise(str(p['text'])).split())}"
        for p in passages
        if any(ch.isdigit() for ch in str(p["text"]))
    ]
    return "\n\n".join(blocks) or "(no passages with numbers)"


# A rate written in words: "EUR per MWh", "ct pro kWh", "€ je kW".
_WORDED_RATE = r"(?:€|EUR|Euro|ct|Cent)\s+(?:per|pro|je)\s+(?:kWh|MWh|kW)\b"
_RATE_WORDS = re.compile(r"(€|EUR|Euro|ct|Cent)\s+(?:per|pro|je)\s+(kWh|MWh|kW)\b", re.IGNORECASE)
_PER_AFTER = re.compile(r"\s+(?:per|pro|je)\s+(kWh|MWh|kW)\b", re.IGNORECASE)
_UNIT_AFTER = re.compile(
    rf"\s?({_WORDED_RATE}|ct/kWh|€/kWh|EUR/kWh|€/MWh|EUR/MWh|€/kW|EUR/kW|"
    r"ct|Euro[- ]?cents?|Cents?|€|EUR|Euros?|"
    r"kWh|MWh|Wh|kWp|kW|W|h|Stunden?|Std\.|hours?|hrs?|"
    r"Monate?n?|months?|Jahre?n?|years?|Tage?n?|days?)(?![\w/])",
    re.IGNORECASE,
)
# "17 und 21 Uhr", "17:00", "5 pm": clock times are no operands, and listing them made the
# model multiply by them.
_CLOCK_AFTER = re.compile(
    r":\d\d|\s*(?:(?:und|bis|and|to|-|–)\s*\d{1,2}(?::\d\d)?\s*)?(?:uhr\b|am\b|pm\b|o'clock)",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?:19|20)\d\d")
_EURO_CENTS = re.compile(r"euro[- ]?cents?", re.IGNORECASE)
_HOURS = re.compile(r"stunden?|std\.|hours?|hrs?", re.IGNORECASE)
# "EUR 1,140.00 per month", "€ 13,90": a currency written before its amount.
_CURRENCY_BEFORE = re.compile(r"(?<![\w/])(€|EUR|Euro)\s?$", re.IGNORECASE)
# "ab dem 1. April 2027", "on 1 April": a day of a month is a date, not a figure.
_DAY_OF_MONTH = re.compile(rf"\.?\s?(?:{MONTH_NAME})\b", re.IGNORECASE)
MAX_LISTED_NUMBERS = 24


# A table row's or column's unit in brackets: "Arbeitspreis (ct/kWh)", "Verbrauch (kWh)".
# The units tariff tables and formulas write (longest first where one starts another).
UNIT_WORDS = r"ct/kWh|€/kWh|EUR/kWh|€/MWh|EUR/MWh|€/kW|EUR/kW|ct|€|EUR|kWh|MWh|kWp|kW"
_HEADING_UNIT = re.compile(rf"\(({UNIT_WORDS})\)|(?:(?<=\s)|^)({UNIT_WORDS})\s*$")
# A cell that is a unit alone, per period or not: a tariff's "Einheit" column ("ct/kWh",
# "€/Monat", "€/kW/Jahr") is the unit of the row's bare figures.
_UNIT_CELL = re.compile(rf"\s*({UNIT_WORDS})(?:\s*/\s*[^\W\d_]+)*\s*")
UNIT_MISMATCH = "the expression gives"
_NAME_BEFORE = re.compile(r"([A-ZÄÖÜ][^\W\d_]*)[\s-]$")
# A document's worked example ("Beispiel: Bei einem Börsenpreis von 9,50 ct/kWh …") illustrates
# a rule with made-up figures; listed, they were taken for the question's operands.
_EXAMPLE = re.compile(r"\s*(beispiel|example|e\.\s?g\.|z\.\s?b\.|for example|zum beispiel)\b", re.I)
# A sentence ends at a full stop before a capital, but not at a day's "." before its month.
_SENTENCE = re.compile(rf"(?<=[.!?])\s+(?=[A-ZÄÖÜ])(?!(?i:{MONTH_NAME})\b)")
_VERSION_BEFORE = re.compile(r"\b(version|revision|rev\.|firmware)\s?$", re.IGNORECASE)
_HEADING_PATH = re.compile(r"^\d+(\.\d+)*\s+\S|.*\s>\s")


def _listed(match: re.Match[str], text: str) -> tuple[str, str] | None:
    """A numeral's value with unit and the words around it; None for a clock time, a year or
    a date."""
    digits, percent = match.group(2), bool(match.group(3))
    try:
        parse_number(digits)
    except ValueError:
        return None  # a date such as 31.12.2023
    after = None if percent else _UNIT_AFTER.match(text, match.end())
    clock_or_year = _YEAR.fullmatch(digits) or _CLOCK_AFTER.match(text, match.end())
    day = digits.isdigit() and 1 <= int(digits) <= 31 and _DAY_OF_MONTH.match(text, match.end())
    if not percent and after is None and (clock_or_year or day):
        return None
    before = None if percent or after else _CURRENCY_BEFORE.search(text, 0, match.start())
    unit = "%" if percent else (after.group(1) if after else before.group(1) if before else "")
    unit = _RATE_WORDS.sub(r"\1/\2", unit)  # "78.50 EUR per MWh" is a rate per MWh
    if before and (per := _PER_AFTER.match(text, match.end())):
        unit = f"{unit}/{per.group(1)}"  # "EUR 78.50 per MWh"
    unit = "ct" if _EURO_CENTS.fullmatch(unit) else unit  # "12.40 euro cents per kWh"
    unit = "h" if _HOURS.fullmatch(unit) else unit  # "7 Stunden", "3 hours": kW × h is kWh
    start = text.rfind(" ", 0, max(0, match.start() - 36)) + 1
    end = text.find(" ", min(len(text), match.end() + 12))
    context = text[start : end if end > 0 else len(text)]
    return f"{match.group(1)}{digits} {unit}".rstrip(), context


def _numbers(text: str) -> list[tuple[str, str]]:
    """Each listable numeral of ``text`` with the words around it; the number of a designation
    ("Modul 3", "ALW 9 T") is a name, not a figure."""
    names = {re.sub(r"[\s-]+", " ", d) for d in designations(text)}
    found = []
    for match in _TOKEN.finditer(text):
        before = _NAME_BEFORE.search(text, 0, match.start())
        if before and any(n.startswith(f"{before.group(1)} {match.group(2)}") for n in names):
            continue
        if _VERSION_BEFORE.search(text, 0, match.start()):
            continue  # "Version 2.0", "Rev. 3": a document's name, not a figure
        listed = _listed(match, text)
        if listed is not None:
            found.append(listed)
    return found


def _heading_unit(row: str, column: str) -> str:
    """The unit a row's or column's heading states: "Arbeitspreis (ct/kWh)", "Spitzenlast kW"."""
    for heading in (row.strip(), column.strip()):
        match = _HEADING_UNIT.search(_RATE_WORDS.sub(r"\1/\2", heading))  # "EUR per MWh"
        if match:
            return match.group(1) or match.group(2)
    return ""


def _cell_numbers(header: list[str] | None, row: list[str]) -> list[tuple[str, str]]:
    """The numbers of a table row, each described by its row's heading, the row's other
    cells without figures (a time window, "Q1 und Q4") and its column's heading:
    "Hochtarif (HT), 16:00–20:00 Uhr, Q1 und Q4 · netto". The words around a cell would be
    the neighbouring cells, whose figures the model then confuses with it. A bare figure
    takes the unit its row's or column's heading states, else, where the cell is that figure
    alone, the unit a cell of its row states alone (a tariff's "Einheit" column: "ct/kWh",
    "€/Monat")."""
    figures = [_numbers(cell) for cell in row]
    qualifiers = [c.strip() for c, f in zip(row[1:], figures[1:], strict=True) if not f]
    label = ", ".join(p for p in [row[0].strip(), *qualifiers] if p)
    unit_cells = {m.group(1) for c in row[1:] if (m := _UNIT_CELL.fullmatch(c))}
    row_unit = unit_cells.pop() if len(unit_cells) == 1 else ""
    found: list[tuple[str, str]] = []
    for index, cell_figures in enumerate(figures):
        column = header[index].strip() if header and index < len(header) else ""
        where = f"{label} · {column}" if index and column else label
        stated = _heading_unit(row[0], column) if index else ""
        for value, context in cell_figures:
            unit = stated or (row_unit if index and value == row[index].strip() else "")
            if unit and " " not in value:  # "98" in a "Weight (kg)" row is 98 kg
                value = f"{value} {unit}"
            found.append((value, where if index else context))
    return found


def _passage_numbers(text: str) -> list[tuple[str, str]]:
    """The numbers of a passage: prose numbers with the words around them, table cells with
    their headings (see :func:`_cell_numbers`). A spelled-out row right under its pipe row
    ("Modell: WP-9 · Leistung: 7,0 kW") repeats it and is skipped."""
    found: list[tuple[str, str]] = []
    header: list[str] | None = None
    previous_was_row = False
    lines = text.split("\n")
    if _HEADING_PATH.match(lines[0]):
        lines = lines[1:]  # "4 Steuerbare … > 4.2 Modul 3": section numbers are no figures
    for line in lines:
        if " | " in line:
            cells = line.split(" | ")
            if header is None and not cells[0].rstrip().endswith(":"):
                header = cells  # headings, whatever numbers they hold ("ALW 9", "2026")
                previous_was_row = True
                continue
            if header is None:  # "Nennkapazität: | 430,0 kWh": labelled values, no headings
                header = []
            found += _cell_numbers(header, cells)
            previous_was_row = True
            continue
        header = None
        if previous_was_row and " · " in line:
            previous_was_row = False
            continue
        previous_was_row = False
        prose = " ".join(line.split())
        found += [
            n
            for sentence in _SENTENCE.split(prose)
            if not _EXAMPLE.match(sentence)
            for n in _numbers(sentence)
        ]
    return found


def numbers_block(question: str, passages: Sequence[dict[str, Any]]) -> str:
    """Every number in the question and the passages, one a line with its unit, source and the
    words around it (table cells: their row's and column's headings): the model picks operands
    from a list instead of finding them in whole passages. In the dev loop that cited sources
    more reliably than passages did; on number-dense tariff sheets the list is about as long
    as the passages themselves. A number listed twice for one source is listed once."""
    sources = [(0, question)] + [(int(p["n"]), str(p["text"])) for p in passages]
    lines: list[str] = []
    for n, raw in sources:
        text = neutralise(raw)
        found = _numbers(" ".join(text.split())) if n == 0 else _passage_numbers(text)
        for value, context in found:
            lines.append(f'- {value}, source {n}: "{context}"')
    return "\n".join(list(dict.fromkeys(lines))[:MAX_LISTED_NUMBERS]) or "(none)"


@dataclass(frozen=True)
class ListedNumber:
    """A number the model may use by its id: value as written, unit, source (0 = the
    question) and the words around it (a table cell: its row's and column's headings)."""

    value: str
    unit: str
    source: int
    context: str


def listed_numbers(
    question: str, passages: Sequence[dict[str, Any]], limit: int | None = MAX_LISTED_NUMBERS
) -> list[ListedNumber]:
    """The question's numbers and, up to ``limit`` in all, the passages' numbers whose words
    share most with the question, in reading order. A tariff sheet holds more numbers than
    the model should read; the ones a question needs sit among its words ("Grundpreis",
    "Hochtarif", "netto"), and the question's own numbers are always listed. ``limit=None``
    lists every number, for code that picks a figure by its words, not by the ranking."""
    found: list[ListedNumber] = []
    sources = [(0, question)] + [(int(p["n"]), str(p["text"])) for p in passages]
    for n, raw in sources:
        text = neutralise(raw) if n == 0 else without_unverified(neutralise(raw))
        numbers = _numbers(" ".join(text.split())) if n == 0 else _passage_numbers(text)
        for written, context in numbers:
            value, _, unit = written.partition(" ")
            found.append(ListedNumber(value, unit, n, context))
    found = list(dict.fromkeys(found))
    asked, offered = [f for f in found if f.source == 0], [f for f in found if f.source > 0]
    room = len(offered) if limit is None else max(0, limit - len(asked))
    if len(offered) > room:
        contexts = [f.context for f in offered]
        weights = term_weights(contexts, question_terms(question))
        # ties go to a total ("Summe", "total"): one operand instead of the rows it adds up
        ranked = sorted(
            range(len(offered)),
            key=lambda i: (-term_score(contexts[i], weights), not _TOTAL.search(contexts[i])),
        )
        chosen = set(ranked[:room])
        offered = [f for i, f in enumerate(offered) if i in chosen]
    return asked + offered


def numbered_block(listed: Sequence[ListedNumber]) -> str:
    """The listed numbers by id, for prompts that take ``numbered``:
    ``n2 = 16,926 ct/kWh [3] "Arbeitspreis brutto = (Börsenpreis + 16,926 ct/kWh) × 1,19"``."""
    lines = []
    for i, number in enumerate(listed, start=1):
        where = "(question)" if number.source == 0 else f"[{number.source}]"
        quantity = f"{number.value} {number.unit}".rstrip()
        lines.append(f'n{i} = {quantity} {where} "{number.context}"')
    return "\n".join(lines) or "(none)"


# The longest expression the model may write. A real calculation over listed ids is short
# (six monthly values summed: 27 characters); a reply that lists every id ("n1 + n2 + … +
# n16 +") never closed within the old 300 and spent seconds decoding a rejected plan.
MAX_EXPRESSION_CHARS = 96


class NumberedPlan(BaseModel):
    """The model's part where numbers are listed by id: only the expression over the ids."""

    expression: str = Field(min_length=1, max_length=MAX_EXPRESSION_CHARS)


NUMBERED_SCHEMA: dict[str, Any] = NumberedPlan.model_json_schema()
NUMBERED_SCHEMA["properties"]["expression"] = {
    "type": "string",
    "pattern": rf"^[n0-9 .+*/()-]{{1,{MAX_EXPRESSION_CHARS}}}$",
}
_ID = re.compile(r"\bn(\d{1,2})\b")
_ASKS_PERCENT = re.compile(r"\b(prozent\w*|percent\w*|per cent)\b|%", re.IGNORECASE)


def _percent_as_fraction(expression: str, percent_ids: set[str]) -> str:
    """``expression`` with each percentage id not already divided by 100 written as
    ``(nK / 100)``: "net * (1 + n3)" with n3 = 19 % means 19 / 100."""

    def fraction(match: re.Match[str]) -> str:
        name = match.group(0)
        if name not in percent_ids or re.match(r"\s*/\s*100\b", expression[match.end() :]):
            return name
        return f"({name} / 100)"

    return _ID.sub(fraction, expression)


class _UnitConversions(ast.NodeTransformer):
    """Drops ``* 100``, ``/ 100``, ``/ 1000`` and the like from an expression: the calculator
    converts ct to € and Wh to kWh itself, so such a factor is the model converting twice.
    A percentage's own ``/ 100`` stays."""

    def __init__(self, percent_ids: set[str]) -> None:
        self.percent_ids = percent_ids

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if not isinstance(node.op, ast.Mult | ast.Div):
            return node
        constant, other = node.right, node.left
        if isinstance(node.op, ast.Mult) and isinstance(node.left, ast.Constant):
            constant, other = node.left, node.right
        if not isinstance(constant, ast.Constant) or not isinstance(constant.value, int | float):
            return node
        if Decimal(str(constant.value)) not in UNIT_CONVERSIONS:
            return node
        if isinstance(other, ast.Name) and other.id in self.percent_ids:
            return node
        return other


def _without_unit_conversions(expression: str, percent_ids: set[str]) -> str:
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        return expression  # the evaluator names the problem
    return ast.unparse(_UnitConversions(percent_ids).visit(tree))


def _result_unit(operands: Sequence[Operand], expression: str, question: str) -> str:
    """The unit a result is shown in: the written unit of an operand of the same dimension
    (the question's first), else the usual unit of its dimension; a plain number is a
    percentage where the question asks for one."""
    percent = [o.name for o in operands if is_percent(o)]
    try:
        parsed = Expression.parse(expression)
        got = unit_of(parsed, {o.name: _operand_unit(o) for o in operands}, percent)
    except ExpressionError:
        return ""  # check_plan names the problem
    if got.dimension == PLAIN.dimension:
        return "%" if _ASKS_PERCENT.search(question) else ""
    ordered = sorted(operands, key=lambda o: o.source != 0)
    for operand in ordered:
        if not is_percent(operand) and _operand_unit(operand).dimension == got.dimension:
            return operand.unit
    return _SHOWN_UNIT.get(got.dimension, "")


def plan_from_ids(raw: str, listed: Sequence[ListedNumber], question: str) -> CalculationPlan | str:
    """The :class:`CalculationPlan` a numbered reply means (operands are the listed numbers
    its expression names, the result unit is code's), or the problem with the reply."""
    try:
        expression = NumberedPlan.model_validate(json.loads(_unfenced(raw))).expression
    except (ValueError, ValidationError):
        return 'the reply is not JSON of the form {"expression": "..."}'
    ids = list(dict.fromkeys(int(i) for i in _ID.findall(expression)))
    unknown = [f"n{i}" for i in ids if not 1 <= i <= len(listed)]
    if unknown:
        return f"{', '.join(unknown)} is not listed; use ids n1 to n{len(listed)}"
    if not ids:
        return "the expression uses no listed number"
    if len(ids) > MAX_OPERANDS:
        return f"the expression uses {len(ids)} numbers; use at most {MAX_OPERANDS}"
    operands = [
        Operand(
            name=f"n{i}",
            value=listed[i - 1].value,
            unit="%" if listed[i - 1].unit == "%" else listed[i - 1].unit[:16],
            source=listed[i - 1].source,
        )
        for i in ids
    ]
    percent_ids = {o.name for o in operands if is_percent(o)}
    expression = _percent_as_fraction(expression, percent_ids)
    expression = _without_unit_conversions(expression, percent_ids)
    return CalculationPlan(
        operands=operands,
        expression=expression,
        result_unit=_result_unit(operands, expression, question),
    )


def unused_question_quantities(plan: CalculationPlan, listed: Sequence[ListedNumber]) -> list[str]:
    """A quantity the question states ("300 kWh", "7,20 ct/kWh") that the expression leaves
    out: the question gives it to be used, so leaving it out is the wrong calculation."""
    used = {o.name for o in plan.operands}
    return [
        f"n{i} ({number.value} {number.unit}, from the question) is not used"
        for i, number in enumerate(listed, start=1)
        if number.source == 0 and number.unit and f"n{i}" not in used
    ]


def _unfenced(raw: str) -> str:
    """A reply without the Markdown code fence a model may put around its JSON."""
    return re.sub(r"^```(?:json)?\s*|\s*```$", "", raw.strip())


def parse_plan(raw: str) -> CalculationPlan | None:
    """The plan in a reply (a JSON object, possibly fenced), or None."""
    try:
        return CalculationPlan.model_validate(json.loads(_unfenced(raw)))
    except (ValueError, ValidationError) as exc:
        log.info("calculation plan unreadable: %s; reply %r", exc, raw[:300])
        return None


def is_percent(operand: Operand) -> bool:
    """Whether the operand is a percentage (unit "%", or a value written with "%")."""
    return operand.unit.strip() == "%" or operand.value.strip().endswith("%")


# "between 15 and 95 %", "von 20 bis 90 %", "10–90 %": a range whose first bound leaves out
# the sign it shares with the second.
PERCENT_RANGE = re.compile(
    r"(?<![\d.,])(?P<low>\d{1,3}(?:[.,]\d+)?)(?P<between>\s*(?:and|und|bis|to|–|-)\s*)"
    r"(?P<high>\d{1,3}(?:[.,]\d+)?)\s*%"
)


def _locate(operand: Operand, text: str, default: Language, where: str) -> Decimal | str:
    """The operand's value as the source writes it, or the problem when it is not there. Both
    bounds of a percentage range are percentages ("between 15 and 95 %")."""
    text = PERCENT_RANGE.sub(r"\g<low> %\g<between>\g<high> %", text)
    try:
        readings = {parse_number(operand.value, "de"), parse_number(operand.value, "en")}
    except ValueError:
        return f"operand {operand.name}: '{operand.value}' is not a number"
    negative = operand.value.strip()[0] in "-−"
    wanted = {abs(r) for r in readings}
    language = number_language(text, default)
    same_number, found, present = False, set(), []
    for sign, digits, percent in _TOKEN.findall(text):
        try:
            value = parse_number(digits, language)
        except ValueError:
            continue
        present.append(f"{sign}{digits}{percent}")
        if value not in wanted or (negative and not sign):
            continue
        same_number = True
        if bool(percent) == is_percent(operand):
            found.add(value)
    if len(found) == 1:
        value = found.pop()
        return -value if negative else value
    if len(found) > 1:
        readings_text = " or ".join(str(v) for v in sorted(found))
        return f"operand {operand.name}: '{operand.value}' is ambiguous ({readings_text})"
    if same_number:
        percent_note = "is" if not is_percent(operand) else "is not"
        return (
            f"operand {operand.name}: '{operand.value}' {percent_note} a percentage in {where}; "
            "give a percentage the unit %"
        )
    listed = "; ".join(dict.fromkeys(present[:8])) or "none"
    return (
        f"operand {operand.name}: '{operand.value}' does not occur in {where} "
        f"(numbers there: {listed})"
    )


def _period_constant(operand: Operand) -> Decimal | None:
    """A period an operand may state without a source ("12 months" for "im Jahr"), like the
    same number written into the expression."""
    try:
        value = parse_number(operand.value)
    except ValueError:
        return None
    return value if value in TIME_CONSTANTS and value != 1 and not is_percent(operand) else None


def _per(period: str, adverb: str) -> re.Pattern[str]:
    """What follows an amount stated per ``period`` ("€ pro Monat", "€ brutto pro Jahr",
    "€ monatlich")."""
    return re.compile(
        r"\s?\S{0,8}(?:\s+(?:brutto|netto|gross|net))?\s?"
        rf"(?:(?:pro|per|je|a|im|/)\s?(?:{period})\b|{adverb})",
        re.IGNORECASE,
    )


_PER_MONTH = _per("monat|month", "monatlich|monthly")
_BARE_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_PER_YEAR = _per("jahr|year", "jährlich|annually|yearly|per annum|p\\.\\s?a\\.")


def _stated_per(pattern: re.Pattern[str], operand: Operand, source_text: str) -> bool:
    """Whether the words after the value state the period, or, for a value in brackets after
    another ("14,90 € netto pro Monat (17,73 € brutto)"), the words after that other value."""
    at = source_text.find(operand.value)
    if at < 0:
        return False
    if pattern.match(source_text, at + len(operand.value)):
        return True
    opened = source_text.rfind("(", 0, at)
    if opened <= source_text.rfind(")", 0, at):
        return False
    before = list(_BARE_NUMBER.finditer(source_text, 0, opened))
    return bool(before) and bool(pattern.match(source_text, before[-1].end()))


def in_brackets(number: ListedNumber, text: str) -> bool:
    """Whether the passage states the value in brackets: a part or another form of what the
    sentence states ("13,90 € pro Monat (11,68 € netto), darin Netz-Grundpreis (5,20 €)")."""
    at = text.find(number.value)
    return at >= 0 and text.rfind("(", 0, at) > text.rfind(")", 0, at)


def is_monthly(operand: Operand, source_text: str) -> bool:
    """Whether the source states the amount per month ("14,90 € pro Monat", unit "€/Monat")."""
    if parse_unit(operand.unit).money != 1:
        return False
    if re.search(r"monat|month", operand.unit, re.IGNORECASE):
        return True
    return _stated_per(_PER_MONTH, operand, source_text)


def is_yearly(operand: Operand, source_text: str) -> bool:
    """Whether the source states the amount per year ("168,00 € brutto pro Jahr", "€/a")."""
    if parse_unit(operand.unit).money != 1:
        return False
    if re.search(r"jahr|year|/a$", operand.unit, re.IGNORECASE):
        return True
    return _stated_per(_PER_YEAR, operand, source_text)


def _period_problems(
    plan: CalculationPlan, expression: Expression, question: str, texts: dict[int, str]
) -> list[str]:
    """A monthly figure in an answer the question wants per year needs its 12: the model
    forgot it on a yearly bill with a monthly base fee, and units cannot tell (time is no
    dimension, see :mod:`luna.core.units`)."""
    if not asks_per_year(question):
        return []
    twelve = Decimal(12) in expression.constants() or any(
        _period_constant(o) == 12 for o in plan.operands
    )
    monthly = [o.name for o in plan.operands if is_monthly(o, texts.get(o.source, ""))]
    if not monthly or twelve:
        return []
    return [f"{', '.join(monthly)} is per month and the question asks per year: multiply by 12"]


@dataclass(frozen=True)
class Checked:
    """What verification found: problems, the operands' values as written, the expression."""

    problems: list[str]
    values: dict[str, Decimal]
    expression: Expression | None


def _operand_unit(operand: Operand) -> Unit:
    return PLAIN if is_percent(operand) else parse_unit(operand.unit)


def _result_scale(result_unit: str) -> Decimal:
    """Base units per result unit; a "%" result is a fraction shown times 100."""
    return Decimal("0.01") if result_unit.strip() == "%" else parse_unit(result_unit).scale


def compute(
    plan: CalculationPlan, values: dict[str, Decimal], expression: Expression, result_unit: str
) -> Decimal:
    """The result in ``result_unit``: operands converted to base units (€, kWh) first."""
    units = {o.name: _operand_unit(o) for o in plan.operands}
    base = {name: value * units[name].scale for name, value in values.items()}
    return expression.evaluate(base) / _result_scale(result_unit)


def _expression_problems(plan: CalculationPlan, expression: Expression) -> list[str]:
    """Names, constants, the percent convention and units of a parsed expression."""
    problems: list[str] = []
    names = [o.name for o in plan.operands]
    undeclared = sorted(expression.names - set(names))
    unused = [n for n in names if n not in expression.names]
    if undeclared:
        problems.append(f"expression uses undeclared names: {', '.join(undeclared)}")
    if unused:
        problems.append(f"operands not used in the expression: {', '.join(unused)}")
    percent = [o.name for o in plan.operands if is_percent(o)]
    for constant in dict.fromkeys(expression.constants(percent)):
        if constant in UNIT_CONVERSIONS:
            problems.append(
                f"do not convert units with {constant}: the calculator converts ct to € "
                "and Wh to kWh itself"
            )
        elif constant not in TIME_CONSTANTS:
            problems.append(
                f"the number {constant} is written into the expression; make it an operand "
                "with its source"
            )
    problems += [
        f"percentage {n} must be used as {n} / 100" for n in expression.percent_misuse(percent)
    ]
    try:
        got = unit_of(expression, {o.name: _operand_unit(o) for o in plan.operands}, percent)
    except UnitError as exc:
        return [*problems, str(exc)]
    wanted = PLAIN if plan.result_unit.strip() == "%" else parse_unit(plan.result_unit)
    if got.dimension != wanted.dimension:
        problems.append(
            f"{UNIT_MISMATCH} {got.describe()}, but result_unit "
            f"'{plan.result_unit}' is {wanted.describe()}"
        )
    return problems


def _money_problems(plan: CalculationPlan, question: str) -> list[str]:
    """A question that asks for an amount of money ("Wie viel zahlt …", "How much … saved")
    gets money or a price, not the plain number or the kW a plan of unrelated figures gives;
    by how many percent a price changed ("the standing charge went up") is a percentage."""
    if not asks_money(question) or (plan.result_unit == "%" and _ASKS_PERCENT.search(question)):
        return []
    if PAYBACK.search(question):  # "falls es 70.000 € kostet: wann amortisiert es sich?"
        return []
    try:
        money = parse_unit(plan.result_unit).dimension[0] == 1
    except UnitError:
        return []  # an unknown unit: the unit checks report it
    if money:
        return []
    return [
        f"the question asks for an amount of money, but result_unit '{plan.result_unit}' is none"
    ]


def check_plan(
    plan: CalculationPlan,
    question: str,
    passages: Sequence[dict[str, Any]],
    question_language: Language,
) -> Checked:
    """Verify ``plan`` and keep what the computation needs (see :func:`verify_plan`)."""
    problems: list[str] = []
    values: dict[str, Decimal] = {}
    by_number = {int(p["n"]): p for p in passages}
    names = [o.name for o in plan.operands]
    problems += [
        f"operand name '{n}' is used twice" for n in sorted(set(names)) if names.count(n) > 1
    ]
    problems += [f"operand name '{n}' is a function name" for n in names if n in FUNCTIONS]
    for operand in plan.operands:
        if operand.source == 0:
            found = _locate(operand, question, question_language, "the question")
            period = _period_constant(operand)
            if isinstance(found, str) and period is not None:
                found = period
        elif operand.source in by_number:
            passage = by_number[operand.source]
            text = f"{passage['title']}\n{passage['text']}"
            found = _locate(operand, text, guess_language(text), f"passage [{operand.source}]")
        else:
            found = f"operand {operand.name}: there is no passage [{operand.source}]"
        if isinstance(found, str):
            problems.append(found)
        else:
            values[operand.name] = found
    try:
        expression = Expression.parse(plan.expression)
    except ExpressionError as exc:
        return Checked([*problems, f"expression: {exc}"], values, None)
    problems += _expression_problems(plan, expression)
    texts = {n: " ".join(str(p["text"]).split()) for n, p in by_number.items()}
    problems += _period_problems(plan, expression, question, texts)
    problems += _net_gross_problems(plan, question, by_number)
    problems += _both_sides_problems(plan, question, values, by_number)
    problems += _vat_removal_problems(plan, question)
    problems += _money_problems(plan, question)
    if not problems:
        try:
            result = compute(plan, values, expression, plan.result_unit)
        except ExpressionError as exc:
            problems.append(f"expression: {exc}")
        else:
            if result < 0 and SAVING.search(question):
                problems.append(
                    "the difference is negative: subtract the smaller value from the larger"
                )
    return Checked(problems, values, expression)


def stated_side(number: ListedNumber) -> Literal["net", "gross"] | None:
    """Whether a passage states the value net or gross: the one side its words name, or, where
    they name both ("19,90 € netto pro Monat (23,68 € brutto)"), the word within the value's
    brackets, else the word nearest the value."""
    context = number.context
    at = context.find(number.value)
    centre = at + len(number.value) / 2 if at >= 0 else len(context) / 2
    if at >= 0:  # "118,00 € netto (140,42 € brutto)": a bracket's own side word is its side
        opened, closed = context.rfind("(", 0, at), context.find(")", at)
        if opened > context.rfind(")", 0, at) and closed > 0:
            inside = context[opened:closed]
            if NET_WORD.search(inside) or GROSS_WORD.search(inside):
                context, centre = inside, centre - opened
    sides: tuple[tuple[Literal["net", "gross"], re.Pattern[str]], ...] = (
        ("net", NET_WORD),
        ("gross", GROSS_WORD),
    )
    nearest = [
        (abs((m.start() + m.end()) / 2 - centre), side)
        for side, word in sides
        for m in word.finditer(context)
    ]
    return min(nearest)[1] if nearest else None


def _net_gross_problems(
    plan: CalculationPlan, question: str, by_number: Mapping[int, Mapping[str, Any]]
) -> list[str]:
    """An operand listed only as gross where the question asks for net figures: a tariff
    table gives both side by side, and the model takes the wrong one. (Not the other way
    round: a gross price is computed from net figures and VAT; nor where the plan takes a
    stated VAT rate out of the gross figure itself.)"""
    if not NET_WORD.search(question) or GROSS_WORD.search(question):
        return []
    contexts = {o.name: _contexts(o, by_number) for o in plan.operands}
    if any(
        o.unit == "%" and any(VAT_WORD.search(c) for c in contexts[o.name]) for o in plan.operands
    ):
        return []  # the plan takes the VAT out itself ("11,90 € brutto" / (1 + 19 / 100))
    problems = []
    for operand in plan.operands:
        if contexts[operand.name] and all(GROSS_WORD.search(c) for c in contexts[operand.name]):
            problems.append(
                f"operand {operand.name}: {operand.value} is gross (brutto); the question "
                "asks for net (netto) values"
            )
    return problems


# Gross over net of one price at the German VAT rates, as far as rounding to cents lets it drift.
_VAT_FACTORS = (Decimal("1.19"), Decimal("1.07"))
_VAT_FACTOR_DRIFT = Decimal("0.006")


def _both_sides_problems(
    plan: CalculationPlan,
    question: str,
    values: Mapping[str, Decimal],
    by_number: Mapping[int, Mapping[str, Any]],
) -> list[str]:
    """Two operands that are the net and the gross value of one price: the same line of the
    same passage states both, the one the other times 1 + VAT ("24,60 | 29,27"). A plan that
    adds or multiplies them counts the price twice; only the VAT itself (gross − net) may use
    both, and a question about VAT says so."""
    if VAT_WORD.search(question):
        return []
    problems = []
    operands = [o for o in plan.operands if o.source and not is_percent(o) and o.name in values]
    for i, first in enumerate(operands):
        for second in operands[i + 1 :]:
            low, high = sorted((abs(values[first.name]), abs(values[second.name])))
            if first.source != second.source or not low or first.unit != second.unit:
                continue
            if not any(abs(high / low - f) <= _VAT_FACTOR_DRIFT for f in _VAT_FACTORS):
                continue
            text = str(by_number[first.source]["text"])
            line = re.escape(first.value) + r"\b[^\n]*\b" + re.escape(second.value)
            backwards = re.escape(second.value) + r"\b[^\n]*\b" + re.escape(first.value)
            if re.search(f"{line}|{backwards}", text):
                problems.append(
                    f"operands {first.name} and {second.name} are the net and the gross value "
                    "of the same price; use one of them"
                )
    return problems


def _contexts(operand: Operand, by_number: Mapping[int, Mapping[str, Any]]) -> list[str]:
    """The words around each place the operand's source passage states its value."""
    passage = by_number.get(operand.source)
    if passage is None:
        return []
    wanted = _readings(operand.value)
    return [
        context
        for value, context in _passage_numbers(neutralise(str(passage["text"])))
        if _readings(value.split(" ")[0]) & wanted
    ]


def _vat_removal_problems(plan: CalculationPlan, question: str) -> list[str]:
    """VAT taken off a gross amount by multiplying by (1 − VAT): 11,90 € × 0,81 is not the net
    of 11,90 € with 19 % VAT; the net is 11,90 € / 1,19."""
    if not (VAT_WORD.search(question) or NET_WORD.search(question)):
        return []
    question_vat = {_digits(m.group("rate")) for m in RATE_BEFORE_VAT.finditer(question)}
    return [
        f"VAT is taken out of a gross amount by dividing by (1 + {o.name} / 100), not by "
        f"multiplying by (1 - {o.name} / 100)"
        for o in plan.operands
        if is_percent(o)
        and re.search(rf"1\s*-\s*\(?\s*{re.escape(o.name)}\b", plan.expression)
        # a question's own percentage is a VAT rate only where it calls it one; "65 % im HT
        # und der Rest im NT" is a share whose rest is (1 − share / 100)
        and (o.source != 0 or _digits(o.value) in question_vat)
    ]


def _digits(numeral: str) -> str:
    """A percentage's digits without its sign and spaces ("19 %" → "19")."""
    return numeral.replace("%", "").strip()


def _readings(numeral: str) -> set[Decimal]:
    """What a numeral can mean, read the German and the English way ("1,5" / "1.5")."""
    readings = set()
    for language in ("de", "en"):
        try:
            readings.add(abs(parse_number(numeral, language)))
        except ValueError:
            continue
    return readings


def verify_plan(
    plan: CalculationPlan,
    question: str,
    passages: Sequence[dict[str, Any]],
    language: Language | None = None,
) -> list[str]:
    """What is wrong with ``plan`` (empty when nothing): an operand not written in the passage
    it cites (or, for source 0, in the question; a period such as 12 months excepted),
    duplicate or unused names, undeclared names, figures written into the expression, unit
    conversions the code does itself, a percentage not divided by 100, units that do not add
    up or do not give ``result_unit``, or an expression the evaluator refuses. ``language`` is
    the question's, for reading its numbers."""
    return check_plan(plan, question, passages, language or guess_language(question)).problems


def without_unused_operands(plan: CalculationPlan) -> CalculationPlan:
    """``plan`` less the operands its expression never reads.

    The small model lists every number it sees ("10 kWp" next to the two rates it subtracts)
    and does not drop them when asked; an operand the expression does not read cannot change
    the result, so :func:`calculate` drops it rather than spend a retry on it.
    """
    try:
        used = Expression.parse(plan.expression).names
    except ExpressionError:
        return plan
    kept = [o for o in plan.operands if o.name in used]
    return plan.model_copy(update={"operands": kept}) if kept else plan


# The unit a result of each dimension (money, energy exponents) is shown in when the plan's
# own ``result_unit`` does not fit its expression.
_SHOWN_UNIT: dict[tuple[int, int], str] = {(1, 0): "€", (1, -1): "ct/kWh", (0, 1): "kWh"}


def with_expression_unit(
    plan: CalculationPlan, question: str, check_question: bool = True
) -> CalculationPlan | None:
    """``plan`` with ``result_unit`` set to the unit its expression computes, or None.

    The model writes the expression right more often than the unit of its result ("(high -
    low) * energy" declared "ct/kWh"); code knows the expression's unit. Only when every
    quantity the question states is an operand: an expression that left out the question's
    "40 kWh" has the wrong unit because it is the wrong calculation (``check_question=False``
    where that is checked on its own, as for numbered plans)."""
    try:
        expression = Expression.parse(plan.expression)
        percent = [o.name for o in plan.operands if is_percent(o)]
        got = unit_of(expression, {o.name: _operand_unit(o) for o in plan.operands}, percent)
    except ExpressionError:
        return None
    shown = _SHOWN_UNIT.get(got.dimension)
    stated = [m for m in _TOKEN.finditer(question) if _UNIT_AFTER.match(question, m.end())]
    from_question = {o.value.replace(" ", "") for o in plan.operands if o.source == 0}
    left_out = check_question and any(m.group(2) not in from_question for m in stated)
    if shown is None or left_out:
        return None
    return plan.model_copy(update={"result_unit": shown})
