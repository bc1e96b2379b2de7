"""How far a table's highest (or lowest) month lies from a limit another passage states, by code.

"Um wie viel kW hat die höchste Spitzenlast des ersten Halbjahrs die Lastspitzengrenze
überschritten?" needs the period's rows of a monthly table, the extreme of one column, the
limit from a policy and a subtraction; "… and what would capping it at the limit have saved
at 112,60 €/kW?" adds a rate. The model picks a neighbouring month or the wrong limit and
subtracts wrongly. Here the extreme comes from the table as :mod:`luna.graphs.rag.table_months`
finds it (period, column, rows completed from the whole document), the limit from the passage
values in the column's unit, outside that table, whose words name the same kind of limit the
question does ("Lastspitzengrenze" → a "…grenze"/"limit", "threshold" → a "Schwelle"/
"threshold"); a question that names no kind of limit, or one that two values fit alike, gets
no answer here and goes on to the model. Where the question asks for money and a passage
states a rate per the column's unit (€/kW), the difference is priced at that rate.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from luna.core.arithmetic import parse_number
from luna.core.language import Language
from luna.graphs.rag.calculation import Calculation, CitedOperand
from luna.graphs.rag.calculation_cues import asks_money
from luna.graphs.rag.calculation_plan import ListedNumber, listed_numbers
from luna.graphs.rag.named_peaks import stated_peaks
from luna.graphs.rag.rate_plans import MAX_RATES, best_rate, priced_net, scored_rates
from luna.graphs.rag.table_months import HIGHEST, LOWEST, MonthsAnswer, extreme_month
from luna.retrieval.comparisons import ASKS_DIFFERENCE
from luna.retrieval.dictionary import Dictionary

# Kinds of limit, each as the word parts that name it in either language. A question's limit
# word must find a value named by a word of the same kind: a "switch-off threshold" is not the
# "Lastspitzengrenze" beside it.
_LIMIT_KINDS: dict[str, re.Pattern[str]] = {
    "limit": re.compile(r"grenze|grenzwert|limit|obergrenze|höchstgrenze|\bcap\b", re.I),
    "threshold": re.compile(r"schwell|threshold|ansprech|trigger", re.I),
    "target": re.compile(r"zielwert|sollwert|\btarget\b|vorgabe", re.I),
}


@dataclass(frozen=True)
class LimitExcess:
    """The extreme month of a table column and its difference to a stated limit (priced
    where asked), as one answer: the month's line, then the calculation."""

    extreme: MonthsAnswer | None  # None: a year's peak a passage states, not a table's month
    calculation: Calculation

    @property
    def sources(self) -> list[int]:
        extreme = self.extreme.sources if self.extreme is not None else []
        return sorted({*extreme, *self.calculation.sources})

    def render(self, language: Language) -> str:
        if self.extreme is None:
            return self.calculation.render(language)
        return f"{self.extreme.render(language)}\n{self.calculation.render(language)}"


def asks_limit_excess(question: str) -> bool:
    """Whether the question asks how far the highest or lowest value lies from a limit, or
    what keeping it at the limit would have saved."""
    extreme = HIGHEST.search(question) or LOWEST.search(question)
    how_far = ASKS_DIFFERENCE.search(question) or asks_money(question)
    return bool(extreme and how_far and _limit_kind(question))


def _limit_kind(text: str) -> str | None:
    kinds = [kind for kind, pattern in _LIMIT_KINDS.items() if pattern.search(text)]
    return kinds[0] if len(kinds) == 1 else None


def _limit(question: str, passages: Sequence[dict[str, Any]], unit: str) -> ListedNumber | None:
    """The one value in ``unit`` whose words name the question's kind of limit, and no other
    kind."""
    kind = _limit_kind(question)
    if kind is None or not unit:
        return None
    found = {
        parse_number(n.value): n
        for n in listed_numbers(question, passages, limit=MAX_RATES)
        if n.source > 0 and n.unit.casefold() == unit.casefold() and _limit_kind(n.context) == kind
    }
    return next(iter(found.values())) if len(found) == 1 else None


def limit_excess(
    question: str,
    passages: Sequence[dict[str, Any]],
    documents: Mapping[str, Sequence[str]] | None = None,
    dictionary: Dictionary | None = None,
) -> LimitExcess | None:
    """The extreme month of the column the question names, its difference to the limit the
    question names (and that difference priced, where money is asked), or None (see the
    module's docstring)."""
    if not asks_limit_excess(question):
        return None
    extreme = extreme_month(question, passages, documents, dictionary)
    if extreme is not None:
        (_, value), unit, source = extreme.months[0], extreme.unit, extreme.source
        written = str(value)
    else:  # "vs last year's (2025) peak" where a passage states it: "… 2025 …: 572 kW"
        stated = {parse_number(n.value): n for _, n in stated_peaks(question, passages)}
        if len(stated) != 1:
            return None
        value, number = next(iter(stated.items()))
        unit, source, written = number.unit, number.source, number.value
    limit = _limit(question, passages, unit)
    if limit is None:
        return None
    bound = parse_number(limit.value)
    peak = CitedOperand(name="extreme", value=value, written=written, unit=unit, source=source)
    cap = CitedOperand(
        name="limit", value=bound, written=limit.value, unit=limit.unit, source=limit.source
    )
    expression = "extreme - limit" if value >= bound else "limit - extreme"
    operands, result = [peak, cap], abs(value - bound)
    if asks_money(question):
        per = unit.casefold()
        rates = scored_rates(question, passages, per, priced_net(question, per))
        # the one rate per kW the passages state needs no words in common with the question
        only = {parse_number(n.value): n for n, _ in rates}
        rate = next(iter(only.values())) if len(only) == 1 else best_rate(rates)
        if rate is None:
            return None
        price = parse_number(rate.value)
        operands.append(
            CitedOperand(
                name="rate", value=price, written=rate.value, unit=rate.unit, source=rate.source
            )
        )
        expression, result = f"({expression}) * rate", result * price
        unit = rate.unit.split("/")[0].strip()
    calculation = Calculation(
        value=result, result_unit=unit, expression=expression, operands=operands
    )
    return LimitExcess(extreme=extreme, calculation=calculation)


__all__ = ["LimitExcess", "asks_limit_excess", "limit_excess"]
