"""The lines code writes under a monthly table for a period's sum, and reading them back.

:func:`luna.graphs.rag.table_totals.with_period_sums` writes "Summe (von Luna aus dieser
Tabelle addiert) Januar bis Juni 2025, Strombezug (kWh): 1.197.800 kWh" under a passage whose
table it summed; a calculation may use that figure as an operand like any number the passage
writes (a plan cites it), and a rate plan takes it as the quantity a question names by its
period instead of a figure ("Was hat der Strombezug im dritten Quartal zum HT-Preis gekostet?").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from luna.core.language import Language
from luna.graphs.rag.calculation_plan import ListedNumber, listed_numbers

# In the passage's own language. Period and column stand right before the figure, where the
# numbers list takes a figure's words from.
SUM_LINE: dict[Language, str] = {
    "de": "Summe (von Luna aus dieser Tabelle addiert) {first} bis {last}{year}, {column}: {total}",
    "en": "Total (added up by Luna from this table) {first} to {last}{year}, {column}: {total}",
}
_WRITTEN = re.compile(
    "|".join(re.escape(t.split(" {first}")[0]) for t in SUM_LINE.values()), re.IGNORECASE
)


def period_sums(passages: Sequence[dict[str, Any]]) -> list[ListedNumber]:
    """The sums code wrote under the passages' tables, each with its unit, passage and line."""
    found: list[ListedNumber] = []
    for passage in passages:
        for line in str(passage["text"]).splitlines():
            if _WRITTEN.match(line):
                numbers = listed_numbers("", [{"n": passage["n"], "text": line}], limit=None)
                found += [ListedNumber(n.value, n.unit, n.source, line) for n in numbers[-1:]]
    return found
