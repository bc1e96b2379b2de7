"""The energy between two states of charge, computed by code (``luna.graphs.rag.soc_windows``).

Invented figures, in the shapes of an installer's commissioning protocol (labelled values, one
capacity measured, one from the nameplate) and a battery datasheet's model table."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from luna.graphs.rag.calculation import calculate
from luna.graphs.rag.calculation_cues import wants_calculation
from luna.graphs.rag.soc_windows import soc_window_plan
from luna.prompts.registry import LoadedPrompt
from tests.scripted_model import ScriptedModel

PROTOCOL = """1. Kenndaten
Nennkapazität (Herstellerangabe): | 250,0 kWh
Gemessene Kapazität (Kapazitätstest): | 243,8 kWh
Max. Entladeleistung: | 120 kW
SoC-Grenzen (parametriert): | min. 8 % / max. 92 %"""
DATASHEET = """Model | Nominal capacity (kWh) | Usable capacity (kWh) | Max. power (kW)
KX-50 | 52.0 | 47.8 | 25
KX-80 | 83.2 | 76.5 | 40"""
PASSAGES: list[dict[str, Any]] = [
    {"n": 1, "title": "Inbetriebnahmeprotokoll", "text": PROTOCOL},
    {"n": 2, "title": "KX series datasheet", "text": DATASHEET},
]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # the protocol's window and its measured capacity: 243,8 × (92 − 8) / 100
        (
            "Wie viel Energie gibt der Speicher zwischen seinen SoC-Grenzen wirklich ab? Nimm "
            "die gemessene Kapazität.",
            "204.79",
        ),
        # the question's window on a model's nominal capacity: 83.2 × (90 − 20) / 100
        (
            "How much energy do we get out of the KX-80 between 20 and 90 % state of charge?",
            "58.24",
        ),
        # how long at full power, no capacity named: the measured one over the protocol's
        # discharge power, not the datasheet's 40 kW: 243,8 × (92 − 8) / 100 / 120
        (
            "Wie lange hält der Speicher mit voller Entladeleistung durch, bis er an der unteren "
            "SoC-Grenze ist?",
            "1.71",
        ),
    ],
)
def test_the_energy_of_a_window_is_the_capacity_times_its_width(
    calculate_prompt: LoadedPrompt, question: str, expected: str
):
    assert wants_calculation(question)  # the graph sends it to the calculation at all
    result = calculate(ScriptedModel(script=[]), calculate_prompt, question, PASSAGES, "en")
    assert result is not None
    assert result.rounded() == Decimal(expected)


@pytest.mark.parametrize(
    "question",
    [
        # which capacity: measured and nameplate share the question's words alike
        "Wie viel kWh liefert der Speicher zwischen seinen SoC-Grenzen?",
        # a power over time, not a window's energy
        "How long can the battery deliver 60 kW between its SoC limits?",
        # no state of charge asked
        "How much energy does the KX-80 store?",
        # a look-up of the limits, not an energy
        "Welche SoC-Grenzen sind im Protokoll eingestellt?",
    ],
)
def test_no_window_plan_where_the_question_is_of_another_shape(question: str):
    assert soc_window_plan(question, PASSAGES) is None
