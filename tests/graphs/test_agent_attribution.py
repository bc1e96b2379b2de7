"""A figure is never answered as a meter's it was not computed for: the meters the question or
a model-written answer names are checked against the meters of this turn's figures, and the
replacement answer names the meters each figure belongs to, German and English."""

from __future__ import annotations

from typing import Any

from luna.graphs.agent.attribution import attributed_answer, unattributed_meters

TZ = "Europe/Berlin"
M001_YESTERDAY = {
    "kind": "energy",
    "series": "consumption",
    "meter": "M-001",
    "meters": ["M-001"],
    "period": "yesterday",
    "start": "2026-12-01T23:00:00+00:00",
    "end": "2026-12-02T23:00:00+00:00",
    "aggregation": "sum",
    "total_kwh": 18.624,
}
BOTH_COST = {
    "kind": "cost",
    "meter": None,
    "meters": ["M-001", "M-003"],
    "period": "yesterday",
    "start": "2026-12-01T23:00:00+00:00",
    "end": "2026-12-02T23:00:00+00:00",
    "cost_eur": 4.2,
    "import_kwh": 12.5,
    "feed_in_eur": 0.0,
}


def data(figures: dict[str, Any], n: int = 1) -> dict[str, Any]:
    return {"kind": "data", "n": n, "figures": figures, "summary": "consumption of M-001 …"}


def test_a_meter_with_its_own_figure_passes():
    sources = [data(M001_YESTERDAY)]
    assert unattributed_meters(["Und bei M-001?"], "M-001 used 18.62 kWh [1].", sources) == []
    assert unattributed_meters(["Wie viel gestern?"], None, sources) == []


def test_another_meter_in_the_question_or_the_models_answer_is_caught():
    sources = [data(M001_YESTERDAY)]
    assert unattributed_meters(["and m-003?"], None, sources) == ["M-003"]
    assert unattributed_meters(["and yesterday?"], "M-003 used 18.62 kWh [1].", sources) == [
        "M-003"
    ]
    # a sum over several meters is no single meter's figure
    assert unattributed_meters(["Kosten für M-003?"], None, [data(BOTH_COST)]) == ["M-003"]


def test_no_meter_figure_nothing_to_misattribute():
    prices = {"kind": "price", "zone": "DE-LU"}
    assert unattributed_meters(["Preis bei M-003?"], "M-003 …", [data(prices)]) == []
    assert unattributed_meters(["and M-003?"], "M-003 …", []) == []


def test_the_replacement_names_each_figures_meters_in_the_users_language():
    german = attributed_answer(["M-003"], "Und bei M-003?", [data(M001_YESTERDAY)], "de", TZ)
    assert german == (
        "Für Zähler M-003 habe ich hier keinen eigenen Wert berechnet, daher nenne ich dafür "
        "keinen. Berechnet habe ich: Der Stromverbrauch von Zähler M-001 gestern (02.12.2026) "
        "betrug 18,62 kWh [1]."
    )
    english = attributed_answer(["M-003"], "and M-003?", [data(BOTH_COST)], "en", TZ)
    assert english.startswith(
        "I have not computed a figure of its own for meter M-003, so I give none. I computed: "
        "Your electricity cost (meters M-001 and M-003 together) yesterday (2 Dec 2026) was "
        "4.20 €"
    )
    assert "M-003 used" not in english
