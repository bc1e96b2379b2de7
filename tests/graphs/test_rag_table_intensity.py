"""Specific consumption over a period from a monthly table, by code
(``luna.graphs.rag.table_intensity``).

Invented figures, in the shape of a facility note: a monthly table with two energy columns
and the month's output in tonnes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from luna.graphs.rag.table_intensity import asks_intensity, period_intensity

NOTE = """Monat | Netzbezug (kWh) | Kälteanlage (kWh) | Brot (t) | Spitzenlast (kW)
Januar | 82.400 | 12.100 | 140 | 310
Februar | 79.800 | 11.600 | 133 | 305
März | 84.100 | 12.900 | 150 | 322
April | 80.300 | 13.400 | 146 | 298"""
PASSAGES: list[dict[str, Any]] = [{"n": 2, "title": "Notiz Haustechnik 2025", "text": NOTE}]


@pytest.mark.parametrize(
    ("question", "expected", "unit"),
    [
        # (82.400 + 79.800 + 84.100) kWh / ((140 + 133 + 150) t × 1.000) = 0,58227 kWh/kg
        ("Wie hoch war der Netzbezug im ersten Quartal in kWh je kg Brot?", "0.582", "kWh/kg"),
        # the refrigeration column, named; per tonne: (12,900 + 13,400) / (150 + 146)
        (
            "What was the specific consumption of the Kälteanlage from March to April in kWh "
            "per t?",
            "88.851",
            "kWh/t",
        ),
    ],
)
def test_specific_consumption_is_the_periods_energy_over_its_output(
    question: str, expected: str, unit: str
):
    assert asks_intensity(question)
    figures = period_intensity(question, PASSAGES)
    assert figures is not None
    (line,) = figures.items
    assert round(line.value, 3) == Decimal(expected)
    assert line.result_unit == unit
    assert line.sources == [2]


@pytest.mark.parametrize(
    "question",
    [
        # which energy column: two in kWh, the question names neither
        "Wie viele kWh je kg Brot waren es im ersten Quartal?",
        # a month the table does not have
        "Wie hoch war der Netzbezug von Januar bis Mai in kWh je kg Brot?",
    ],
)
def test_no_specific_consumption_where_the_column_or_a_month_is_missing(question: str):
    assert period_intensity(question, PASSAGES) is None
