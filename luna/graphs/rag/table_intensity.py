"""Specific consumption over a period from a monthly table, by code: energy per unit produced.

"Wie hoch war der spezifische Stromverbrauch im ersten Halbjahr 2025 in kWh je kg Käse?" over a
facility note's table (``Monat | Strombezug (kWh) | … | Käse (t)``) is the period's energy
column summed over the period's production column summed, in the unit asked: the energy
performance indicator ISO 50001 asks a site to track. The small model picked one month or
divided the wrong sums. Here the months come from the question (as for totals,
:mod:`luna.graphs.rag.table_totals`), the energy column is the table's one column in kWh or MWh
(or, of several, the one the question's words name), the production column the one in the
unit asked or a unit of the same kind (t for kg) whose heading names the question's product
word where it gives one ("Käse"); both sums are converted to the units asked. Anything unclear
gives None.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from luna.core.arithmetic import parse_number
from luna.graphs.rag.calculation import Calculation, CitedOperand, Figures
from luna.graphs.rag.table_totals import asked_months, column_for, passage_tables, unit_of_header
from luna.retrieval.dictionary import Dictionary
from luna.retrieval.periods import MONTHS_EN

# "kWh je kg Käse", "kWh per tonne", "MWh/t": energy per unit of output.
_PER_OUTPUT = re.compile(
    r"\b(?P<energy>kWh|MWh)\s*(?:je|pro|per|/)\s*(?P<unit>kg|t|tonnen?|tonnes?|tons?)\b"
    r"(?:\s+(?P<product>[^\W\d_]{3,}))?",
    re.IGNORECASE,
)
_ENERGY_SCALE = {"kwh": Decimal(1), "mwh": Decimal(1000)}
_MASS_SCALE = {"kg": Decimal(1), "t": Decimal(1000)}  # in kg


def _mass_unit(written: str) -> str:
    return "kg" if written.casefold() == "kg" else "t"


def asks_intensity(question: str) -> bool:
    """Whether the question asks energy per unit of output over a period of its own."""
    return _PER_OUTPUT.search(question) is not None and bool(asked_months(question))


def _energy_column(header: list[str], question: str, dictionary: Dictionary | None) -> int | None:
    columns = [i for i, h in enumerate(header) if i > 0 and unit_of_header(h) in ("kWh", "MWh")]
    if len(columns) == 1:
        return columns[0]
    energy_headers = [h if i in columns else "" for i, h in enumerate(header)]
    chosen = column_for(energy_headers, question, dictionary=dictionary)
    return chosen if chosen in columns else None


def _output_column(header: list[str], product: str) -> int | None:
    columns = [i for i, h in enumerate(header) if i > 0 and unit_of_header(h) in _MASS_SCALE]
    if product:
        named = [i for i in columns if product.casefold()[:5] in header[i].casefold()]
        columns = named or columns
    return columns[0] if len(columns) == 1 else None


def period_intensity(
    question: str,
    passages: Sequence[dict[str, Any]],
    documents: Mapping[str, Sequence[str]] | None = None,
    dictionary: Dictionary | None = None,
) -> Figures | None:
    """Σ energy / Σ output over the question's months, in the units it asks (see the module's
    docstring); None when the question asks no such figure or no table answers it.
    ``documents`` completes tables and ``dictionary`` matches headers across languages, as
    for :func:`luna.graphs.rag.table_totals.period_total`."""
    asked = _PER_OUTPUT.search(question)
    if asked is None:
        return None
    months = asked_months(question)
    if not months:
        return None
    energy_unit = "MWh" if asked["energy"].casefold() == "mwh" else "kWh"
    mass_unit = _mass_unit(asked["unit"])
    for passage, numbers, header, by_month in passage_tables(passages, documents, question):
        energy = _energy_column(header, question, dictionary)
        output = _output_column(header, asked["product"] or "")
        if energy is None or output is None or not all(m in by_month for m in months):
            continue
        try:
            operands = [
                CitedOperand(
                    name=f"{MONTHS_EN[m - 1].casefold()}_{kind}",
                    value=parse_number(by_month[m][column], numbers),
                    written=by_month[m][column],
                    unit=unit_of_header(header[column]),
                    source=int(passage["n"]),
                )
                for kind, column in (("energy", energy), ("output", output))
                for m in months
            ]
        except ValueError:
            continue
        return Figures(items=[_intensity(operands, energy_unit, mass_unit)])
    return None


def _intensity(operands: list[CitedOperand], energy_unit: str, mass_unit: str) -> Calculation:
    """The quotient of the energy and output sums, each converted to the asked unit; the two
    sums are shown first, each on its own line."""
    energy = [o for o in operands if o.name.endswith("_energy")]
    output = [o for o in operands if o.name.endswith("_output")]
    energy_scale = _ENERGY_SCALE[energy[0].unit.casefold()] / _ENERGY_SCALE[energy_unit.casefold()]
    mass_scale = _MASS_SCALE[_mass_unit(output[0].unit)] / _MASS_SCALE[mass_unit]
    sums = [_sum(energy), _sum(output)]
    totals = [
        CitedOperand(
            name=name, value=line.value, written=str(line.value), unit=line.result_unit,
            source=line.operands[0].source,
        )
        for name, line in zip(("energy", "output"), sums, strict=True)
    ]  # fmt: skip
    expression = f"energy / (output * {mass_scale})" if mass_scale != 1 else "energy / output"
    if energy_scale != 1:
        expression = f"{expression} * {energy_scale}"
    return Calculation(
        value=totals[0].value * energy_scale / (totals[1].value * mass_scale),
        result_unit=f"{energy_unit}/{mass_unit}",
        expression=expression,
        operands=totals,
        steps=tuple(sums),
    )


def _sum(operands: list[CitedOperand]) -> Calculation:
    """A column's period sum as a figure of its own."""
    return Calculation(
        value=sum((o.value for o in operands), Decimal(0)),
        result_unit=operands[0].unit,
        expression=" + ".join(o.name for o in operands),
        operands=operands,
    )
