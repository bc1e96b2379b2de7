"""The heat a heat pump delivered over a period, by code: its electricity times its rated COP.

"Roughly how much heat did the heat pump deliver in January 2025 if it ran at its rated COP?"
over a facility note's monthly table (``Monat | Strombezug (kWh) | Wärmepumpe (kWh)``), a
manufacturer's datasheet (one row per model, a "COP" column) and the minutes that name the
installed model ("Registration of the AquaLift AL-180 …") is the month's heat pump cell times
that model's COP. Two links code makes that the small model did not:

* the column: the table's energy column the question's device names ("heat pump" ~
  "Wärmepumpe" through the lexicon), summed over the period where it names several months;
* the model: the one the question names, else the one datasheet row whose label another
  passage names (the site's own documents say which model is installed; :func:`our_row`).

Anything unclear (no month, no column, several models named) gives None.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from luna.core.arithmetic import number_language, parse_number
from luna.graphs.rag.calculation import Calculation, CitedOperand, Figures
from luna.graphs.rag.table_totals import (
    asked_months,
    column_for,
    passage_tables,
    unit_of_header,
)
from luna.retrieval.designations import designations, folded
from luna.retrieval.dictionary import Dictionary
from luna.retrieval.lexicon import translations
from luna.retrieval.periods import MONTHS_EN

_ASKS_HEAT = re.compile(
    r"\b(heat|wärme\w*|heizwärme|heizenergie|heating\s+energy|thermal\s+energy)\b", re.IGNORECASE
)
_COP = re.compile(r"\b(cop|leistungszahl|coefficient\s+of\s+performance)\b", re.IGNORECASE)
_SEASONAL = re.compile(r"\b(scop|jaz|jahresarbeitszahl|seasonal)\b", re.IGNORECASE)


def asks_heat_from_cop(question: str) -> bool:
    """Whether the question asks the heat delivered at a COP over a period it names."""
    return bool(_ASKS_HEAT.search(question) and _COP.search(question) and asked_months(question))


def _cop_rows(passage: dict[str, Any]) -> list[tuple[str, str, int]]:
    """The (row label, COP cell, passage) of a model table with a COP column (not a seasonal
    one)."""
    rows: list[tuple[str, str, int]] = []
    header: list[str] | None = None
    for line in str(passage["text"]).splitlines():
        cells = [c.strip() for c in line.split("|")] if " | " in line else None
        if cells is None:
            header = None
            continue
        if header is None:
            header = cells
            continue
        columns = [
            i
            for i, h in enumerate(header)
            if i > 0 and _COP.search(h) and not _SEASONAL.search(h) and i < len(cells)
        ]
        if len(columns) == 1:
            rows.append((cells[0], cells[columns[0]], int(passage["n"])))
    return rows


def our_row(
    question: str, rows: Sequence[tuple[str, str, int]], passages: Sequence[dict[str, Any]]
) -> tuple[str, str, int] | None:
    """The row of the model the question names, else of the one model another passage names
    (a letter, minutes or a protocol naming the installed "AquaLift AL-180"); None where none
    or several are named."""
    named = [folded(d) for d in designations(question)]
    found = [r for r in rows if any(n in folded(r[0]) or folded(r[0]) in n for n in named)]
    if not named:
        others = " ".join(
            folded(str(p["text"])) for p in passages if int(p["n"]) not in {r[2] for r in rows}
        )
        found = [r for r in rows if re.search(rf"(?<!\w){re.escape(folded(r[0]))}(?!\w)", others)]
    labels = {folded(r[0]) for r in found}
    return found[0] if len(labels) == 1 else None


def heat_from_cop(
    question: str,
    passages: Sequence[dict[str, Any]],
    documents: Mapping[str, Sequence[str]] | None = None,
    dictionary: Dictionary | None = None,
) -> Figures | None:
    """The period's electricity of the question's device times its model's COP, in kWh of
    heat (see the module's docstring), or None."""
    if not asks_heat_from_cop(question):
        return None
    rows = [row for p in passages for row in _cop_rows(p)]
    row = our_row(question, rows, passages)
    if row is None:
        return None
    _, cop_cell, cop_source = row
    months = asked_months(question)
    # "heat pump" names the "Wärmepumpe (kWh)" column: the lexicon's terms for the device
    device = f"{question} {' '.join(translations(question))}"
    for passage, numbers, header, by_month in passage_tables(passages, documents, question):
        column = column_for(header, device, dictionary=dictionary)
        if column is None or unit_of_header(header[column]) not in ("kWh", "MWh"):
            continue
        if not all(m in by_month for m in months):
            continue
        try:
            energy = [
                CitedOperand(
                    name=MONTHS_EN[m - 1].casefold(),
                    value=parse_number(by_month[m][column], numbers),
                    written=by_month[m][column],
                    unit=unit_of_header(header[column]),
                    source=int(passage["n"]),
                )
                for m in months
            ]
            cop = CitedOperand(
                name="cop",
                value=parse_number(cop_cell, number_language(cop_cell, "en")),
                written=cop_cell,
                unit="",
                source=cop_source,
            )
        except ValueError:
            continue
        if len(energy) == 1:
            line = Calculation(
                value=energy[0].value * cop.value,
                result_unit=energy[0].unit,
                expression=f"{energy[0].name} * cop",
                operands=[*energy, cop],
            )
            return Figures(items=[line])
        period = Calculation(  # the period's electricity first, on a line of its own
            value=sum((o.value for o in energy), Decimal(0)),
            result_unit=energy[0].unit,
            expression=" + ".join(o.name for o in energy),
            operands=energy,
        )
        electricity = CitedOperand(
            name="electricity",
            value=period.value,
            written=str(period.value),
            unit=period.result_unit,
            source=energy[0].source,
        )
        line = Calculation(
            value=period.value * cop.value,
            result_unit=period.result_unit,
            expression="electricity * cop",
            operands=[electricity, cop],
            steps=(period,),
        )
        return Figures(items=[line])
    return None
