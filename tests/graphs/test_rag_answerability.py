"""Designations and years a question names must occur in the retrieved text."""

from __future__ import annotations

import pytest

from luna.retrieval.designations import missing_specifics, named_specifics


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("What is the usable capacity of the Luna Store 15 battery?", ["Store 15"]),
        ("Welches Kältemittel verwendet die Luna Therm LW 9?", ["LW 9"]),
        ("Wie hoch ist die Vergütung für Anlagen, die 2021 in Betrieb gingen?", ["2021"]),
        ("Was gilt im Modul 3 ab März 2025?", ["Modul 3", "2025"]),
        ("Was macht die Wärmepumpe im SG-Ready-Zustand 1?", []),  # a compound, not a name
        ("Was steht auf Seite 3 und in Abschnitt 4?", []),
        ("Wie viel kostet Strom am 3. Oktober um 14 Uhr?", []),
        ("Wie teuer sind 10,5 kWh im Tarif?", []),
    ],
)
def test_named_specifics(question: str, named: list[str]):
    assert named_specifics(question) == named


def test_missing_specifics_ignores_spacing_and_hyphens_but_not_other_numbers():
    passages = ["Die Luna Therm LW9 nutzt R290.", "Luna Store 10: 10 kWh nutzbar, Stand 2025."]
    assert missing_specifics("Was kostet die LW 9?", passages) == []
    assert missing_specifics("What does the Luna Store 15 hold?", passages) == ["Store 15"]
    assert missing_specifics("What does the Store 1 hold?", passages) == ["Store 1"]
    assert missing_specifics("Sätze für 2021 und 2025?", passages) == ["2021"]
