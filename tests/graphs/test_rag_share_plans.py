"""A quantity split between two rates by a share, computed by code
(``luna.graphs.rag.share_plans``).

Invented figures, in the shape of a commercial price sheet: an energy-price table with HT/NT
rows and net/gross columns, a base price per month in prose, and last year's superseded
sheet beside it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from luna.core.language import guess_language
from luna.graphs.rag.calculation import calculate
from luna.graphs.rag.share_plans import share_plan
from luna.prompts.registry import LoadedPrompt
from tests.scripted_model import ScriptedModel

SHEET = """2 Arbeitspreise
Arbeitspreis | netto | brutto
Hochtarif (HT), Mo–Fr 6–22 Uhr | 22,80 ct/kWh | 27,13 ct/kWh
Niedertarif (NT), übrige Zeit | 16,40 ct/kWh | 19,52 ct/kWh
Der Grundpreis beträgt 64,00 € netto pro Monat (76,16 € brutto pro Monat)."""
OLD_SHEET = """2 Arbeitspreise
Arbeitspreis | netto | brutto
Hochtarif (HT), Mo–Fr 6–22 Uhr | 25,10 ct/kWh | 29,87 ct/kWh
Niedertarif (NT), übrige Zeit | 17,90 ct/kWh | 21,30 ct/kWh"""
PASSAGES: list[dict[str, Any]] = [
    {"n": 1, "title": "Preisblatt 2026", "text": SHEET, "valid_from": "2026-01-01"},
    {
        "n": 2,
        "title": "Preisblatt 2025",
        "text": OLD_SHEET,
        "valid_from": "2025-01-01",
        "superseded_by": "Preisblatt 2026",
    },
]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # 42.000 × (0,65 × 0,228 + 0,35 × 0,164) = 6.224,40 + 2.410,80
        ("42.000 kWh, davon 65 % im HT und der Rest im NT: was kostet das netto?", "8635.20"),
        # English, "peak"/"off-peak" through the lexicon, gross, with the monthly base price:
        # 9,500 × (0.3 × 0.2713 + 0.7 × 0.1952) + 76.16 = 2,147.445
        (
            "we used 9,500 kWh last month, 30% in the high tariff and the rest off-peak. what "
            "did that cost gross including the base price?",
            "2147.45",
        ),
        # two shares that add up to 100: 12.000 × (0,25 × 0,164 + 0,75 × 0,228)
        ("Was kosten 12.000 kWh netto bei 25 % NT und 75 % HT?", "2544.00"),
    ],
)
def test_a_split_quantity_is_priced_at_each_sides_rate(
    calculate_prompt: LoadedPrompt, question: str, expected: str
):
    language = guess_language(question)
    result = calculate(ScriptedModel(script=[]), calculate_prompt, question, PASSAGES, language)
    assert result is not None
    assert result.rounded() == Decimal(expected)


@pytest.mark.parametrize(
    "question",
    [
        # shares that do not add up to 100: which is which is unclear
        "Was kosten 12.000 kWh netto bei 25 % NT und 65 % HT?",
        # no other side named
        "Was kosten 42.000 kWh, wenn 65 % im HT anfallen?",
        # both sides name the same rate
        "42.000 kWh, davon 65 % im HT und der Rest ebenfalls im HT: was kostet das netto?",
    ],
)
def test_no_share_plan_where_the_sides_are_unclear(question: str):
    assert share_plan(question, PASSAGES) is None
