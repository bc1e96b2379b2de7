"""Payback times, by code: an investment divided by the yearly saving it buys.

"LED retrofit in the ripening cellar – what's the payback time if all the savings are valued
at this year's net HT price?" over meeting minutes ("Investment EUR 86,000; expected saving
118,000 kWh per year") and a price sheet ("Arbeitspreis HT 24,60 ct/kWh netto") is
86.000 € / (118.000 kWh × 24,60 ct/kWh). The small model divided by the wrong figure or left
the price out. Here:

* the investment is the question's amount of money or the passages' amount (no rate, no
  yearly amount) written after an investment word ("Investition", "investment", "Anschaffung",
  "capex");
* the yearly saving is the question's or the passages' energy or money written after a saving
  word ("Einsparung", "saving", "spart"); a monthly one counts twelve times, an energy saving is
  valued at the rate per kWh the question's words pick (:mod:`luna.graphs.rag.rate_plans`);
* where several projects state them, the figures whose words share most with the question
  ("LED", "Reifelager") are taken, and a tie gives no plan.

The result is in years. Anything missing or ambiguous gives None and the model's plan is tried.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from luna.core.arithmetic import parse_number
from luna.core.language import guess_language
from luna.core.units import parse_unit
from luna.graphs.rag.calculation_cues import PAYBACK, SAVING
from luna.graphs.rag.calculation_plan import CalculationPlan, ListedNumber, listed_numbers
from luna.graphs.rag.comparison_plans import heading_above
from luna.graphs.rag.compress import question_terms, stems, term_score, term_weights
from luna.graphs.rag.rate_plans import asked_net, best_rate, is_money, operand, scored_rates

_INVESTMENT = re.compile(
    r"\b(investition\w*|investment\w*|invest\w*|anschaffung\w*|capex|"
    r"(?:einmal|anschaffungs|gesamt|projekt)kosten|upfront\s+cost\w*|purchase\s+price)\b",
    re.IGNORECASE,
)
_PER_YEAR = re.compile(
    r"^\W{0,3}(?:\w+\s+){0,1}(pro|per|je|im|a|each|every)\s+(jahr|year)\b|^\s*(/\s*(jahr|year|a)|"
    r"p\.\s?a\.|jährlich|annually|a\s+year|yearly)",
    re.IGNORECASE,
)
_PER_MONTH = re.compile(
    r"^\W{0,3}(?:\w+\s+){0,1}(pro|per|je|im|a|each|every)\s+(monat|month)\b|^\s*(/\s*(monat|month)|"
    r"monatlich|monthly|a\s+month)",
    re.IGNORECASE,
)
_YEARLY = re.compile(r"jährlich|annual|yearly|pro\s+jahr|per\s+year|p\.\s?a\.", re.IGNORECASE)
_MONTHLY = re.compile(r"monatlich|monthly|pro\s+monat|per\s+month", re.IGNORECASE)
_ENERGY = parse_unit("kWh").dimension
# Words that ask for a payback or name the price a saving is valued at, not the project.
_ASKING = stems(
    "payback amortisiert amortisation amortisationszeit saving savings einsparung "
    "preis price prices cost costs kosten kostet netto brutto net gross"
)
_HEADING_CHARS = 80  # a heading is a short line
_YEARS = {"de": "Jahre", "en": "years"}


def _cue_before(number: ListedNumber) -> str | None:
    """Which cue stands nearest before the number in its words: "investment", "saving" or
    None ("Investment EUR 86,000; expected saving 118,000 kWh" gives the first figure to the
    investment, the second to the saving)."""
    at = number.context.find(number.value)
    before = number.context[: at if at >= 0 else len(number.context)]
    cues = [(m.end(), "investment") for m in _INVESTMENT.finditer(before)]
    cues += [(m.end(), "saving") for m in SAVING.finditer(before)]
    return max(cues)[1] if cues else None


def _after(number: ListedNumber) -> str:
    """The words right after the number and its unit."""
    at = number.context.find(number.value)
    rest = number.context[at + len(number.value) :] if at >= 0 else ""
    return rest.lstrip()[len(number.unit) :] if rest.lstrip().startswith(number.unit) else rest


def _period(number: ListedNumber) -> str | None:
    """ "year" or "month" where the words right after a figure ("118.000 kWh pro Jahr") or
    those between its cue and it ("jährliche Einsparung: 118.000 kWh") state its period."""
    after, lead = _after(number), _lead(number)
    if _PER_YEAR.search(after) or _YEARLY.search(lead):
        return "year"
    if _PER_MONTH.search(after) or _MONTHLY.search(lead):
        return "month"
    return None


def _lead(number: ListedNumber) -> str:
    """The words before the number from the last cue word before it on."""
    at = number.context.find(number.value)
    before = number.context[: at if at >= 0 else len(number.context)]
    starts = [m.start() for m in (*_INVESTMENT.finditer(before), *SAVING.finditer(before))]
    return before[max(starts) - 12 :] if starts else ""


def _is_energy(number: ListedNumber) -> bool:
    return bool(number.unit) and parse_unit(number.unit).dimension == _ENERGY


def _scope(number: ListedNumber, passage: dict[str, Any] | None) -> str:
    """The words a figure is known by: those around it, its passage's title and the heading
    it stands under (the nearest short line above it that is no sentence: the project's
    section in minutes of several), else the passage's first line."""
    if passage is None:
        return number.context
    lines = str(passage["text"]).split("\n")
    at = next((i for i, line in enumerate(lines) if number.value in line), 0)
    heading = heading_above(lines, at, _HEADING_CHARS)
    return f"{number.context} {passage.get('title', '')} {lines[0] if heading is None else heading}"


def _same_project(
    investment: ListedNumber, savings: Sequence[ListedNumber], passages: Sequence[dict[str, Any]]
) -> list[ListedNumber]:
    """The savings stated with a passage's investment: in its passage under the same heading
    (the offer that states the price states the saving, whatever language either is in);
    all of them where none is, or the investment is the question's."""
    by_number = {int(p["n"]): p for p in passages}
    home = _scope(investment, by_number.get(investment.source)).removeprefix(investment.context)
    same = [
        n
        for n in savings
        if n.source == investment.source
        and _scope(n, by_number.get(n.source)).removeprefix(n.context) == home
    ]
    return same if investment.source > 0 and same else list(savings)


def _best(
    question: str, candidates: Sequence[ListedNumber], passages: Sequence[dict[str, Any]]
) -> ListedNumber | None:
    """The candidate whose words (those around it, its passage's title and the heading it
    stands under: "## 4. Hallenbeleuchtung auf LED") share most with the question; None for
    none or a tie between different values."""
    if not candidates:
        return None
    by_number = {int(p["n"]): p for p in passages}
    scopes = [_scope(n, by_number.get(n.source)) for n in candidates]
    terms = question_terms(question) - _ASKING
    weights = term_weights(scopes, terms)
    scored = [(n, term_score(scope, weights)) for n, scope in zip(candidates, scopes, strict=True)]
    top = max(score for _, score in scored)
    best = {parse_number(n.value): n for n, score in scored if score == top}
    return next(iter(best.values())) if len(best) == 1 else None


def payback_plan(question: str, passages: Sequence[dict[str, Any]]) -> CalculationPlan | None:
    """investment / yearly saving (valued at a rate per kWh for an energy saving), in years;
    None when the question asks no payback or a figure is missing or ambiguous."""
    if not PAYBACK.search(question):
        return None
    listed = listed_numbers(question, passages, limit=None)
    money = [n for n in listed if is_money(n.unit)]  # amounts, not rates: "€/kWh" is no money
    # the question's own amount is the investment unless it is a saving ("falls es doch
    # 70.000 € kostet"); a passage's needs its investment word
    investments = [
        n
        for n in money
        if _period(n) is None
        and (_cue_before(n) == "investment" or (n.source == 0 and _cue_before(n) is None))
    ]
    savings = [
        n
        for n in listed
        if _cue_before(n) == "saving" and (is_money(n.unit) or _is_energy(n)) and _period(n)
    ]
    asked = [n for n in investments if n.source == 0]
    investment = asked[0] if len(asked) == 1 else _best(question, investments, passages)
    if investment is None:
        return None
    given = [n for n in savings if n.source == 0]
    stated = _same_project(investment, savings, passages)
    saving = given[0] if len(given) == 1 else _best(question, stated, passages)
    if saving is None:
        return None
    operands = [operand("investment", investment), operand("saving", saving)]
    yearly = "saving * 12" if _period(saving) == "month" else "saving"
    if _is_energy(saving):
        rate = best_rate(scored_rates(question, passages, "kwh", asked_net(question)))
        if rate is None:
            return None
        operands.append(operand("rate", rate))
        yearly = f"{yearly} * rate"
    return CalculationPlan(
        operands=operands,
        expression=f"investment / ({yearly})",
        result_unit=_YEARS[guess_language(question)],
    )
