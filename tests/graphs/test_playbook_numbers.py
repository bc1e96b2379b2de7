"""The number check that keeps the model's prose to the engines' figures."""

from __future__ import annotations

import pytest

from luna.graphs.playbook.numbers import AllowedNumbers, clock_times, unsupported_numbers

FACTS = "Saves 1.2345 EUR; charge 20.06. 14:45–19:15: 5.8 kWh; import 1234.5 kWh a year"


@pytest.mark.parametrize(
    "text",
    [
        "Spart 1,23 EUR am 20.06. von 14:45 bis 19:15 Uhr.",  # German notation, rounded
        "Saves 1.2 EUR, 1,234.5 kWh a year.",  # fewer decimals, English thousands
        "Import 1.234,5 kWh; charge 5,8 kWh.",  # German thousands
        "Saves -1.23 EUR [2].",  # sign and citation markers are not figures
    ],
)
def test_engine_numbers_in_any_notation_pass(text: str):
    allowed = AllowedNumbers.from_texts([FACTS])
    assert unsupported_numbers(text.replace("[2]", " "), allowed) == []


def test_invented_numbers_and_times_are_named():
    # "6 kWh" would pass as a rounding of 5.8; 7 is no engine figure rounded
    allowed = AllowedNumbers.from_texts([FACTS])
    assert unsupported_numbers("Saves 1.24 EUR from 18:00, 7 kWh", allowed) == [
        "18:00",
        "1.24",
        "7",
    ]


def test_clock_times_followed_by_a_colon_are_still_times():
    assert clock_times("00:00–06:30: discharge, 7.30 Uhr, 17:00 Uhr") == [
        "00:00",
        "06:30",
        "07:30",
        "17:00",
    ]
