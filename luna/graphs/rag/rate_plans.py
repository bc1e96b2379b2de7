"""Amounts of money a question asks for, computed as a stated rate times the question's quantity.

The most common calculation on a tariff sheet, a grid-fee letter or a facility note is a rate
times a quantity: "Was kostet es, 30 kWh im Niedertarif zu laden?", "How much demand charge
would we save if the peak were lowered from 223.4 kW to 190 kW?", "Wie viel spart er, wenn er
40 kWh im Niedertarif statt im Hochtarif lädt?". The units decide the calculation: a quantity
in kWh needs a rate per kWh, one in kW a rate per kW, and the result is money. Code builds
the plan; no model picks operands (the 1.5B model, given the numbers by id, summed them all).

Three shapes, tried only when the question asks for an amount of money, adds no other part
to it ("inklusive Grundpreis") and states its quantities in one unit and nothing else (no
price of its own, no percentage):

* one quantity: ``quantity × rate``;
* one quantity and two alternatives ("im Niedertarif statt im Hochtarif", "instead of"):
  ``(rate of the replaced − rate of the chosen) × quantity``;
* two quantities ("from 223.4 kW to 190 kW"): ``(larger − smaller) × rate``;
* a power and the hours it runs ("14 kW … (3 h)", the hours of the question's time span, see
  :func:`luna.graphs.rag.window_energy.with_span_hours`): ``power × hours × rate per kWh``;
* the hours a named device runs ("Die AL-180 läuft 7 Stunden im NT"): the same, with the
  device's electrical power as the passages state it beside its designation (its input, not
  its heating output; one value, however many passages state it).

A rate is a passage number whose unit is money per the quantity's unit (``ct/kWh``,
``€/kW``); the one whose words (a table cell's row and column headings) share most with the
question is taken, net or gross as the question says. When two rates of different value
fit equally well, or none does, there is no plan and the model's is tried.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Any

from luna.core.arithmetic import parse_number
from luna.core.units import parse_unit
from luna.graphs.rag.calculation_cues import GROSS_WORD, NET_WORD, SAVING, asks_money
from luna.graphs.rag.calculation_plan import (
    CalculationPlan,
    ListedNumber,
    Operand,
    listed_numbers,
    stated_side,
)
from luna.graphs.rag.compress import question_terms, stems, term_score, term_weights
from luna.graphs.rag.sum_lines import period_sums
from luna.graphs.rag.tariff_windows import tariff_window
from luna.retrieval.designations import designations, folded, years
from luna.retrieval.periods import period_terms

# The question adds another part to the amount ("inklusive Grundpreis", "including the base
# fee"): more than a rate times a quantity.
INCLUDES = re.compile(
    r"\b(inklusive|inkl\.?|einschließlich|zuzüglich|zzgl\.?|samt|plus|including|incl\.?|"
    r"together with|along with|included|inbegriffen|eingerechnet|mitgerechnet)\b|"
    r"\bmit\s+(dem\s+)?grund\w*|\bwith\s+the\s+base\b",
    re.IGNORECASE,
)
# "im Niedertarif statt im Hochtarif", "in the low tariff instead of the high tariff":
# the chosen alternative before the marker, the replaced one after it.
_ARTICLES = r"(?:(?:im|in|ins|dem|der|des|den|die|das|am|an|at|on|during|the|into|to)\s+){0,2}"
# "im Niedertarif statt im Hochtarif", "in the night window instead of the evening one", and
# a shift: "300 kWh von der Normalzeit ins Sonnenfenster schieben", "move 40 kWh from the
# evening window to the night window".
_ASIDE = r"(?:\s*\([^()]{1,30}\))?"  # "from the evening window (4 to 8 pm) to …"
_INSTEAD = re.compile(
    rf"(?P<chosen>[^\W\d_][\w-]*)\s+(?:statt|anstatt|anstelle|instead of|rather than)\s+"
    rf"{_ARTICLES}(?P<replaced>[^\W\d_][\w-]*)"
    rf"|\b(?:von|vom|aus|from)\s+{_ARTICLES}(?P<shifted_from>[^\W\d_][\w-]*)"
    rf"(?:\s+[^\W\d_][\w-]*)?{_ASIDE}\s+(?:in|ins|in die|in den|auf|to|into)\s+{_ARTICLES}"
    rf"(?P<shifted_to>[^\W\d_][\w-]*)\s+"
    r"(?:\S+\s+){0,3}(?:schieb\w*|versch\w*|verlag\w*|leg\w*|shift\w*|mov\w*)"
    r"|\b(?:shift\w*|mov\w*|verlager\w*|verschieb\w*)\b[^.?!]{0,60}?\b(?:from|von|vom)\s+"
    rf"{_ARTICLES}(?P<moved_from>[^\W\d_][\w-]*)(?:\s+[^\W\d_][\w-]*)?{_ASIDE}\s+"
    rf"(?:to|into|in|ins|auf)\s+{_ARTICLES}(?P<moved_to>[^\W\d_][\w-]*)",
    re.IGNORECASE,
)
_MONEY = parse_unit("€").dimension
# Words that do not tell one rate from another: net/gross (filtered on their own), units.
UNDISTINCTIVE = frozenset({"netto", "net", "brutt", "gross", "kwh", "ct", "cent", "euro"})
MAX_RATES = 48  # rate candidates read per passage set (a tariff sheet has a few dozen numbers)


def is_money(unit: str) -> bool:
    """Whether ``unit`` is an amount of money ("€", "ct", "EUR"), not a rate or a quantity."""
    return parse_unit(unit).dimension == _MONEY


def rate_per(rate_unit: str) -> str:
    """The unit a rate is per ("ct/kWh" → "kwh", "€/kW" → "kw"), or "" for no rate."""
    head, slash, tail = rate_unit.replace(" ", "").partition("/")
    if not slash or not is_money(head):
        return ""
    return tail.casefold()


def asked_net(question: str) -> bool | None:
    """True where the question asks for net figures, False for gross, None for neither."""
    net, gross = bool(NET_WORD.search(question)), bool(GROSS_WORD.search(question))
    return None if net == gross else net


def priced_net(question: str, per: str) -> bool | None:
    """The side a rate per ``per`` is read on: the one the question asks, else net for a rate
    per kW: a demand charge is billed only to customers with registering power metering,
    businesses, whose prices are quoted and reckoned net of the VAT they deduct. A price per
    kWh asked with neither side stays open (households pay it gross)."""
    asked = asked_net(question)
    return True if asked is None and per == "kw" else asked


def net_or_gross(number: ListedNumber, net: bool | None) -> bool:
    """Whether a passage value fits: not listed as gross where ``net`` is True, not as net
    where it is False; any where it is None."""
    if net is None:
        return True
    return stated_side(number) != ("gross" if net else "net")


def scored_rates(
    question: str,
    passages: Sequence[dict[str, Any]],
    per: str,
    net: bool | None = None,
    ignore: Collection[str] = (),
) -> list[tuple[ListedNumber, float]]:
    """The passages' rates per ``per`` (amounts of money where ``per`` is "") with their
    relevance to the question (its terms less the stems in ``ignore``): net ones where
    ``net`` is True, gross ones where it is False, both where it is None."""
    # every number, not the best-ranked: a facility note's monthly table outranks a grid
    # letter's two rates on the question's words and cut them from a ranked list
    listed = [n for n in listed_numbers(question, passages, limit=None) if n.source > 0]
    rates = [n for n in listed if rate_per(n.unit) == per]
    current = _current_rates(rates, passages, question)
    rates = [n for n in current if net_or_gross(n, net)]
    terms = question_terms(question) - UNDISTINCTIVE - set(ignore)
    weights = term_weights([n.context for n in rates], terms)
    return [(n, term_score(n.context, weights)) for n in rates]


def _current_rates(
    rates: Sequence[ListedNumber], passages: Sequence[dict[str, Any]], question: str
) -> list[ListedNumber]:
    """``rates`` less those of an older version (a passage ``superseded_by`` another) where
    a current one states a rate too, unless the question names the older version's year and
    not the current one's ("what would 500 kW have cost in 2025?"). The older price sheet
    retrieval appends for comparison priced "2026 at last year's peak" at 2025's rate."""
    by_number = {int(p["n"]): p for p in passages}

    def year(n: ListedNumber) -> str:
        return str(by_number.get(n.source, {}).get("valid_from") or "")[:4]

    older = [n for n in rates if by_number.get(n.source, {}).get("superseded_by")]
    current = [n for n in rates if n not in older]
    if not older or not current:
        return list(rates)
    named = set(years(question))
    if {year(n) for n in older} & named and not {year(n) for n in current} & named:
        return older
    return current


def best_rate(scored: Sequence[tuple[ListedNumber, float]]) -> ListedNumber | None:
    """The best-scoring rate; None when none matches a question word or two of different
    value match equally well."""
    if not scored:
        return None
    top = max(score for _, score in scored)
    best = {parse_number(n.value): n for n, score in scored if score == top}
    return next(iter(best.values())) if top > 0 and len(best) == 1 else None


def _sole_rate(scored: Sequence[tuple[ListedNumber, float]]) -> ListedNumber | None:
    """The rate where the passages state only one value per the quantity's unit, though its
    words name nothing of the question's ("…, über 2.500 Benutzungsstunden): 118,64 €/kW":
    the demand charge's name stands too far before it). Taken for a rate per kW only: a
    demand charge stands alone, while an energy price per kWh is rarely the whole cost (a
    month's bill adds the base price)."""
    values = {parse_number(n.value): n for n, _ in scored}
    return next(iter(values.values())) if len(values) == 1 else None


def _naming(
    scored: Sequence[tuple[ListedNumber, float]], word: str
) -> list[tuple[ListedNumber, float]]:
    """The rates whose words name ``word`` (by stem: "Niedertarif" ~ "Niedertarif (NT)")."""
    wanted = {s for s in stems(word) if len(s) >= 4}
    return [(n, score) for n, score in scored if wanted & stems(n.context)]


def _side_texts(question: str, instead: re.Match[str]) -> tuple[str, str]:
    """The words of the chosen and the replaced side of a choice or shift, each up to the
    other side or the end of the question."""
    if instead.group("chosen"):
        return question[: instead.start("replaced")], question[instead.start("replaced") :]
    for start, end in (("shifted_from", "shifted_to"), ("moved_from", "moved_to")):
        if instead.group(start):
            replaced = question[instead.start(start) : instead.start(end)]
            return question[instead.start(end) :], replaced
    return "", ""


def _window_rate(
    scored: Sequence[tuple[ListedNumber, float]],
    side: str,
    question: str,
    passages: Sequence[dict[str, Any]],
) -> ListedNumber | None:
    """The rate of the tariff window a side's time falls in ("the evening window (4 to 8
    pm)", "the night window before 6 am"), in the months the question names."""
    months = " ".join(period_terms(question))
    window = tariff_window(f"{side} {months}", passages)
    return best_rate(_naming(scored, window)) if window else None


def operand(name: str, number: ListedNumber) -> Operand:
    """A listed number as a plan's operand, cited to its source."""
    return Operand(name=name, value=number.value, unit=number.unit[:16], source=number.source)


def _power_over_hours_plan(
    question: str, passages: Sequence[dict[str, Any]], given: Sequence[ListedNumber]
) -> CalculationPlan | None:
    """A power the question states over the hours it runs, at the rate per kWh that fits."""
    power, hours = sorted(given, key=lambda n: n.unit.casefold() != "kw")
    rate = best_rate(scored_rates(question, passages, "kwh", asked_net(question)))
    if rate is None:
        return None
    operands = [operand("power", power), operand("hours", hours), operand("rate", rate)]
    return CalculationPlan(operands=operands, expression="power * hours * rate", result_unit="€")


# A device's electrical input, not its heating or cooling output: "elektrische
# Anschlussleistung 55 kW", "Leistungsaufnahme (kW)", "electrical power input".
_ELECTRICAL_INPUT = re.compile(
    r"elektrisch\w*|leistungsaufnahme|anschlussleistung|aufnahmeleistung|stromaufnahme|"
    r"electrical|power\s+(input|consumption|draw)|input\s+power|rated\s+input",
    re.IGNORECASE,
)


def _device_power_plan(
    question: str, passages: Sequence[dict[str, Any]], hours: ListedNumber
) -> CalculationPlan | None:
    """A named device's electrical power, as the passages state it beside its designation,
    over the question's hours, at the rate per kWh that fits: "Die AL-180 läuft 7 Stunden
    im NT. Was kostet das?"."""
    named = {folded(d) for d in designations(question)}
    if not named:
        return None
    powers = {
        parse_number(n.value): n
        for n in listed_numbers(question, passages, limit=None)
        if n.source > 0
        and n.unit.casefold() == "kw"
        and _ELECTRICAL_INPUT.search(n.context)
        and any(d in folded(n.context) for d in named)
    }
    rate = best_rate(scored_rates(question, passages, "kwh", asked_net(question)))
    if len(powers) != 1 or rate is None:
        return None
    power = next(iter(powers.values()))
    operands = [operand("power", power), operand("hours", hours), operand("rate", rate)]
    return CalculationPlan(operands=operands, expression="power * hours * rate", result_unit="€")


def _period_sum(passages: Sequence[dict[str, Any]]) -> list[ListedNumber]:
    """The one energy sum code wrote under a table for the question's period
    (:mod:`luna.graphs.rag.sum_lines`): the quantity a question names by its period ("der
    Verbrauch April bis Dezember"); none where there is none or several differ."""
    sums = {parse_number(n.value): n for n in period_sums(passages) if rate_per(f"€/{n.unit}")}
    return list(sums.values()) if len(sums) == 1 else []


# A rate that is the one an alternative replaces: "regulärer Arbeitspreis", "standard fee".
_REGULAR = re.compile(
    r"\b(regulär\w*|normal\w*|standard\w*|übliche?\w*|bisherig\w*|ohne\s+modul|"
    r"regular|usual|default|without)\b",
    re.IGNORECASE,
)


def _reduced_and_regular(
    scored: Sequence[tuple[ListedNumber, float]], question: str
) -> tuple[ListedNumber, ListedNumber] | None:
    """The rate of the alternative the question names by its designation ("durch Modul 2")
    and the regular rate of the same passage that it replaces, each the only one of its
    value; None otherwise."""
    named = {folded(d) for d in designations(question)}
    if len(named) != 1:
        return None
    (designation,) = named
    chosen = {parse_number(n.value): n for n, _ in scored if designation in folded(n.context)}
    if len(chosen) != 1:
        return None
    reduced = next(iter(chosen.values()))
    regular = {
        parse_number(n.value): n
        for n, _ in scored
        if n.source == reduced.source and _REGULAR.search(n.context) and n is not reduced
    }
    if len(regular) != 1:
        return None
    return reduced, next(iter(regular.values()))


def rate_plan(question: str, passages: Sequence[dict[str, Any]]) -> CalculationPlan | None:
    """The plan of a rate times the question's quantity (see the module's docstring), or
    None when the question is not of that shape or its rate is not unambiguous."""
    if not asks_money(question) or INCLUDES.search(question):
        return None
    given = listed_numbers(question, []) or _period_sum(passages)
    consumption = bool(given) and given[0].source > 0  # a period's sum, not a change
    units = {n.unit.casefold() for n in given}
    if units == {"kw", "h"} and len(given) == 2:
        return _power_over_hours_plan(question, passages, given)
    if units == {"h"} and len(given) == 1:
        return _device_power_plan(question, passages, given[0])
    if not given or len(given) > 2 or len(units) != 1 or rate_per(given[0].unit):
        return None
    per = units.pop()
    if not per or per == "%" or is_money(per):
        return None
    scored = scored_rates(question, passages, per, priced_net(question, per))
    instead = _INSTEAD.search(question)
    if len(given) == 1 and instead is not None:
        chosen_word = next(
            instead.group(g) for g in ("chosen", "shifted_to", "moved_to") if instead.group(g)
        )
        replaced_word = next(
            instead.group(g) for g in ("replaced", "shifted_from", "moved_from") if instead.group(g)
        )
        chosen = best_rate(_naming(scored, chosen_word))
        replaced = best_rate(_naming(scored, replaced_word))
        if chosen is None or replaced is None:  # "the evening window (4 to 8 pm)": by time
            chosen_side, replaced_side = _side_texts(question, instead)
            chosen = chosen or _window_rate(scored, chosen_side, question, passages)
            replaced = replaced or _window_rate(scored, replaced_side, question, passages)
        if chosen is None or replaced is None or chosen == replaced:
            return None
        operands = [
            operand("replaced_rate", replaced),
            operand("chosen_rate", chosen),
            operand("quantity", given[0]),
        ]
        expression = "(replaced_rate - chosen_rate) * quantity"
    elif (
        len(given) == 1
        and SAVING.search(question)
        and (pair := _reduced_and_regular(scored, question))
    ):
        reduced, regular = pair  # "Was spart uns Modul 2?": the regular rate less the reduced
        operands = [
            operand("regular_rate", regular),
            operand("reduced_rate", reduced),
            operand("quantity", given[0]),
        ]
        expression = "(regular_rate - reduced_rate) * quantity"
    else:
        if consumption and SAVING.search(question):
            return None  # a period's consumption times one rate is a cost, not a saving
        rate = best_rate(scored) or (_sole_rate(scored) if per == "kw" else None)
        if rate is None:
            return None
        if len(given) == 1:
            operands = [operand("quantity", given[0]), operand("rate", rate)]
            expression = "quantity * rate"
        else:
            high, low = sorted(given, key=lambda n: parse_number(n.value), reverse=True)
            if parse_number(high.value) == parse_number(low.value):
                return None
            operands = [operand("before", high), operand("after", low), operand("rate", rate)]
            expression = "(before - after) * rate"
    return CalculationPlan(operands=operands, expression=expression, result_unit="€")
